"""The public showcase: what a product's web site may show, per placement.

Only quotes that are published on the placement — approved (twice for a notable customer) and
granted by the reviewer for that placement — with their disclosures and a link to the source;
and per platform profile the platform's own average rating and review count, as last recorded
from the platform, with a link to the profile. Nothing personal beyond what the reviewer saw
and allowed: the attribution as shown on the consent page, and the photo only if allowed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from models.catalogue.products import Product
from models.core.actors import Actor
from models.core.urls import is_safe_url
from models.quotes.tables import PLACEMENTS

LABEL = "Selected testimonials, shared with the reviewers' permission."

# The page a showcase serves. The guide's NOTE: links to review sites on the landing page, the
# free-trial sign-up and the pricing page pull visitors away from converting — there the quotes
# may show, but nothing links out to a review site.
PAGES = ("home", "product", "feature", "pricing", "signup", "landing")
CONVERSION_PAGES = ("pricing", "signup", "landing")
NO_LINKS = ("A {page} page is where visitors convert: links to review sites would pull them away, "
            "so profile and review links are left out (quotes and ratings still show).")
INSIDER = "Written by someone close to {product} (an employee or a relative)."
PRAISE = "Shared with {product} directly, not on a review site."


@dataclass
class ShowcasePlatform:
    key: str
    name: str
    average_rating: float
    review_count: int
    rating_scale: int
    profile_url: str | None  # None on a conversion page
    as_of: object  # date of the platform's figures


@dataclass
class ShowcaseQuote:
    id: int
    text: str
    attribution_name: str
    attribution_title: str
    attribution_company: str
    photo_url: str | None
    rating: float | None
    platform_key: str | None
    platform_name: str | None
    source_url: str | None
    disclosures: list[str]
    position: int
    card_public: bool = False  # live on a social or ad placement: its card URL serves it


@dataclass
class Showcase:
    product_id: int
    product_slug: str
    product_name: str
    brand_color: str
    placement: str
    label: str
    page: str = "home"
    outbound_links: bool = True
    outbound_links_reason: str | None = None
    platforms: list[ShowcasePlatform] = field(default_factory=list)
    quotes: list[ShowcaseQuote] = field(default_factory=list)


def product_for(actor: Actor, product_id: int | None) -> int | None:
    """The product a showcase is for: the token's own, or the one asked (if the token allows)."""
    if product_id is None:
        return actor.product_id
    return product_id if actor.may_touch_product(product_id) else None


PLATFORMS_SQL = """
SELECT pl.key, pl.name, pl.rating_scale, pp.profile_url, s.average, s.review_count, s.taken_on
FROM platform_profile pp
JOIN review_platform pl ON pl.id = pp.platform
JOIN LATERAL (SELECT average, review_count, taken_on FROM rating_snapshot
              WHERE profile = pp.id ORDER BY taken_on DESC LIMIT 1) s ON true
WHERE pp.product = {} AND s.review_count > 0
ORDER BY s.review_count DESC, pl.name
"""

# What a placement may show: published quotes whose reviewer granted that placement.
QUOTES_BASE = """
SELECT q.id, q.text, q.attribution_name, q.attribution_title, q.attribution_company,
       CASE WHEN q.photo_permitted AND q.photo_url <> '' THEN q.photo_url END AS photo_url,
       q.source, q.incentive_disclosure, q.insider, q.position,
       r.rating, pl.key AS platform_key, pl.name AS platform_name,
       coalesce(nullif(r.url, ''), pp.profile_url) AS source_url,
       EXISTS (SELECT 1 FROM quote_consent s WHERE s.quote = q.id AND s.published
               AND s.state = 'granted' AND s.placement IN ('social', 'ad')) AS card_public
FROM quote_consent c
JOIN quote q ON q.id = c.quote
LEFT JOIN review r ON r.id = q.review
LEFT JOIN platform_profile pp ON pp.id = r.profile
LEFT JOIN review_platform pl ON pl.id = pp.platform
WHERE c.placement = {} AND c.published AND c.state = 'granted'
  AND q.product = {} AND q.status = 'published'
"""
QUOTES_SQL = QUOTES_BASE + "ORDER BY q.position, q.published_at, q.id\nLIMIT {}\n"
ONE_QUOTE_SQL = QUOTES_BASE + "  AND q.id = {}\n"


def disclosures(row: dict, product_name: str) -> list[str]:
    found = []
    if row["incentive_disclosure"]:
        found.append(row["incentive_disclosure"])
    if row["insider"]:
        found.append(INSIDER.format(product=product_name))
    if row["source"] == "praise":
        found.append(PRAISE.format(product=product_name))
    return found


def links_rule(page: str) -> tuple[bool, str | None]:
    """Whether a showcase on `page` may link out to review sites, and why not."""
    if page in CONVERSION_PAGES:
        return False, NO_LINKS.format(page=page)
    return True, None


async def load_showcase(actor: Actor, product_id: int | None, placement: str,
                        limit: int = 50, page: str = "home") -> Showcase | None:
    """The showcase, or None when the product is unknown or outside the token's product."""
    pid = product_for(actor, product_id)
    if pid is None or placement not in PLACEMENTS or page not in PAGES:
        return None
    outbound, reason = links_rule(page)
    product = await Product.select(Product.id, Product.slug, Product.name, Product.brand_color).where(
        Product.id == pid).first()
    if product is None:
        return None
    platforms = await Product.raw(PLATFORMS_SQL, pid)
    quotes = await Product.raw(QUOTES_SQL, placement, pid, max(1, min(limit, 100)))
    return Showcase(
        product_id=pid, product_slug=product["slug"], product_name=product["name"],
        brand_color=product["brand_color"], placement=placement, label=LABEL, page=page,
        outbound_links=outbound, outbound_links_reason=reason,
        platforms=[ShowcasePlatform(r["key"], r["name"], round(float(r["average"]), 2),
                                    r["review_count"], r["rating_scale"],
                                    (_safe(r["profile_url"]) or "") if outbound else None,
                                    r["taken_on"]) for r in platforms],
        quotes=[_quote(r, product["name"], outbound) for r in quotes])


def _quote(row: dict, product_name: str, outbound: bool = True) -> ShowcaseQuote:
    return ShowcaseQuote(
        id=row["id"], text=row["text"], attribution_name=row["attribution_name"],
        attribution_title=row["attribution_title"], attribution_company=row["attribution_company"],
        photo_url=_safe(row["photo_url"]), rating=row["rating"], platform_key=row["platform_key"],
        platform_name=row["platform_name"], source_url=_safe(row["source_url"]) if outbound else None,
        disclosures=disclosures(row, product_name), position=row["position"],
        card_public=row["card_public"])


async def showcase_quote(product_id: int, placement: str, quote_id: int) -> ShowcaseQuote | None:
    """One quote exactly as the showcase shows it on `placement` — None unless it is live there."""
    rows = await Product.raw(ONE_QUOTE_SQL, placement, product_id, quote_id)
    if not rows:
        return None
    product = await Product.select(Product.name).where(Product.id == product_id).first()
    return _quote(rows[0], product["name"] if product else "")


def _safe(url: str | None) -> str | None:
    """What goes out on public pages is an http(s) URL or nothing — whatever an older row holds."""
    return url if is_safe_url(url) else None
