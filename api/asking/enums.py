"""The asking domain's enums, shared by its GraphQL types (values are the stored strings)."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(description="How an ask reaches the customer.")
class Channel(Enum):
    EMAIL = "email"
    CALL = "call"
    SOCIAL_DM = "social_dm"
    IN_APP = "in_app"


@strawberry.enum(description="Where an ask stands; HELD waits for approval, DEFERRED for a platform.")
class AskStatus(Enum):
    HELD = "held"
    DEFERRED = "deferred"
    PLANNED = "planned"
    SENT = "sent"
    CLICKED = "clicked"
    REVIEWED = "reviewed"
    BOUNCED = "bounced"
    UNSUBSCRIBED = "unsubscribed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


@strawberry.enum(description="One mail of an ask (the first send or a follow-up).")
class TouchStatus(Enum):
    SCHEDULED = "scheduled"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"
