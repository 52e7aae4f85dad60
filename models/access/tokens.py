"""API tokens: shown once, stored hashed, scoped, optionally limited to one product."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from piccolo.columns import Array, ForeignKey, OnDelete, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from models.access.audit import record_audit
from models.catalogue.products import Product
from models.core.actors import SCOPES, Actor
from models.core.pagination import PageRequest
from models.core.results import Outcome

TOKEN_PREFIX = "pld_"  # noqa: S105 (a public marker, not a secret)
# 32 random bytes = 256 bits, base64url without padding: 43 characters.
SECRET_BYTES = 32
DISPLAY_PREFIX_LENGTH = 12
# Writing last_used_at on every request would turn each read into a write;
# a minute's precision is what an admin needs to spot unused tokens.
LAST_USED_PRECISION = dt.timedelta(seconds=60)


class ApiToken(Table, tablename="api_token"):
    name = Varchar(length=120)
    prefix = Varchar(length=16, help_text="First characters of the secret, to recognise it")
    secret_hash = Varchar(length=64, unique=True, secret=True)
    scopes = Array(base_column=Varchar())
    product = ForeignKey(references=Product, on_delete=OnDelete.cascade, null=True,
                         help_text="If set, the token only sees this product")
    created_by = Varchar(length=150, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)
    last_used_at = Timestamptz(null=True, default=None)
    signing_secret = Varchar(length=64, null=True, default=None, secret=True,
                             help_text="HMAC key for inbound webhooks signed by this token's owner")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


def hash_secret(secret: str) -> str:
    # The secret carries 256 random bits, so a fast hash is safe: there is
    # nothing to brute-force, and lookups stay cheap on every request.
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass
class IssuedToken:
    token: ApiToken
    secret: str
    signing_secret: str  # the HMAC key for webhooks this integration sends; shown once too


async def create_token(actor: Actor, name: str, scopes: list[str], product_id: int | None = None,
                       expires_at: dt.datetime | None = None) -> Outcome[IssuedToken]:
    if not actor.has_scope("admin"):
        return Outcome.fail("FORBIDDEN", "Only admins create tokens.")
    name = (name or "").strip()
    if not name:
        return Outcome.fail("NAME_REQUIRED", "Give the token a name that says who uses it.", "name")
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        return Outcome.fail("UNKNOWN_SCOPE", f"Unknown scopes: {', '.join(unknown)}. "
                            f"Known: {', '.join(SCOPES)}.", "scopes")
    if not scopes:
        return Outcome.fail("SCOPES_REQUIRED", "Give the token at least one scope.", "scopes")
    if expires_at is not None and expires_at <= dt.datetime.now(dt.UTC):
        return Outcome.fail("EXPIRY_IN_PAST", "The expiry date is in the past.", "expiresAt")
    # A token mints nothing beyond itself: its own product, no longer life. (Scopes: only the
    # admin scope creates tokens, and it holds every scope.)
    if actor.product_id is not None:
        if product_id is None:
            product_id = actor.product_id
        elif product_id != actor.product_id:
            return Outcome.fail("PRODUCT_FORBIDDEN", "This token may only create tokens limited to "
                                "its own product.", "productId")
    if actor.expires_at is not None and (expires_at is None or expires_at > actor.expires_at):
        return Outcome.fail("EXPIRY_BEYOND_OWN", "A token that expires may only create tokens "
                            f"that expire no later than it does ({actor.expires_at.isoformat()}).",
                            "expiresAt")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(SECRET_BYTES)
    async with ApiToken._meta.db.transaction():
        if product_id is not None and not await Product.exists().where(Product.id == product_id):
            return Outcome.fail("NOT_FOUND", "No such product.", "productId")
        token = ApiToken(
            name=name, prefix=secret[:DISPLAY_PREFIX_LENGTH], secret_hash=hash_secret(secret),
            scopes=sorted(set(scopes)), product=product_id, created_by=actor.name,
            expires_at=expires_at, signing_secret=secrets.token_hex(32),
        )
        await token.save()
        await record_audit(actor, "token.create", "api_token", token.id,
                           {"name": name, "scopes": token.scopes, "product": product_id})
    return Outcome(IssuedToken(token, secret, token.signing_secret))


async def revoke_token(actor: Actor, token_id: int) -> Outcome[ApiToken]:
    if not actor.has_scope("admin"):
        return Outcome.fail("FORBIDDEN", "Only admins revoke tokens.")
    async with ApiToken._meta.db.transaction():
        token = await ApiToken.objects().get(ApiToken.id == token_id)
        if token is None or (actor.product_id is not None and token.product != actor.product_id):
            # A product-limited actor sees only its product's tokens, not unlimited ones.
            return Outcome.fail("NOT_FOUND", "No such token.", "id")
        if token.revoked_at is None:
            token.revoked_at = dt.datetime.now(dt.UTC)
            await token.save([ApiToken.revoked_at])
            await record_audit(actor, "token.revoke", "api_token", token.id, {"name": token.name})
    return Outcome(token)


async def authenticate(secret: str | None) -> Actor | None:
    """The actor for a presented secret, or None if it is unknown, revoked or expired."""
    if not secret or not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    digest = hash_secret(secret)
    rows = await ApiToken.select(
        ApiToken.id, ApiToken.name, ApiToken.secret_hash, ApiToken.scopes, ApiToken.product,
        ApiToken.expires_at, ApiToken.revoked_at, ApiToken.last_used_at,
    ).where(ApiToken.secret_hash == digest)
    if not rows or not hmac.compare_digest(rows[0]["secret_hash"], digest):
        return None
    row = rows[0]
    now = dt.datetime.now(dt.UTC)
    if row["revoked_at"] is not None or (row["expires_at"] is not None and row["expires_at"] <= now):
        return None
    if row["last_used_at"] is None or now - row["last_used_at"] > LAST_USED_PRECISION:
        await ApiToken.update({ApiToken.last_used_at: now}).where(ApiToken.id == row["id"])
    return Actor(kind="token", name=f"token:{row['name']}", scopes=frozenset(row["scopes"]),
                 product_id=row["product"], token_id=row["id"], expires_at=row["expires_at"])


async def list_tokens(actor: Actor, page: PageRequest):
    from models.core.pagination import keyset_page

    columns = [c for c in ApiToken.all_columns() if c._meta.name not in ("secret_hash", "signing_secret")]
    query = ApiToken.select(*columns)
    if actor.product_id is not None:
        query = query.where(ApiToken.product == actor.product_id)
    return await keyset_page(query, ApiToken.id, page)
