"""Webhook endpoints in the console: the endpoints and their delivery log (read-only tables),
and forms to create one (the secret shown once), enable or disable it, send a test message and
resend a delivery. Every form calls the same domain function as GraphQL."""

from __future__ import annotations

from piccolo_admin.endpoints import FormConfig, TableConfig
from piccolo_api.crud.endpoints import OrderBy
from pydantic import BaseModel, Field
from starlette.requests import Request

from admin.access.audit import read_only
from jobs.events.webhooks import hand_over_now
from models.catalogue.products import Product
from models.core.actors import admin_actor
from models.events import deliveries, webhooks
from models.events.events import TYPES
from models.events.tables import WebhookAttempt, WebhookDelivery, WebhookEndpoint


class CreateWebhookForm(BaseModel):
    product_slug: str = Field(description="The product whose events are pushed.")
    url: str = Field(description="The receiver (https in production; a public address).")
    event_types: str = Field(description="Comma-separated: " + ", ".join(TYPES))
    description: str = Field(default="", description="Who receives it, e.g. 'CRM sync'.")


class EndpointForm(BaseModel):
    endpoint_id: int = Field(description="The endpoint's id, as listed under Webhook endpoint.")


class SwitchEndpointForm(EndpointForm):
    enabled: bool = Field(description="Enabled again, the failure run is cleared.")


class ResendForm(BaseModel):
    delivery_id: int = Field(description="The delivery's id, as listed under Webhook delivery.")


def _actor(request: Request):
    user = getattr(request.user, "user", None)
    return admin_actor(getattr(user, "username", "admin"))


def _refuse(outcome) -> None:
    if not outcome.ok:  # Piccolo Admin shows a ValueError's message in the form
        raise ValueError(" ".join(e.message for e in outcome.errors))


async def create_webhook_endpoint(request: Request, data: CreateWebhookForm) -> str:
    product = await Product.select(Product.id).where(Product.slug == data.product_slug.strip()).first()
    if product is None:
        raise ValueError(f"No product with slug {data.product_slug!r}.")
    types = [t.strip() for t in data.event_types.split(",") if t.strip()]
    outcome = await webhooks.create_endpoint(_actor(request), product["id"], data.url.strip(), types,
                                             data.description)
    _refuse(outcome)
    return (f"Endpoint {outcome.value.endpoint.id} created. Copy its signing secret now, it will not "
            f"be shown again: {outcome.value.secret}")


async def switch_webhook_endpoint(request: Request, data: SwitchEndpointForm) -> str:
    outcome = await webhooks.update_endpoint(_actor(request), data.endpoint_id, enabled=data.enabled)
    _refuse(outcome)
    return f"Endpoint {data.endpoint_id} is {'enabled' if data.enabled else 'disabled'}."


async def send_test_webhook(request: Request, data: EndpointForm) -> str:
    outcome = await deliveries.send_test(_actor(request), data.endpoint_id)
    _refuse(outcome)
    await hand_over_now(outcome.value)
    return f"Test message queued as delivery {outcome.value[0]}; see Webhook delivery for the outcome."


async def resend_webhook_delivery(request: Request, data: ResendForm) -> str:
    outcome = await deliveries.resend(_actor(request), data.delivery_id)
    _refuse(outcome)
    await hand_over_now(outcome.value)
    return f"Delivery {data.delivery_id} queued again (same webhook-id)."


def webhook_table_configs() -> list[TableConfig]:
    def config(table, columns, filters, message):
        return TableConfig(table, visible_columns=columns, visible_filters=filters,
                           menu_group="Webhooks", order_by=[OrderBy(table.id, ascending=False)],
                           validators=read_only(message))

    return [
        config(WebhookEndpoint,
               [WebhookEndpoint.id, WebhookEndpoint.product, WebhookEndpoint.url,
                WebhookEndpoint.event_types, WebhookEndpoint.enabled, WebhookEndpoint.disabled_reason,
                WebhookEndpoint.consecutive_failures, WebhookEndpoint.last_success_at],
               [WebhookEndpoint.product, WebhookEndpoint.enabled],
               "Use the Webhooks forms: secrets are shown once and URLs are checked."),
        config(WebhookDelivery,
               [WebhookDelivery.id, WebhookDelivery.endpoint, WebhookDelivery.event_type,
                WebhookDelivery.message_id, WebhookDelivery.status, WebhookDelivery.attempts,
                WebhookDelivery.last_status_code, WebhookDelivery.last_latency_ms,
                WebhookDelivery.last_error, WebhookDelivery.next_attempt_at, WebhookDelivery.delivered_at],
               [WebhookDelivery.endpoint, WebhookDelivery.status, WebhookDelivery.event_type],
               "Deliveries are written by Plaudit; use 'Resend webhook delivery'."),
        config(WebhookAttempt,
               [WebhookAttempt.id, WebhookAttempt.delivery, WebhookAttempt.attempted_at,
                WebhookAttempt.status_code, WebhookAttempt.latency_ms, WebhookAttempt.error],
               [WebhookAttempt.delivery, WebhookAttempt.status_code],
               "The attempt log is written by Plaudit."),
    ]


def webhook_forms() -> list[FormConfig]:
    return [
        FormConfig(name="Create webhook endpoint", pydantic_model=CreateWebhookForm,
                   endpoint=create_webhook_endpoint, form_group="Webhooks",
                   description="Push a product's events to a URL, signed per Standard Webhooks. "
                               "The secret is shown once, here."),
        FormConfig(name="Enable or disable webhook endpoint", pydantic_model=SwitchEndpointForm,
                   endpoint=switch_webhook_endpoint, form_group="Webhooks"),
        FormConfig(name="Send test webhook", pydantic_model=EndpointForm, endpoint=send_test_webhook,
                   form_group="Webhooks", description="A signed webhook.test message."),
        FormConfig(name="Resend webhook delivery", pydantic_model=ResendForm,
                   endpoint=resend_webhook_delivery, form_group="Webhooks",
                   description="Once more, now, with the same webhook-id."),
    ]
