"""Erased addresses: the HMAC digest (keyed with PLAUDIT_SECRET_KEY) of every address erased on
request, so that a CRM sync cannot bring the person back. Used by erasure and by upserts."""

from __future__ import annotations

import hashlib
import hmac

from piccolo.columns import Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

import settings


class ErasedAddress(Table, tablename="erased_address"):
    digest = Varchar(length=64, primary_key=True)
    erased_at = Timestamptz(default=TimestamptzNow())


def address_digest(email: str) -> str:
    key = settings.SETTINGS.secret_key.encode()
    return hmac.new(key, (email or "").strip().lower().encode(), hashlib.sha256).hexdigest()


async def erased_digests(emails: list[str]) -> set[str]:
    """Which of these addresses were erased (as digests)."""
    digests = [address_digest(e) for e in emails if e]
    if not digests:
        return set()
    rows = await ErasedAddress.raw("SELECT digest FROM erased_address WHERE digest = ANY({}::varchar[])",
                              digests)
    return {r["digest"] for r in rows}
