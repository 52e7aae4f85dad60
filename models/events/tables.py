"""The webhook tables: endpoints, one delivery per (endpoint, event), every attempt."""

from __future__ import annotations

from piccolo.columns import (
    Array,
    BigSerial,
    Boolean,
    ForeignKey,
    Integer,
    OnDelete,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from models.catalogue.products import Product
from models.events.events import DomainEvent


class WebhookEndpoint(Table, tablename="webhook_endpoint"):
    id = Serial(primary_key=True)
    product = ForeignKey(references=Product, on_delete=OnDelete.cascade, null=False)
    url = Varchar(length=500)
    description = Varchar(length=200, default="")
    event_types = Array(base_column=Varchar(length=40))
    secret = Varchar(length=80, secret=True, help_text="Standard Webhooks signing secret (whsec_…)")
    enabled = Boolean(default=True)
    disabled_reason = Varchar(length=300, default="")
    consecutive_failures = Integer(default=0)
    failing_since = Timestamptz(null=True, default=None)
    last_success_at = Timestamptz(null=True, default=None)
    created_by = Varchar(length=150, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())

    def __str__(self) -> str:
        return f"{self.url} ({'enabled' if self.enabled else 'disabled'})"


class WebhookDelivery(Table, tablename="webhook_delivery"):
    id = BigSerial(primary_key=True)
    endpoint = ForeignKey(references=WebhookEndpoint, on_delete=OnDelete.cascade, null=False)
    event = ForeignKey(references=DomainEvent, on_delete=OnDelete.cascade, null=True)
    message_id = Varchar(length=64, help_text="The webhook-id header: the same on every attempt")
    event_type = Varchar(length=40)
    body = Text()
    status = Varchar(length=12, default="pending",
                     choices=None, help_text="pending, delivering, delivered, failed, cancelled")
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(default=TimestamptzNow())
    last_attempt_at = Timestamptz(null=True, default=None)
    last_status_code = Integer(null=True, default=None)
    last_latency_ms = Integer(null=True, default=None)
    last_error = Varchar(length=500, default="")
    delivered_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class WebhookAttempt(Table, tablename="webhook_attempt"):
    id = BigSerial(primary_key=True)
    delivery = ForeignKey(references=WebhookDelivery, on_delete=OnDelete.cascade, null=False)
    attempted_at = Timestamptz(default=TimestamptzNow())
    status_code = Integer(null=True, default=None)
    latency_ms = Integer(default=0)
    error = Varchar(length=500, default="")


__all__ = ["WebhookAttempt", "WebhookDelivery", "WebhookEndpoint"]
