"""The GraphQL schema: every domain's queries and mutations, plus the guard rails."""

from __future__ import annotations

import logging
import re
import time

import strawberry
from graphql import ExecutionResult, GraphQLError
from strawberry.extensions import AddValidationRules, MaskErrors, MaxTokensLimiter, ParserCache
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

import settings
from api.access.tokens import TokenMutations, TokenQueries
from api.asking.asks import AskMutations, AskQueries
from api.asking.campaigns import CampaignMutations, CampaignQueries
from api.asking.suppression import SuppressionMutations
from api.asking.tasks import TaskMutations, TaskQueries
from api.case_studies.case_studies import CaseStudyMutations, CaseStudyQueries
from api.catalogue.listings import ListingMutations, ListingQueries
from api.catalogue.platforms import PlatformMutations, PlatformQueries
from api.catalogue.products import ProductMutations, ProductQueries
from api.catalogue.readings import ReadingMutations, ReadingQueries
from api.events.events import EventQueries
from api.events.live import EventSubscriptions
from api.events.webhooks import WebhookMutations, WebhookQueries
from api.graphql import core_patch
from api.graphql.document_limits import BoundedValidation, Limits
from api.graphql.execution import FastLeafExecutionContext, SettledExecutionContext
from api.graphql.input_limits import StringLimits, variables_problem
from api.graphql.introspection_cache import IntrospectionCache
from api.graphql.nodes import NodeQueries
from api.graphql.relay import ArgumentError
from api.graphql.scalars import SCALAR_MAP
from api.graphql.trusted import TrustedDocumentMutations, TrustedDocumentQueries, resolve_document
from api.integrations.integrations import IntegrationMutations, IntegrationQueries
from api.people.customers import CustomerMutations, CustomerQueries
from api.people.senders import SenderMutations, SenderQueries
from api.people.signals import SignalMutations, SignalQueries
from api.playbook.checklist import ChecklistQueries
from api.quotes.quotes import QuoteMutations, QuoteQueries
from api.quotes.showcase import ShowcaseQueries
from api.reviews.improvements import ImprovementMutations, ImprovementQueries
from api.reviews.reviews import ReviewMutations, ReviewQueries
from api.team.roster import RosterMutations, RosterQueries
from api.team.shout_outs import ShoutOutQueries
from ops import metrics

Query = merge_types("Query", (
    NodeQueries, EventQueries, AskQueries, CampaignQueries, CustomerQueries, SignalQueries, ProductQueries,
    PlatformQueries, ListingQueries, ImprovementQueries, QuoteQueries, ReadingQueries, ReviewQueries,
    SenderQueries,
    ShowcaseQueries, TaskQueries, TokenQueries, WebhookQueries, IntegrationQueries, RosterQueries,
    ShoutOutQueries, CaseStudyQueries, ChecklistQueries, TrustedDocumentQueries))
Mutation = merge_types("Mutation", (
    AskMutations, CampaignMutations, CustomerMutations, SignalMutations, ProductMutations,
    PlatformMutations, ListingMutations, ImprovementMutations, QuoteMutations, ReadingMutations,
    ReviewMutations,
    SenderMutations, SuppressionMutations, TaskMutations, TokenMutations, WebhookMutations,
    IntegrationMutations, RosterMutations, CaseStudyMutations, TrustedDocumentMutations))
Subscription = merge_types("Subscription", (EventSubscriptions,))

log = logging.getLogger("plaudit.graphql")
RETRY_AFTER_SECONDS = 5
UNAVAILABLE = "The database is unavailable right now; retry in a few seconds."
TIMEOUT = "This request took too long and was stopped; narrow it (filters, smaller pages)."
_SUGGESTION = re.compile(r"\s*Did you mean .*\?$")


def should_mask(error: GraphQLError) -> bool:
    """Hide everything but errors meant for the client: validation, permissions, arguments."""
    original = error.original_error
    return original is not None and not isinstance(original, (ArgumentError, GraphQLError))


class PlauditSchema(strawberry.Schema):
    async def execute(self, query, variable_values=None, context_value=None, *args, **kwargs):
        # Persisted and trusted documents (api/graphql/trusted.py): a hash becomes its text.
        query, refused = await resolve_document(query, kwargs.get("operation_extensions"))
        if refused is not None:
            return ExecutionResult(data=None, errors=[refused])
        if query is not None and len(query) > MAX_DOCUMENT_CHARS:
            # Parsing stops at the token limit, but lexing a few MB to get there still costs.
            return ExecutionResult(data=None, errors=[GraphQLError(
                f"The document is longer than {MAX_DOCUMENT_CHARS} characters; send large "
                "values as variables.", extensions={"code": "DOCUMENT_TOO_COSTLY"})])
        if variable_values and (problem := variables_problem(variable_values)):
            return ExecutionResult(data=None, errors=[GraphQLError(problem)])
        started = time.perf_counter()
        result = await super().execute(query, variable_values, context_value, *args, **kwargs)
        metrics.GRAPHQL_SECONDS.labels(_operation_type(query), metrics.operation_label(
            kwargs.get("operation_name"))).observe(time.perf_counter() - started)
        if getattr(context_value, "unavailable", False):
            # The database is down or restarting: a clear 503 the client may retry, not a 200
            # with "Unexpected error.". The pool reconnects by itself once it is back.
            context_value.response.status_code = 503
            context_value.response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        actor = getattr(context_value, "actor", None)
        if result.errors and not (actor is not None and actor.is_authenticated):
            # 'Did you mean …?' hints map the schema for strangers; only token holders get
            # them. New error objects: ValidationCache shares the originals across requests.
            result.errors = [
                GraphQLError(_SUGGESTION.sub("", e.message), nodes=e.nodes, source=e.source,
                             positions=e.positions, path=e.path, original_error=e.original_error,
                             extensions=e.extensions)
                for e in result.errors
            ]
        return result

    def process_errors(self, errors, execution_context=None) -> None:
        # Client errors (validation, permissions, arguments) are answers, not incidents:
        # log only what MaskErrors hides, with its traceback.
        from models.core.database import is_timeout, is_unavailable

        for error in errors:
            if should_mask(error) and is_unavailable(error.original_error):
                log.warning("database unavailable: %s", type(error.original_error).__name__)
            elif should_mask(error) and is_timeout(error.original_error):
                log.warning("statement timeout at %s", ".".join(map(str, error.path or [])))
            elif should_mask(error):
                log.error("unexpected error in GraphQL execution", exc_info=error.original_error)


MAX_DOCUMENT_CHARS = 100_000


def _operation_type(query: str | None) -> str:
    word = (query or "").lstrip().split("{", 1)[0].split(" ", 1)[0].split("(", 1)[0]
    return word if word in ("mutation", "subscription") else "query"


class PlauditMaskErrors(MaskErrors):
    """Masks unexpected errors; says plainly when the cause is the database being unavailable."""

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        from models.core.database import is_timeout, is_unavailable

        if is_timeout(error.original_error):
            metrics.GRAPHQL_ERRORS.labels("timeout").inc()
            return GraphQLError(TIMEOUT, nodes=error.nodes, source=error.source,
                                positions=error.positions, path=error.path,
                                extensions={"code": "TIMEOUT"})
        if is_unavailable(error.original_error):
            context = self.execution_context.context
            if context is not None and hasattr(context, "unavailable"):
                context.unavailable = True
            metrics.GRAPHQL_ERRORS.labels("unavailable").inc()
            return GraphQLError(UNAVAILABLE, nodes=error.nodes, source=error.source,
                                positions=error.positions, path=error.path,
                                extensions={"code": "UNAVAILABLE"})
        metrics.GRAPHQL_ERRORS.labels("unexpected").inc()
        return super().anonymise_error(error)


def build_schema(execution_context_class: type | None = FastLeafExecutionContext) -> strawberry.Schema:
    core_patch.install()  # siblings are never cancelled mid-query (api/graphql/core_patch.py)
    cfg = settings.SETTINGS
    # Depth, aliases and expanded size in one memoised pass before graphql-core's rules
    # (api/graphql/document_limits.py): Strawberry's own limiters re-expand every fragment spread.
    limits = Limits(max_depth=cfg.graphql_max_depth, max_aliases=cfg.graphql_max_aliases,
                    max_size=cfg.graphql_max_fields, max_nesting=cfg.graphql_max_depth + 30,
                    max_repeat=32)
    # Built once: the validation cache keys on the rules.
    extra_rules = [StringLimits]
    return PlauditSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        execution_context_class=execution_context_class or SettledExecutionContext,
        config=StrawberryConfig(scalar_map=SCALAR_MAP),
        extensions=[
            lambda: ParserCache(maxsize=512),
            lambda: AddValidationRules(extra_rules),
            lambda: BoundedValidation(limits, maxsize=512),
            lambda: MaxTokensLimiter(max_token_count=cfg.graphql_max_tokens),
            IntrospectionCache,
            lambda: PlauditMaskErrors(should_mask_error=should_mask),
        ],
    )


schema = build_schema()
