"""Integrations in the console: connect Stripe or Zendesk to a product (the signing secret is
stored, never shown again), disconnect, and read what each sent (read-only tables)."""

from __future__ import annotations

from typing import Literal

from piccolo_admin.endpoints import FormConfig, TableConfig
from piccolo_api.crud.endpoints import OrderBy
from pydantic import BaseModel, Field
from starlette.requests import Request

from admin.access.audit import read_only
from models.catalogue.products import Product
from models.core.actors import admin_actor
from models.integrations import intake
from models.integrations.tables import Integration, IntegrationEvent


class ConnectForm(BaseModel):
    product_slug: str = Field(description="The product these events belong to.")
    provider: Literal["stripe", "zendesk"]
    signing_secret: str = Field(description="The webhook signing secret the provider shows.")


class DisconnectForm(BaseModel):
    integration_id: int = Field(description="As listed under Integration.")


def _actor(request: Request):
    user = getattr(request.user, "user", None)
    return admin_actor(getattr(user, "username", "admin"))


async def connect_endpoint(request: Request, data: ConnectForm) -> str:
    product = await Product.select(Product.id).where(Product.slug == data.product_slug.strip()).first()
    if product is None:
        raise ValueError(f"No product with slug {data.product_slug!r}.")
    outcome = await intake.connect(_actor(request), product["id"], data.provider, data.signing_secret)
    if not outcome.ok:
        raise ValueError(" ".join(e.message for e in outcome.errors))
    return (f"{data.provider.title()} is connected (integration {outcome.value.id}): point its webhook "
            f"at /integrations/{data.provider}.")


async def disconnect_endpoint(request: Request, data: DisconnectForm) -> str:
    outcome = await intake.disconnect(_actor(request), data.integration_id)
    if not outcome.ok:
        raise ValueError(" ".join(e.message for e in outcome.errors))
    return f"Integration {data.integration_id} is disconnected; its requests are refused from now on."


def integration_table_configs() -> list[TableConfig]:
    return [
        TableConfig(Integration, menu_group="Integrations",
                    visible_columns=[Integration.id, Integration.product, Integration.provider,
                                     Integration.enabled, Integration.created_at, Integration.last_event_at],
                    visible_filters=[Integration.product, Integration.provider],
                    order_by=[OrderBy(Integration.id)],
                    validators=read_only("Use the 'Connect integration' form: the secret is checked.")),
        TableConfig(IntegrationEvent, menu_group="Integrations",
                    visible_columns=[IntegrationEvent.id, IntegrationEvent.integration,
                                     IntegrationEvent.event_type, IntegrationEvent.provider_event_id,
                                     IntegrationEvent.outcome, IntegrationEvent.detail,
                                     IntegrationEvent.signal, IntegrationEvent.received_at],
                    visible_filters=[IntegrationEvent.integration, IntegrationEvent.outcome,
                                     IntegrationEvent.event_type],
                    order_by=[OrderBy(IntegrationEvent.id, ascending=False)],
                    validators=read_only("What the providers sent is written by Plaudit.")),
    ]


def integration_forms() -> list[FormConfig]:
    return [
        FormConfig(name="Connect integration", pydantic_model=ConnectForm, endpoint=connect_endpoint,
                   form_group="Integrations",
                   description="Stripe or Zendesk webhooks become signals (docs/integrations.md)."),
        FormConfig(name="Disconnect integration", pydantic_model=DisconnectForm,
                   endpoint=disconnect_endpoint, form_group="Integrations"),
    ]
