"""Webhook endpoints and their delivery logs over GraphQL.

Endpoints: `webhookEndpoints`, `createWebhookEndpoint` (the secret is in the payload, once),
`updateWebhookEndpoint`, `rotateWebhookSecret`, `deleteWebhookEndpoint`. Deliveries:
`WebhookEndpoint.deliveries`, `resendWebhookDelivery`, `sendTestWebhook`. Scopes
`webhooks:read` / `webhooks:write`; a product-limited token sees only its product's endpoints.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum

import strawberry
from strawberry.types import Info

from api.events.events import EventTypeEnum
from api.graphql.errors import map_errors, user_error_type
from api.graphql.nodes import Node, node_kind
from api.graphql.nodes import page_rows as _rows
from api.graphql.permissions import needs
from api.graphql.relay import ArgumentError, Connection, decode_id, global_id, paginate
from jobs.events.webhooks import hand_over_now
from models.core.pagination import PageRequest
from models.events import deliveries as delivery_domain
from models.events import webhooks as domain


@strawberry.enum(description="Where a delivery stands.")
class WebhookDeliveryStatus(Enum):
    PENDING = "pending"
    DELIVERING = "delivering"
    DELIVERED = "delivered"
    FAILED = "failed"
    CANCELLED = "cancelled"


@strawberry.type(description="One POST to the receiver.")
class WebhookAttempt:
    attempted_at: dt.datetime
    status_code: int | None = strawberry.field(description="None when no answer came (network, "
                                                           "timeout, refused address).")
    latency_ms: int
    error: str


@node_kind("webhooks:read", lambda actor, ids: _rows(
    delivery_domain.list_deliveries(actor, None, None, PageRequest.only(ids))))
@strawberry.type(name="WebhookDelivery", description="One event (or test message) for one endpoint.")
class WebhookDeliveryType(Node):
    message_id: str = strawberry.field(description="The `webhook-id` header: the same on every "
                                                   "attempt and resend (dedup on it).")
    attempts: int = strawberry.field(description="Attempts since it was created or resent.")
    next_attempt_at: dt.datetime | None
    last_attempt_at: dt.datetime | None
    last_status_code: int | None
    last_latency_ms: int | None
    last_error: str
    delivered_at: dt.datetime | None
    created_at: dt.datetime

    @strawberry.field(description="`ask.sent`, …, or `webhook.test`.")
    def event_type(self) -> str:
        return self.event_type  # type: ignore[attr-defined]

    @strawberry.field
    def status(self) -> WebhookDeliveryStatus:
        return WebhookDeliveryStatus(self.status)  # type: ignore[attr-defined]

    @strawberry.field
    def endpoint_id(self) -> strawberry.ID:
        return global_id("WebhookEndpoint", self.endpoint)  # type: ignore[attr-defined,return-value]

    @strawberry.field(description="The event delivered (none for a test message).")
    def event_id(self) -> strawberry.ID | None:
        return global_id("Event", self.event)  # type: ignore[attr-defined]

    @strawberry.field(description="Every attempt, oldest first (the latest 50).")
    async def attempt_log(self, info: Info) -> list[WebhookAttempt]:
        return await info.context.loaders.webhook_attempts.load(self.id)  # type: ignore[attr-defined]


@node_kind("webhooks:read", lambda actor, ids: _rows(
    domain.list_endpoints(actor, None, PageRequest.only(ids))))
@strawberry.type(name="WebhookEndpoint", description="A receiver of a product's events, signed "
                                                     "per Standard Webhooks.")
class WebhookEndpointType(Node):
    url: str
    description: str
    enabled: bool
    disabled_reason: str = strawberry.field(description="Why it was disabled (by someone, or after "
                                                        "a long run of failures).")
    consecutive_failures: int
    failing_since: dt.datetime | None
    last_success_at: dt.datetime | None
    created_at: dt.datetime

    @strawberry.field
    def product_id(self) -> strawberry.ID:
        return global_id("Product", self.product)  # type: ignore[attr-defined,return-value]

    @strawberry.field
    def event_types(self) -> list[EventTypeEnum]:  # type: ignore[valid-type]
        return [EventTypeEnum(t) for t in self.event_types]  # type: ignore[attr-defined]


CreateWebhookEndpointError = user_error_type("CreateWebhookEndpoint", [
    "PRODUCT_REQUIRED", "NOT_FOUND", "INVALID_URL", "EVENT_TYPES_REQUIRED", "UNKNOWN_EVENT_TYPE",
    "FORBIDDEN_EVENT_TYPE", "INVALID_DESCRIPTION", "TOO_MANY_ENDPOINTS"])
UpdateWebhookEndpointError = user_error_type("UpdateWebhookEndpoint", [
    "NOT_FOUND", "INVALID_URL", "EVENT_TYPES_REQUIRED", "UNKNOWN_EVENT_TYPE", "FORBIDDEN_EVENT_TYPE",
    "INVALID_DESCRIPTION"])
RotateWebhookSecretError = user_error_type("RotateWebhookSecret", ["NOT_FOUND"])
DeleteWebhookEndpointError = user_error_type("DeleteWebhookEndpoint", ["NOT_FOUND"])
ResendWebhookDeliveryError = user_error_type("ResendWebhookDelivery", ["NOT_FOUND"])
SendTestWebhookError = user_error_type("SendTestWebhook", ["NOT_FOUND", "ENDPOINT_DISABLED"])


@strawberry.input
class CreateWebhookEndpointInput:
    product_id: strawberry.ID | None = strawberry.field(
        default=None, description="Left out by a product-limited token.")
    url: str = strawberry.field(description="https in production; it must resolve to a public address.")
    event_types: list[EventTypeEnum]  # type: ignore[valid-type]
    description: str = ""


@strawberry.input
class UpdateWebhookEndpointInput:
    url: str | None = None
    event_types: list[EventTypeEnum] | None = None  # type: ignore[valid-type]
    description: str | None = None
    enabled: bool | None = strawberry.field(default=None, description="true again clears the "
                                                                      "failure run.")


@strawberry.type
class CreateWebhookEndpointPayload:
    endpoint: WebhookEndpointType | None
    secret: str | None = strawberry.field(description="The signing secret (whsec_…), shown this once.")
    user_errors: list[CreateWebhookEndpointError]  # type: ignore[valid-type]


@strawberry.type
class UpdateWebhookEndpointPayload:
    endpoint: WebhookEndpointType | None
    user_errors: list[UpdateWebhookEndpointError]  # type: ignore[valid-type]


@strawberry.type
class RotateWebhookSecretPayload:
    endpoint: WebhookEndpointType | None
    secret: str | None = strawberry.field(description="The new secret, shown this once; it signs "
                                                      "every delivery from now on.")
    user_errors: list[RotateWebhookSecretError]  # type: ignore[valid-type]


@strawberry.type
class DeleteWebhookEndpointPayload:
    deleted_id: strawberry.ID | None
    user_errors: list[DeleteWebhookEndpointError]  # type: ignore[valid-type]


@strawberry.type
class ResendWebhookDeliveryPayload:
    delivery: WebhookDeliveryType | None
    user_errors: list[ResendWebhookDeliveryError]  # type: ignore[valid-type]


@strawberry.type
class SendTestWebhookPayload:
    delivery: WebhookDeliveryType | None
    user_errors: list[SendTestWebhookError]  # type: ignore[valid-type]


def _types(values) -> list[str] | None:
    return None if values is None else [v.value for v in values]


async def _delivery(actor, delivery_id: int | None):
    if delivery_id is None:
        return None
    rows = await _rows(delivery_domain.list_deliveries(actor, None, None, PageRequest.only([delivery_id])))
    return rows[0] if rows else None


async def _endpoint(actor, endpoint_id: int | None):
    if endpoint_id is None:
        return None
    rows = await _rows(domain.list_endpoints(actor, None, PageRequest.only([endpoint_id])))
    return rows[0] if rows else None


@strawberry.type
class WebhookQueries:
    @strawberry.field(permission_classes=[needs("webhooks:read")],
                      description="Webhook endpoints, oldest first.")
    async def webhook_endpoints(self, info: Info, product_id: strawberry.ID | None = None,
                                first: int | None = None, after: str | None = None,
                                last: int | None = None, before: str | None = None
                                ) -> Connection[WebhookEndpointType]:
        product = decode_id(product_id, "productId", "Product")
        page = await paginate(lambda page: domain.list_endpoints(info.context.actor, product, page),
                              first, after, last, before)
        return Connection.from_page(page)

    @strawberry.field(permission_classes=[needs("webhooks:read")],
                      description="An endpoint's delivery log, oldest first.")
    async def webhook_deliveries(self, info: Info, endpoint_id: strawberry.ID,
                                 status: list[WebhookDeliveryStatus] | None = None,
                                 first: int | None = None, after: str | None = None,
                                 last: int | None = None, before: str | None = None
                                 ) -> Connection[WebhookDeliveryType]:
        endpoint = decode_id(endpoint_id, "endpointId", "WebhookEndpoint")
        statuses = [s.value for s in status] if status else None
        page = await paginate(lambda page: delivery_domain.list_deliveries(
            info.context.actor, endpoint, statuses, page), first, after, last, before)
        if page is None:
            raise ArgumentError("`endpointId` is not a webhook endpoint this token can see.")
        return Connection.from_page(page)


@strawberry.type
class WebhookMutations:
    @strawberry.mutation(permission_classes=[needs("webhooks:write")],
                         description="Push these event types of a product to a URL. The token "
                                     "must read every family it subscribes to.")
    async def create_webhook_endpoint(self, info: Info, input: CreateWebhookEndpointInput
                                      ) -> CreateWebhookEndpointPayload:
        actor = info.context.actor
        outcome = await domain.create_endpoint(
            actor, decode_id(input.product_id, "input.productId", "Product"), input.url,
            _types(input.event_types) or [], input.description)
        issued = outcome.value
        return CreateWebhookEndpointPayload(
            endpoint=await _endpoint(actor, issued.endpoint.id) if issued else None,
            secret=issued.secret if issued else None,
            user_errors=map_errors(CreateWebhookEndpointError, outcome.errors))

    @strawberry.mutation(permission_classes=[needs("webhooks:write")])
    async def update_webhook_endpoint(self, info: Info, id: strawberry.ID,
                                      input: UpdateWebhookEndpointInput) -> UpdateWebhookEndpointPayload:
        actor = info.context.actor
        outcome = await domain.update_endpoint(
            actor, decode_id(id, "id", "WebhookEndpoint"), url=input.url,
            event_types=_types(input.event_types), description=input.description,
            enabled=input.enabled)
        return UpdateWebhookEndpointPayload(
            endpoint=await _endpoint(actor, outcome.value.id) if outcome.value else None,
            user_errors=map_errors(UpdateWebhookEndpointError, outcome.errors))

    @strawberry.mutation(permission_classes=[needs("webhooks:write")])
    async def rotate_webhook_secret(self, info: Info, id: strawberry.ID) -> RotateWebhookSecretPayload:
        actor = info.context.actor
        outcome = await domain.rotate_secret(actor, decode_id(id, "id", "WebhookEndpoint"))
        issued = outcome.value
        return RotateWebhookSecretPayload(
            endpoint=await _endpoint(actor, issued.endpoint.id) if issued else None,
            secret=issued.secret if issued else None,
            user_errors=map_errors(RotateWebhookSecretError, outcome.errors))

    @strawberry.mutation(permission_classes=[needs("webhooks:write")],
                         description="Delete an endpoint and its delivery log.")
    async def delete_webhook_endpoint(self, info: Info, id: strawberry.ID) -> DeleteWebhookEndpointPayload:
        outcome = await domain.delete_endpoint(info.context.actor, decode_id(id, "id", "WebhookEndpoint"))
        return DeleteWebhookEndpointPayload(
            deleted_id=global_id("WebhookEndpoint", outcome.value),  # type: ignore[arg-type]
            user_errors=map_errors(DeleteWebhookEndpointError, outcome.errors))

    @strawberry.mutation(permission_classes=[needs("webhooks:write")],
                         description="Deliver again now, with the same webhook-id.")
    async def resend_webhook_delivery(self, info: Info, id: strawberry.ID) -> ResendWebhookDeliveryPayload:
        actor = info.context.actor
        outcome = await delivery_domain.resend(actor, decode_id(id, "id", "WebhookDelivery"))
        await hand_over_now(outcome.value)
        return ResendWebhookDeliveryPayload(
            delivery=await _delivery(actor, outcome.value[0] if outcome.value else None),
            user_errors=map_errors(ResendWebhookDeliveryError, outcome.errors))

    @strawberry.mutation(permission_classes=[needs("webhooks:write")],
                         description="Send a signed `webhook.test` message to the endpoint.")
    async def send_test_webhook(self, info: Info, id: strawberry.ID) -> SendTestWebhookPayload:
        actor = info.context.actor
        outcome = await delivery_domain.send_test(actor, decode_id(id, "id", "WebhookEndpoint"))
        await hand_over_now(outcome.value)
        return SendTestWebhookPayload(
            delivery=await _delivery(actor, outcome.value[0] if outcome.value else None),
            user_errors=map_errors(SendTestWebhookError, outcome.errors))



