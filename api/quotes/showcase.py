"""The public showcase over GraphQL (`showcase:read`, safe in a browser). HTTP caching, ETags
and invalidation are in api/quotes/showcase_cache.py; what may be shown is decided in
models/quotes/showcase.py."""

from __future__ import annotations

import datetime as dt
from enum import Enum

import strawberry
from strawberry.types import Info

from api.graphql.permissions import needs
from api.graphql.relay import ArgumentError, decode_id, global_id
from api.quotes.quotes import Placement
from models.quotes.showcase import load_showcase


@strawberry.enum(description="The page of the web site a showcase is for. PRICING, SIGNUP and "
                             "LANDING are conversion pages: no links out to review sites there.")
class ShowcasePage(Enum):
    HOME = "home"
    PRODUCT = "product"
    FEATURE = "feature"
    PRICING = "pricing"
    SIGNUP = "signup"
    LANDING = "landing"


@strawberry.type
class ShowcasePlatform:
    key: str
    name: str
    average_rating: float = strawberry.field(description="The platform's own figure, out of 5.")
    review_count: int = strawberry.field(description="The platform's own count.")
    rating_scale: int
    profile_url: str | None = strawberry.field(description="Null on a conversion page.")
    as_of: dt.date = strawberry.field(description="When these figures were read from the platform.")


@strawberry.type
class ShowcaseAttribution:
    name: str
    title: str
    company: str
    photo_url: str | None = strawberry.field(description="Only when the reviewer allowed it.")


@strawberry.type
class ShowcaseQuote:
    quote_id: strawberry.ID = strawberry.field(description="The Quote's global id.")
    text: str = strawberry.field(description="The reviewer's words, verbatim (cuts marked with …).")
    attribution: ShowcaseAttribution
    rating: float | None = strawberry.field(description="Out of 5; null for praise told to you.")
    platform_key: str | None
    platform_name: str | None
    source_url: str | None = strawberry.field(description="The review itself, or its platform profile; "
                                                          "null on a conversion page.")
    disclosures: list[str] = strawberry.field(description="Show these with the quote.")
    image_url: str | None = strawberry.field(
        description="A PNG card of this quote (1200×630; add `?size=1200x628` or `?size=1080x1080` "
                    "for ads and square posts) — only for a quote live on a SOCIAL or AD placement.")


@strawberry.type
class Showcase:
    product_id: strawberry.ID
    product_slug: str
    product_name: str
    brand_color: str
    placement: Placement
    label: str = strawberry.field(description="Show this label with the quotes.")
    page: ShowcasePage
    outbound_links: bool = strawberry.field(
        description="False on a conversion page: profile and review URLs are left out, and the page "
                    "should show no badge or link that leads to a review site.")
    outbound_links_reason: str | None = strawberry.field(description="Why links are left out.")
    platforms: list[ShowcasePlatform]
    quotes: list[ShowcaseQuote]


def _showcase(data, base_url: str) -> Showcase:
    return Showcase(
        product_id=global_id("Product", data.product_id), product_slug=data.product_slug,
        product_name=data.product_name, brand_color=data.brand_color,
        placement=Placement(data.placement), label=data.label, page=ShowcasePage(data.page),
        outbound_links=data.outbound_links, outbound_links_reason=data.outbound_links_reason,
        platforms=[ShowcasePlatform(key=p.key, name=p.name, average_rating=p.average_rating,
                                    review_count=p.review_count, rating_scale=p.rating_scale,
                                    profile_url=p.profile_url, as_of=p.as_of) for p in data.platforms],
        quotes=[showcase_quote(q, base_url) for q in data.quotes])


def showcase_quote(q, base_url: str) -> ShowcaseQuote:
    return ShowcaseQuote(
        quote_id=global_id("Quote", q.id), text=q.text,
        attribution=ShowcaseAttribution(name=q.attribution_name, title=q.attribution_title,
                                        company=q.attribution_company, photo_url=q.photo_url),
        rating=q.rating, platform_key=q.platform_key, platform_name=q.platform_name,
        source_url=q.source_url, disclosures=q.disclosures,
        image_url=f"{base_url}/showcase/quotes/{q.id}/card.png" if q.card_public else None)


@strawberry.type(description="The EMAIL placement's quotes as a block for a newsletter or a drip "
                             "mail: a 600-px table with inline styles, and the same words as text.")
class ShowcaseEmail:
    html: str
    text: str
    quote_count: int


@strawberry.type
class ShowcaseQueries:
    @strawberry.field(permission_classes=[needs("showcase:read")],
                      description="The quotes consented for emails, ready to paste into one.")
    async def showcase_email(self, info: Info, product_id: strawberry.ID | None = None,
                             limit: int = 3) -> ShowcaseEmail | None:
        from models.quotes.email_block import email_block

        if not 1 <= limit <= 10:
            raise ArgumentError("`limit` is between 1 and 10.")
        data = await load_showcase(info.context.actor, decode_id(product_id, "productId", "Product"),
                                   "email", limit)
        if data is None:
            return None
        block = email_block(data)
        return ShowcaseEmail(html=block.html, text=block.text, quote_count=block.quotes)

    @strawberry.field(permission_classes=[needs("showcase:read")],
                      description="Published, consented quotes for one placement, and the platforms' "
                                  "own ratings, for the page that shows them (on PRICING, SIGNUP and "
                                  "LANDING pages, without links to review sites). `productId` "
                                  "defaults to the token's product.")
    async def showcase(self, info: Info, placement: Placement, page: ShowcasePage,
                       product_id: strawberry.ID | None = None, limit: int = 20) -> Showcase | None:
        import settings
        from api.graphql.context import bearer_token
        from api.quotes.showcase_cache import SCOPE_FLAG, showcase_only

        if showcase_only(info.operation):
            # Tells the HTTP cache this response may be stored, and for whom.
            request = info.context.request
            request.scope[SCOPE_FLAG] = {"secret": bearer_token(request),
                                         "expires_at": info.context.actor.expires_at}
        data = await load_showcase(info.context.actor, decode_id(product_id, "productId", "Product"),
                                   placement.value, limit, page.value)
        return None if data is None else _showcase(data, settings.SETTINGS.public_base_url)
