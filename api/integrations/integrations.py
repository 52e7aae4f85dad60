"""Integrations over GraphQL: connect Stripe or Zendesk to a product (their signing secret),
list them and the events each one sent, disconnect. Scopes `signals:read` / `signals:write`:
an integration writes signals."""

from __future__ import annotations

import datetime as dt
from enum import Enum

import strawberry
from strawberry.types import Info

from api.graphql.errors import map_errors, user_error_type
from api.graphql.nodes import Node, node_kind
from api.graphql.nodes import page_rows as _rows
from api.graphql.permissions import needs
from api.graphql.relay import ArgumentError, Connection, decode_id, global_id, paginate
from models.core.pagination import PageRequest
from models.integrations import intake as domain


@strawberry.enum(description="A provider whose own webhooks Plaudit takes in.")
class IntegrationProvider(Enum):
    STRIPE = "stripe"
    ZENDESK = "zendesk"


@strawberry.enum(description="What a received event did.")
class IntegrationEventOutcome(Enum):
    SIGNAL = "signal"
    IGNORED = "ignored"
    UNMATCHED = "unmatched"


@node_kind("signals:read", lambda actor, ids: _rows(domain.list_integrations(actor, None,
                                                                              PageRequest.only(ids))))
@strawberry.type(name="Integration", description="Stripe or Zendesk, connected to a product: POST its "
                                                 "webhooks to /integrations/<provider>.")
class IntegrationType(Node):
    enabled: bool
    created_at: dt.datetime
    last_event_at: dt.datetime | None

    @strawberry.field
    def provider(self) -> IntegrationProvider:
        return IntegrationProvider(self.provider)  # type: ignore[attr-defined]

    @strawberry.field
    def product_id(self) -> strawberry.ID:
        return global_id("Product", self.product)  # type: ignore[attr-defined,return-value]


@strawberry.type(name="IntegrationEvent", description="One provider event received.")
class IntegrationEventType:
    @strawberry.field(description="The provider's id of the event (Stripe `evt_…`, Zendesk's id).")
    def provider_event(self) -> str:
        return self.provider_event_id  # type: ignore[attr-defined]

    event_type: str
    detail: str = strawberry.field(description="Why it was ignored, or what it recorded.")
    received_at: dt.datetime

    @strawberry.field
    def outcome(self) -> IntegrationEventOutcome:
        return IntegrationEventOutcome(self.outcome)  # type: ignore[attr-defined]

    @strawberry.field
    def signal_id(self) -> strawberry.ID | None:
        return global_id("Signal", self.signal)  # type: ignore[attr-defined]


ConnectIntegrationError = user_error_type("ConnectIntegration", [
    "PRODUCT_REQUIRED", "NOT_FOUND", "UNKNOWN_PROVIDER", "INVALID_SECRET", "TOO_MANY"])
DisconnectIntegrationError = user_error_type("DisconnectIntegration", ["NOT_FOUND"])


@strawberry.input
class ConnectIntegrationInput:
    product_id: strawberry.ID | None = strawberry.field(default=None, description="Left out by a "
                                                                                  "product-limited token.")
    provider: IntegrationProvider
    signing_secret: str = strawberry.field(description="The webhook signing secret the provider "
                                                       "shows (Stripe: whsec_…).")


@strawberry.type
class ConnectIntegrationPayload:
    integration: IntegrationType | None
    user_errors: list[ConnectIntegrationError]  # type: ignore[valid-type]


@strawberry.type
class DisconnectIntegrationPayload:
    deleted_id: strawberry.ID | None
    user_errors: list[DisconnectIntegrationError]  # type: ignore[valid-type]


@strawberry.type
class IntegrationQueries:
    @strawberry.field(permission_classes=[needs("signals:read")])
    async def integrations(self, info: Info, product_id: strawberry.ID | None = None,
                           first: int | None = None, after: str | None = None, last: int | None = None,
                           before: str | None = None) -> Connection[IntegrationType]:
        product = decode_id(product_id, "productId", "Product")
        page = await paginate(lambda page: domain.list_integrations(info.context.actor, product, page),
                              first, after, last, before)
        return Connection.from_page(page)

    @strawberry.field(permission_classes=[needs("signals:read")],
                      description="What an integration received, oldest first.")
    async def integration_events(self, info: Info, integration_id: strawberry.ID,
                                 first: int | None = None, after: str | None = None,
                                 last: int | None = None, before: str | None = None
                                 ) -> Connection[IntegrationEventType]:
        integration = decode_id(integration_id, "integrationId", "Integration")
        page = await paginate(lambda page: domain.list_events(info.context.actor, integration, page),
                              first, after, last, before)
        if page is None:
            raise ArgumentError("`integrationId` is not an integration this token can see.")
        return Connection.from_page(page)


@strawberry.type
class IntegrationMutations:
    @strawberry.mutation(permission_classes=[needs("signals:write")],
                         description="Connect a provider: its webhooks to /integrations/<provider> "
                                     "then become signals for this product.")
    async def connect_integration(self, info: Info, input: ConnectIntegrationInput
                                  ) -> ConnectIntegrationPayload:
        actor = info.context.actor
        outcome = await domain.connect(actor, decode_id(input.product_id, "input.productId", "Product"),
                                       input.provider.value, input.signing_secret)
        integration = None
        if outcome.value is not None:
            rows = await _rows(domain.list_integrations(actor, None, PageRequest.only([outcome.value.id])))
            integration = rows[0] if rows else None
        return ConnectIntegrationPayload(integration=integration,
                                         user_errors=map_errors(ConnectIntegrationError, outcome.errors))

    @strawberry.mutation(permission_classes=[needs("signals:write")])
    async def disconnect_integration(self, info: Info, id: strawberry.ID) -> DisconnectIntegrationPayload:
        outcome = await domain.disconnect(info.context.actor, decode_id(id, "id", "Integration"))
        return DisconnectIntegrationPayload(
            deleted_id=global_id("Integration", outcome.value),  # type: ignore[arg-type]
            user_errors=map_errors(DisconnectIntegrationError, outcome.errors))
