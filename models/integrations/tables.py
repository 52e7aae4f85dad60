"""Integrations (a provider connected to a product, with its signing secret) and the log of the
events each one sent (which also makes a provider's retry a no-op)."""

from __future__ import annotations

from piccolo.columns import BigSerial, Boolean, ForeignKey, OnDelete, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from models.catalogue.products import Product
from models.people.signals import Signal

PROVIDERS = ("stripe", "zendesk")


class Integration(Table, tablename="integration"):
    id = Serial(primary_key=True)
    product = ForeignKey(references=Product, on_delete=OnDelete.cascade, null=False)
    provider = Varchar(length=20, help_text="stripe or zendesk")
    signing_secret = Varchar(length=200, secret=True,
                             help_text="The provider's webhook signing secret for this endpoint")
    enabled = Boolean(default=True)
    created_by = Varchar(length=150, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    last_event_at = Timestamptz(null=True, default=None)

    def __str__(self) -> str:
        return f"{self.provider} ({self.id})"


class IntegrationEvent(Table, tablename="integration_event"):
    id = BigSerial(primary_key=True)
    integration = ForeignKey(references=Integration, on_delete=OnDelete.cascade, null=False)
    provider_event_id = Varchar(length=120)
    event_type = Varchar(length=120)
    outcome = Varchar(length=20, help_text="signal, ignored or unmatched")
    detail = Varchar(length=300, default="")
    signal = ForeignKey(references=Signal, on_delete=OnDelete.set_null, null=True)
    received_at = Timestamptz(default=TimestamptzNow())
