"""Audit trail of admin, token and system actions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from piccolo.columns import JSONB, BigSerial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

if TYPE_CHECKING:
    from models.core.actors import Actor


class AuditEvent(Table, tablename="audit_event"):
    id = BigSerial(primary_key=True)
    at = Timestamptz(default=TimestamptzNow())
    actor_kind = Varchar(length=10, choices=None)
    actor = Varchar(length=150)
    action = Varchar(length=80)
    target_table = Varchar(length=40, default="")
    target_id = Varchar(length=40, default="")
    detail = JSONB(default={})


def _json_safe(detail: dict[str, Any]) -> dict[str, Any]:
    return {k: (v if isinstance(v, (str, int, float, bool, type(None), list, dict)) else str(v))
            for k, v in detail.items()}


async def record_audit(
    actor: Actor, action: str, target_table: str = "", target_id: Any = "",
    detail: dict[str, Any] | None = None,
) -> None:
    """Write one audit row. Call inside the transaction of the change it describes."""
    kind = actor.kind if actor.kind in ("admin", "token", "system") else "system"
    await AuditEvent.insert(
        AuditEvent(
            actor_kind=kind,
            actor=actor.name[:150],
            action=action,
            target_table=target_table,
            target_id=str(target_id),
            detail=_json_safe(detail or {}),
        )
    )
