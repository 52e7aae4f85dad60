"""Admin forms for API tokens: create (secret shown once) and revoke."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field
from starlette.requests import Request

from models.access.tokens import ApiToken, create_token, revoke_token
from models.catalogue.products import Product
from models.core.actors import SCOPES, admin_actor


class CreateTokenForm(BaseModel):
    name: str = Field(description="Who uses it, e.g. 'Billing sync (Stripe)'.")
    scopes: str = Field(description="Comma-separated: " + ", ".join(SCOPES))
    product_slug: str = Field(default="", description="Limit to one product (slug); empty = all.")
    expires_in_days: int = Field(default=0, ge=0, description="0 = never expires.")


class RevokeTokenForm(BaseModel):
    prefix: str = Field(description="The token's prefix as listed, e.g. pld_AbCdEfGh.")


def _username(request: Request) -> str:
    user = getattr(request.user, "user", None)
    return getattr(user, "username", "admin")


async def create_token_endpoint(request: Request, data: CreateTokenForm) -> str:
    product_id = None
    if data.product_slug.strip():
        product = await Product.select(Product.id).where(
            Product.slug == data.product_slug.strip()).first()
        if product is None:
            raise ValueError(f"No product with slug {data.product_slug!r}.")
        product_id = product["id"]
    expires = (dt.datetime.now(dt.UTC) + dt.timedelta(days=data.expires_in_days)
               if data.expires_in_days else None)
    scopes = [s.strip() for s in data.scopes.split(",") if s.strip()]
    outcome = await create_token(admin_actor(_username(request)), data.name, scopes, product_id,
                                 expires)
    if not outcome.ok:
        # Piccolo Admin shows a ValueError's message in the form.
        raise ValueError(" ".join(e.message for e in outcome.errors))
    return (f"Token created. Copy this secret now, it will not be shown again: "
            f"{outcome.value.secret} — webhook signing secret: {outcome.value.signing_secret}")


async def revoke_token_endpoint(request: Request, data: RevokeTokenForm) -> str:
    token = await ApiToken.select(ApiToken.id).where(ApiToken.prefix == data.prefix.strip()).first()
    if token is None:
        raise ValueError(f"No token with prefix {data.prefix!r}.")
    outcome = await revoke_token(admin_actor(_username(request)), token["id"])
    if not outcome.ok:
        raise ValueError(" ".join(e.message for e in outcome.errors))
    return f"Token {data.prefix} is revoked; requests using it are refused from now on."
