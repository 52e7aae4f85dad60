"""Listings in the console: the listing report of a product (coverage and completeness) and a
form to record what a profile carries. Rules: models/catalogue/listings.py."""

from __future__ import annotations

import datetime as dt

from piccolo_admin.endpoints import FormConfig, TableConfig
from piccolo_api.crud.endpoints import OrderBy
from pydantic import BaseModel, Field
from starlette.requests import Request

from admin.access.audit import read_only
from models.catalogue import listings as domain
from models.catalogue.platforms import LISTING_ITEMS
from models.catalogue.products import Product
from models.core.actors import admin_actor

GROUP = "Catalogue"


class ReportForm(BaseModel):
    product_slug: str = Field(max_length=60, description="The product to report on.")


class CheckForm(BaseModel):
    profile_id: int = Field(gt=0, lt=2**31, description="As listed under Platform profile.")
    present: str = Field(max_length=200, description=f"Comma-separated, of: {', '.join(LISTING_ITEMS)}.")
    checked_on: dt.date | None = Field(default=None, description="Empty: today.")
    notes: str = Field(default="", max_length=2000)


def _actor(request: Request):
    user = getattr(request.user, "user", None)
    return admin_actor(getattr(user, "username", "admin"))


async def product_id(slug: str) -> int:
    row = await Product.select(Product.id).where(Product.slug == slug.strip()).first()
    if row is None:
        raise ValueError(f"No product with slug {slug!r}.")
    return row["id"]


def render_report(report: domain.ListingReport) -> str:
    lines = [f"Listed on {len(report.listed)} of {len(report.platforms)} platforms"
             + (f"; profiles {report.average_score:.0%} complete on average." if report.average_score
                is not None else "; no profile checked yet.")]
    for p in report.platforms:
        offer = ("free listing" if p.free_listing else "paid listing") + (
            f", pays for {', '.join(p.paid_placements)}" if p.paid_placements else "")
        if not p.listed:
            lines.append(f"• {p.name}: not listed ({offer}).")
        elif p.completeness is None:
            lines.append(f"• {p.name}: listed, never checked ({offer}).")
        else:
            c = p.completeness
            gaps = f"; missing {', '.join(c.gaps)}" if c.gaps else ""
            lines.append(f"• {p.name}: {c.score:.0%} complete on {c.checked_on}"
                         f"{' (stale)' if c.stale else ''}{gaps}.")
    if report.next_steps:
        lines.append("Next: " + " ".join(report.next_steps))
    return "\n".join(lines)


async def report_endpoint(request: Request, data: ReportForm) -> str:
    report = await domain.listing_report(_actor(request), await product_id(data.product_slug))
    return render_report(report)


async def check_endpoint(request: Request, data: CheckForm) -> str:
    present = [p.strip().lower() for p in data.present.split(",") if p.strip()]
    outcome = await domain.record_listing_check(_actor(request), data.profile_id, present,
                                                data.checked_on, data.notes)
    if not outcome.ok:
        raise ValueError(" ".join(e.message for e in outcome.errors))
    c = outcome.value
    return (f"Profile {data.profile_id}: {c.score:.0%} complete on {c.checked_on}"
            + (f"; missing {', '.join(c.gaps)}." if c.gaps else "; nothing missing."))


def listing_table_configs() -> list[TableConfig]:
    return [TableConfig(
        domain.ListingCheck, menu_group=GROUP,
        visible_columns=[domain.ListingCheck.id, domain.ListingCheck.profile, domain.ListingCheck.checked_on,
                         domain.ListingCheck.present, domain.ListingCheck.checked_by],
        visible_filters=[domain.ListingCheck.profile, domain.ListingCheck.checked_on],
        order_by=[OrderBy(domain.ListingCheck.id, ascending=False)],
        validators=read_only("Use the 'Record listing check' form: the items are checked against "
                             "the platform."))]


def listing_forms() -> list[FormConfig]:
    return [
        FormConfig(name="Listing report", pydantic_model=ReportForm, endpoint=report_endpoint,
                   form_group=GROUP, description="Where the product is listed, how complete each "
                                                 "profile is, and what to do next."),
        FormConfig(name="Record listing check", pydantic_model=CheckForm, endpoint=check_endpoint,
                   form_group=GROUP, description="What a profile carries, as checked today."),
    ]
