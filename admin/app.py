"""The Piccolo Admin console, grouped by domain, mounted at /admin by api.app."""

from __future__ import annotations

from piccolo.apps.user.tables import BaseUser
from piccolo_admin.endpoints import FormConfig, TableConfig, create_admin
from piccolo_api.crud.endpoints import OrderBy
from piccolo_api.rate_limiting.middleware import InMemoryLimitProvider
from piccolo_api.session_auth.tables import SessionsBase

import settings
from admin.access.audit import audit_hooks, combined_hooks, no_put, read_only
from admin.access.tokens import (
    CreateTokenForm,
    RevokeTokenForm,
    create_token_endpoint,
    revoke_token_endpoint,
)
from admin.asking.campaigns import asking_forms, asking_table_configs
from admin.asking.tasks import task_forms, task_table_configs
from admin.case_studies.case_studies import case_study_forms, case_study_table_configs
from admin.catalogue.listings import listing_forms, listing_table_configs
from admin.events.webhooks import webhook_forms, webhook_table_configs
from admin.integrations.integrations import integration_forms, integration_table_configs
from admin.people.customers import customer_forms, suppression_hooks
from admin.playbook.checklist import playbook_forms
from admin.quotes.quotes import quote_forms, quote_table_configs
from admin.reviews.reviews import review_forms, review_table_configs
from admin.team.team import team_forms, team_table_configs
from models.access.audit import AuditEvent
from models.access.tokens import ApiToken
from models.catalogue.platforms import PlatformProfile, RatingSnapshot, ReviewPlatform
from models.catalogue.products import Product
from models.core.outbox import OutboxMessage
from models.people.customers import Customer
from models.people.senders import Sender
from models.people.signals import Signal


def _table(table, group: str, columns: list, filters: list | None = None, **kwargs) -> TableConfig:
    kwargs.setdefault("hooks", audit_hooks(table))
    # piccolo_api runs no hooks on PUT, so PUT would skip the audit trail: refuse it (the
    # console itself edits with PATCH).
    kwargs.setdefault("validators", no_put())
    # Event-like tables read newest first; catalogues in creation order.
    order = [OrderBy(table.id, ascending=not kwargs.pop("newest_first", False))]
    return TableConfig(table, visible_columns=columns, visible_filters=filters or columns[1:],
                       menu_group=group, order_by=order, **kwargs)


def table_configs() -> list[TableConfig]:
    return [
        _table(Product, "Catalogue", [Product.id, Product.name, Product.slug, Product.website]),
        _table(ReviewPlatform, "Catalogue",
               [ReviewPlatform.id, ReviewPlatform.name, ReviewPlatform.key,
                ReviewPlatform.vendor_may_ask, ReviewPlatform.incentives_allowed,
                ReviewPlatform.review_pool, ReviewPlatform.rating_scale]),
        _table(PlatformProfile, "Catalogue",
               [PlatformProfile.id, PlatformProfile.product, PlatformProfile.platform,
                PlatformProfile.profile_url, PlatformProfile.target_rating]),
        _table(RatingSnapshot, "Catalogue",
               [RatingSnapshot.id, RatingSnapshot.profile, RatingSnapshot.taken_on,
                RatingSnapshot.average, RatingSnapshot.review_count]),
        *listing_table_configs(),
        _table(Customer, "Customers",
               [Customer.id, Customer.email, Customer.first_name, Customer.last_name,
                Customer.company, Customer.plan, Customer.country, Customer.locale,
                Customer.email_status, Customer.product],
               [Customer.product, Customer.email, Customer.company, Customer.plan,
                Customer.country, Customer.locale, Customer.email_status, Customer.is_insider,
                Customer.is_notable, Customer.external_id],
               hooks=combined_hooks(suppression_hooks(), audit_hooks(Customer))),
        _table(Signal, "Customers",
               [Signal.id, Signal.customer, Signal.kind, Signal.source, Signal.event_id,
                Signal.occurred_at, Signal.nps_score],
               [Signal.kind, Signal.source, Signal.customer, Signal.occurred_at],
               newest_first=True),
        _table(Sender, "Asking", [Sender.id, Sender.name, Sender.title, Sender.email]),
        *asking_table_configs(),
        *review_table_configs(),
        *quote_table_configs(),
        *task_table_configs(),
        *webhook_table_configs(),
        *integration_table_configs(),
        *team_table_configs(),
        *case_study_table_configs(),
        _table(ApiToken, "Access",
               [ApiToken.id, ApiToken.name, ApiToken.prefix, ApiToken.scopes, ApiToken.product,
                ApiToken.last_used_at, ApiToken.revoked_at, ApiToken.expires_at],
               [ApiToken.name, ApiToken.product, ApiToken.revoked_at],
               hooks=[], validators=read_only("Use the 'Create API token' and 'Revoke API token' "
                                              "forms: secrets are never stored in clear.")),
        _table(AuditEvent, "Access",
               [AuditEvent.id, AuditEvent.at, AuditEvent.actor_kind, AuditEvent.actor,
                AuditEvent.action, AuditEvent.target_table, AuditEvent.target_id],
               [AuditEvent.actor_kind, AuditEvent.actor, AuditEvent.action,
                AuditEvent.target_table], newest_first=True,
               hooks=[], validators=read_only("The audit trail is append-only.")),
        _table(OutboxMessage, "Operations",
               [OutboxMessage.id, OutboxMessage.job, OutboxMessage.created_at,
                OutboxMessage.enqueued_at, OutboxMessage.attempts, OutboxMessage.done_at,
                OutboxMessage.last_error],
               [OutboxMessage.job, OutboxMessage.done_at], newest_first=True,
               hooks=[], validators=read_only("The outbox is written by Plaudit itself.")),
    ]


def forms() -> list[FormConfig]:
    return [
        *playbook_forms(),  # the product's home first
        FormConfig(name="Create API token", pydantic_model=CreateTokenForm,
                   endpoint=create_token_endpoint, form_group="Access",
                   description="Creates a scoped token. The secret is shown once, here."),
        FormConfig(name="Revoke API token", pydantic_model=RevokeTokenForm,
                   endpoint=revoke_token_endpoint, form_group="Access",
                   description="Revokes a token at once."),
        *listing_forms(),
        *customer_forms(),
        *asking_forms(),
        *review_forms(),
        *quote_forms(),
        *task_forms(),
        *webhook_forms(),
        *integration_forms(),
        *team_forms(),
        *case_study_forms(),
    ]


# Every console's login limiter in this process (tests start each test with clean counts).
LOGIN_LIMITERS: list[InMemoryLimitProvider] = []


def build_admin():
    from admin.access.mfa import provider, require_enrolment
    from admin.access.security import admin_hosts, harden

    mfa_provider = provider()
    # Brute-force guard on the login: 20 attempts per client per 5 minutes, then a block
    # that expires (the default never expires, locking out everyone behind one proxy).
    limiter = InMemoryLimitProvider(timespan=300, limit=20, block_duration=300)
    LOGIN_LIMITERS.append(limiter)
    admin_app = create_admin(
        tables=table_configs(),
        forms=forms(),
        auth_table=BaseUser,
        session_table=SessionsBase,
        site_name="Plaudit",
        production=settings.SETTINGS.admin_production,
        page_size=25,
        rate_limit_provider=limiter,
        mfa_providers=[mfa_provider],
        # Behind a TLS proxy its CSRF check compares the browser's Origin with these.
        allowed_hosts=admin_hosts(),
    )
    return harden(require_enrolment(admin_app, mfa_provider), limiter)
