"""Inbound webhooks: a partner signs each delivery with its token's signing secret.

Header `X-Plaudit-Token`: the token's public prefix. Header `X-Plaudit-Signature`:
`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`. A delivery older than
the tolerance is refused (replay); a replay inside it changes nothing, because
imports are idempotent on (platform, external id).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass

from models.access.tokens import ApiToken
from models.core.actors import Actor

TOLERANCE_SECONDS = 300


@dataclass
class Verdict:
    actor: Actor | None
    problem: str = ""


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


async def verify(prefix: str | None, signature: str | None, body: bytes, scope: str,
                 now: float | None = None) -> Verdict:
    now = now or time.time()
    if not prefix or not signature:
        return Verdict(None, "Send X-Plaudit-Token and X-Plaudit-Signature.")
    parts = dict(p.split("=", 1) for p in signature.split(",") if "=" in p)
    stamp = parts.get("t", "")
    if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 12) or "v1" not in parts \
            or not parts["v1"].isascii() or len(prefix) > 32:
        return Verdict(None, "Malformed signature header.")
    if abs(now - int(parts["t"])) > TOLERANCE_SECONDS:
        return Verdict(None, "Signature timestamp outside the 5-minute window (replay?).")
    rows = await ApiToken.select(ApiToken.id, ApiToken.name, ApiToken.scopes, ApiToken.product,
                                 ApiToken.signing_secret, ApiToken.revoked_at, ApiToken.expires_at).where(
        ApiToken.prefix == prefix)
    row = rows[0] if len(rows) == 1 else None
    expected = sign(row["signing_secret"], int(parts["t"]), body) if row and row["signing_secret"] else ""
    if not expected or not hmac.compare_digest(expected, f"t={parts['t']},v1={parts['v1']}"):
        return Verdict(None, "Bad signature.")
    if row["revoked_at"] is not None or (row["expires_at"] is not None
                                         and row["expires_at"].timestamp() <= now):
        return Verdict(None, "The token is revoked or expired.")
    actor = Actor(kind="token", name=f"token:{row['name']}", scopes=frozenset(row["scopes"]),
                  product_id=row["product"], token_id=row["id"])
    if not actor.has_scope(scope):
        return Verdict(None, f"The token lacks the {scope} scope.")
    return Verdict(actor)
