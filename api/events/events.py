"""The event feed over GraphQL: `events(filter, first, after)`, ordered and resumable.

A client keeps the last cursor it processed and asks again with `after`; it sees every event
once, in order (models/events/events.py holds back events whose transaction could still
commit below the cursor). Each event type is read with its family's scope.
"""

from __future__ import annotations

import datetime as dt
import json
from enum import Enum

import strawberry
from strawberry.types import Info

from api.asking.enums import Channel
from api.asking.tasks import TaskKind, TaskOutcome
from api.graphql.nodes import Node, node_kind
from api.graphql.nodes import page_rows as _rows
from api.graphql.permissions import Authenticated
from api.graphql.relay import Connection, decode_id, global_id, paginate
from api.quotes.quotes import Placement
from api.reviews.reviews import ReviewLane
from api.team.shout_outs import Polarity
from models.core.pagination import PageRequest
from models.events import events as domain

EventTypeEnum = strawberry.enum(Enum("EventType", {t.upper().replace(".", "_"): t for t in domain.TYPES}),
                            description="What happened; the family before the dot sets the scope "
                                        "that reads it (ask.* needs asks:read, …).")

# Payload keys holding row ids -> the Node type their global id names.
REFERENCES = {"ask": "Ask", "touch": "AskTouch", "customer": "Customer", "campaign": "Campaign",
              "review": "Review", "task": "Task", "quote": "Quote"}


def _payload(row) -> dict:
    stored = row.payload
    return json.loads(stored) if isinstance(stored, str) else stored or {}


def _ref(row, key: str) -> strawberry.ID | None:
    # Resolvers get the domain row, not an instance: helpers are functions, not methods.
    return global_id(REFERENCES[key], _payload(row).get(key))


def _enum(enum, value):
    return enum(value) if value in enum._value2member_map_ else None


@node_kind(None, lambda actor, ids: _rows(
    domain.list_events(actor, domain.EventFilter(), PageRequest.only(ids))))
@strawberry.type(name="Event", description="Something that happened, with the ids a consumer needs "
                                           "(docs/events.md has an example of each type).")
class EventNode(Node):
    occurred_at: dt.datetime

    @strawberry.field
    def type(self) -> EventTypeEnum:  # type: ignore[valid-type]
        return EventTypeEnum(self.type)  # type: ignore[attr-defined]

    @strawberry.field
    def product_id(self) -> strawberry.ID | None:
        return global_id("Product", self.product)  # type: ignore[attr-defined,return-value]

    @strawberry.field
    def ask_id(self) -> strawberry.ID | None:
        return _ref(self, "ask")

    @strawberry.field
    def touch_id(self) -> strawberry.ID | None:
        return _ref(self, "touch")

    @strawberry.field
    def customer_id(self) -> strawberry.ID | None:
        return _ref(self, "customer")

    @strawberry.field
    def campaign_id(self) -> strawberry.ID | None:
        return _ref(self, "campaign")

    @strawberry.field
    def review_id(self) -> strawberry.ID | None:
        return _ref(self, "review")

    @strawberry.field
    def task_id(self) -> strawberry.ID | None:
        return _ref(self, "task")

    @strawberry.field
    def quote_id(self) -> strawberry.ID | None:
        return _ref(self, "quote")

    @strawberry.field(description="webhook.disabled: the endpoint.")
    def webhook_endpoint_id(self) -> strawberry.ID | None:
        return global_id("WebhookEndpoint", _payload(self).get("endpoint"))

    @strawberry.field(description="case_study.*: the case study.")
    def case_study_id(self) -> strawberry.ID | None:
        return global_id("CaseStudy", _payload(self).get("case_study"))

    @strawberry.field(description="shout_out.recorded: the shout-out.")
    def shout_out_id(self) -> strawberry.ID | None:
        return global_id("ShoutOut", _payload(self).get("shout_out"))

    @strawberry.field(description="shout_out.recorded: the team member named.")
    def team_member_id(self) -> strawberry.ID | None:
        return global_id("TeamMember", _payload(self).get("member"))

    @strawberry.field(description="shout_out.recorded: how they were spoken of.")
    def polarity(self) -> Polarity | None:
        return _enum(Polarity, _payload(self).get("polarity"))

    @strawberry.field(description="consent.*: the placement decided.")
    def placement(self) -> Placement | None:
        return _enum(Placement, _payload(self).get("placement"))

    @strawberry.field(description="quote.withdrawn: the quote's status now (approved, retired, "
                                  "rejected); webhook.disabled: why.")
    def reason(self) -> str | None:
        return _payload(self).get("reason")

    @strawberry.field(description="ask.*: the ask's channel.")
    def channel(self) -> Channel | None:
        return _enum(Channel, _payload(self).get("channel"))

    @strawberry.field(description="ask.sent: 0 for the first send, then each follow-up.")
    def sequence(self) -> int | None:
        return _payload(self).get("sequence")

    @strawberry.field(description="review.received: the lane the rating put it in.")
    def lane(self) -> ReviewLane | None:
        return _enum(ReviewLane, _payload(self).get("lane"))

    @strawberry.field(description="review.received: the platform key.")
    def platform(self) -> str | None:
        return _payload(self).get("platform")

    @strawberry.field(description="task.*: the task's kind.")
    def task_kind(self) -> TaskKind | None:
        return _enum(TaskKind, _payload(self).get("kind"))

    @strawberry.field(description="task.completed: how it went.")
    def outcome(self) -> TaskOutcome | None:
        return _enum(TaskOutcome, _payload(self).get("outcome"))


@strawberry.input
class EventFilter:
    types: list[EventTypeEnum] | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="Any of these; all the token may read by default.")
    product_id: strawberry.ID | None = None
    since: dt.datetime | None = strawberry.field(default=None, description="Occurred at or after.")


@strawberry.type
class EventQueries:
    @strawberry.field(permission_classes=[Authenticated],
                      description="The event log, oldest first; resume with `after` (the last "
                                  "cursor processed). Only the types the token's scopes read.")
    async def events(self, info: Info, first: int | None = None, after: str | None = None,
                     last: int | None = None, before: str | None = None,
                     filter: EventFilter | None = None) -> Connection[EventNode]:
        flt = filter or EventFilter()
        domain_filter = domain.EventFilter(
            types=tuple(t.value for t in flt.types) if flt.types else None,
            product_id=decode_id(flt.product_id, "filter.productId", "Product"), since=flt.since)
        actor = info.context.actor
        page = await paginate(lambda page: domain.list_events(actor, domain_filter, page),
                              first, after, last, before)
        return Connection.from_page(page)
