"""An event as the outside world sees it: global ids, enum names, no personal data.

The same fields as GraphQL's `Event` type (camelCase; enums as their UPPER_CASE names), in the
Standard Webhooks envelope `{"type", "timestamp", "data"}` for webhook bodies.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from models.core.global_ids import to_global_id

# Payload keys holding row ids -> (field name, the type their global id names).
REFERENCES = {"ask": ("askId", "Ask"), "touch": ("touchId", "AskTouch"),
              "customer": ("customerId", "Customer"), "campaign": ("campaignId", "Campaign"),
              "review": ("reviewId", "Review"), "task": ("taskId", "Task"),
              "quote": ("quoteId", "Quote"), "endpoint": ("webhookEndpointId", "WebhookEndpoint"),
              "shout_out": ("shoutOutId", "ShoutOut"), "member": ("teamMemberId", "TeamMember"),
              "case_study": ("caseStudyId", "CaseStudy")}
# Payload keys holding an enum value -> field name (served UPPER_CASE, like GraphQL's enums).
ENUMS = {"channel": "channel", "lane": "lane", "kind": "taskKind", "outcome": "outcome",
         "placement": "placement", "polarity": "polarity"}
# Payload keys served as they are.
PLAIN = {"sequence": "sequence", "platform": "platform", "reason": "reason"}


def payload_of(stored: Any) -> dict[str, Any]:
    return json.loads(stored) if isinstance(stored, str) else dict(stored or {})


def public_data(product_id: int | None, payload: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {"productId": to_global_id("Product", product_id) if product_id else None}
    for key, value in payload.items():
        if value is None:
            continue
        if key in REFERENCES:
            name, type_name = REFERENCES[key]
            data[name] = to_global_id(type_name, int(value))
        elif key in ENUMS:
            data[ENUMS[key]] = str(value).upper()
        elif key in PLAIN:
            data[PLAIN[key]] = value
    return data


def timestamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def envelope(event_id: int | None, type_: str, product_id: int | None, occurred_at: dt.datetime,
             payload: dict[str, Any]) -> dict[str, Any]:
    """The webhook body: Standard Webhooks' recommended shape, plus the event's global id."""
    data = public_data(product_id, payload)
    if event_id is not None:
        data = {"eventId": to_global_id("Event", event_id), **data}
    return {"type": type_, "timestamp": timestamp(occurred_at), "data": data}
