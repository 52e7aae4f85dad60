"""Reviews in the admin: the review inbox (read-only: reviews are imported, never typed), the
improvement records of 1–2★ reviews (only their status is edited here), and the CSV import form.
Every rule lives in the domain; this module parses the input, calls the domain and words its
answer for the console."""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from piccolo_admin.endpoints import FormConfig, TableConfig
from piccolo_api.crud.endpoints import OrderBy
from piccolo_api.crud.hooks import Hook, HookType
from piccolo_api.crud.validators import Validators
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException
from starlette.requests import Request

from admin.access.audit import audit_hooks, column_name, read_only
from models.catalogue.products import Product
from models.core.actors import admin_actor
from models.reviews.file_formats import GENERIC, MAPPINGS
from models.reviews.intake import import_file
from models.reviews.reviews import Improvement, Review

GROUP = "Reviews"
IMPORT_FORM = "'Import reviews (CSV)' form"
PROBLEMS_SHOWN = 20
# An improvement's facts come from its review; only its status is the product team's to set.
IMPROVEMENT_FACTS = ("review", "product", "themes", "summary")
BASE64 = re.compile(r"[A-Za-z0-9+/_-]+=*")
DELIMITERS = ",;\t"


def _actor(request: Request):
    user = getattr(request.user, "user", None)
    return admin_actor(getattr(user, "username", "admin"))


def _refuse(detail: str, status_code: int = 400):
    raise HTTPException(status_code=status_code, detail=detail)


def _refuse_writes(reason: str):
    async def refuse(piccolo_crud, request: Request):
        raise HTTPException(status_code=405, detail=reason)

    return refuse


# --- improvements: the status only ------------------------------------------------------------


def _loaded(value: Any) -> Any:
    # The console sends JSON columns back as text.
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


async def _guard_improvement(row_id: Any, values: dict, request: Request) -> dict:
    current = await Improvement.objects().get(Improvement.id == int(row_id)).output(
        load_json=True)
    if current is None:
        _refuse("No such improvement.", 404)
    given = {column_name(k): v for k, v in values.items()}
    changed = [name for name in IMPROVEMENT_FACTS if name in given
               and _loaded(given[name]) != _loaded(getattr(current, name))]
    if changed:
        _refuse(f"Only an improvement's status can be edited: {', '.join(changed)} come from "
                "its review.")
    if "status" not in given:
        _refuse("Nothing to change: only an improvement's status can be edited.")
    kept = {Improvement.status: given["status"]}
    # Written and audited here, in one transaction: a status the database refuses (open,
    # planned, done or wontfix) leaves neither a change nor an audit row behind.
    audit = {hook.hook_type: hook for hook in audit_hooks(Improvement)}[HookType.pre_patch]
    async with Improvement._meta.db.transaction():
        await Improvement.update(kept).where(Improvement.id == current.id)
        await audit.callable(current.id, kept, request)
    return kept


# --- tables ------------------------------------------------------------------------------------


def review_table_configs() -> list[TableConfig]:
    inbox = [Review.id, Review.profile, Review.rating, Review.lane, Review.title,
             Review.reviewer_name, Review.reviewed_on, Review.customer, Review.match_confidence]
    no_row_writes = _refuse_writes("Improvements are recorded by the review import, one per "
                                   "1–2★ review: only their status can be edited.")
    return [
        # Piccolo Admin lists a table's own columns only (no joins): the platform shows as the
        # review's platform profile.
        TableConfig(Review, visible_columns=inbox,
                    visible_filters=[Review.profile, Review.lane, Review.rating,
                                     Review.reviewed_on, Review.incentivized],
                    menu_group=GROUP,
                    order_by=[OrderBy(Review.reviewed_on, ascending=False),
                              OrderBy(Review.id, ascending=False)],
                    hooks=[],
                    validators=read_only(f"Reviews are imported, never typed or edited: use the "
                                         f"{IMPORT_FORM}, the GraphQL API or the webhook.")),
        TableConfig(Improvement,
                    visible_columns=[Improvement.id, Improvement.review, Improvement.product,
                                     Improvement.status, Improvement.themes,
                                     Improvement.summary],
                    visible_filters=[Improvement.product, Improvement.status,
                                     Improvement.created_at],
                    menu_group=GROUP, order_by=[OrderBy(Improvement.id, ascending=False)],
                    hooks=[Hook(HookType.pre_patch, _guard_improvement)],
                    # PUT would skip the hook; rows come and go with their review.
                    validators=Validators(post_single=[no_row_writes],
                                          put_single=[no_row_writes],
                                          delete_single=[no_row_writes],
                                          delete_all=[no_row_writes])),
    ]


# --- the CSV import form ---------------------------------------------------------------------

FORMATS = ", ".join(k for k in MAPPINGS if k != GENERIC)


class ImportReviewsForm(BaseModel):
    product_slug: str = Field(description="The product the reviews are about, e.g. 'ledger'.")
    csv_file: str = Field(description="The CSV export, base64-encoded (`base64 -w0 export.csv`; "
                          "PowerShell: [Convert]::ToBase64String([IO.File]::ReadAllBytes("
                          "'export.csv'))). The console's text fields drop line breaks, so pasted "
                          "CSV text only works when posted to the form's API.")
    file_format: str = Field(default="", description=f"{FORMATS} or {GENERIC} (Plaudit's own "
                             "columns); empty = detected from the header.")
    default_platform: str = Field(default="", description=f"For the {GENERIC} format: the "
                                  "platform of rows that name none; empty = none.")
    skip_invalid: bool = Field(default=False, description="Import the valid rows and list the "
                               "others; otherwise one bad row imports nothing.")


def file_bytes(content: str) -> bytes:
    """The file as sent: base64 (what the console can carry), a base64 data: URL, or the CSV
    text itself (a CSV always has a delimiter, which base64 never contains)."""
    text = content.strip()
    if text.startswith("data:") and ";base64," in text[:200]:
        text = text.split(",", 1)[1]
    squeezed = "".join(text.split())
    if squeezed and not set(text) & set(DELIMITERS) and BASE64.fullmatch(squeezed):
        urlsafe = "-" in squeezed or "_" in squeezed
        try:
            return base64.b64decode(squeezed + "=" * (-len(squeezed) % 4),
                                    altchars=b"-_" if urlsafe else None, validate=True)
        except (binascii.Error, ValueError):
            pass
    return content.encode("utf-8")


def _problem_list(problems: list[str]) -> list[str]:
    shown = [f"  {p}" for p in problems[:PROBLEMS_SHOWN]]
    if len(problems) > PROBLEMS_SHOWN:
        shown.append(f"  … and {len(problems) - PROBLEMS_SHOWN} more.")
    return shown


async def import_reviews_endpoint(request: Request, data: ImportReviewsForm) -> str:
    slug = data.product_slug.strip()
    product = await Product.select(Product.id).where(Product.slug == slug).first()
    if product is None:
        raise ValueError(f"No product with slug {slug!r}.")
    file_format = data.file_format.strip().lower() or None
    if file_format is not None and file_format not in MAPPINGS:
        raise ValueError(f"Unknown format {data.file_format!r}: {FORMATS} or {GENERIC}.")
    content = file_bytes(data.csv_file)
    if not content.strip():
        raise ValueError("The file is empty.")
    report = await import_file(_actor(request), product["id"], content, file_format,
                               skip_invalid=data.skip_invalid,
                               default_platform=data.default_platform.strip().lower() or None)
    if not report.imported:
        hint = "" if data.skip_invalid else " (tick skip_invalid to import the valid rows)"
        raise ValueError("\n".join([f"Nothing imported: {len(report.problems)} problem(s){hint}.",
                                    *_problem_list(report.problems)]))
    summary = (f"{report.created} new, {report.duplicates} already known "
               f"({report.platform_key} format).")
    if report.problems:
        summary = "\n".join([f"{summary} {len(report.problems)} problem(s), those rows skipped:",
                             *_problem_list(report.problems)])
    return summary


def review_forms() -> list[FormConfig]:
    return [
        FormConfig(name="Import reviews (CSV)", pydantic_model=ImportReviewsForm,
                   endpoint=import_reviews_endpoint, form_group=GROUP,
                   description=f"A review site's CSV export ({FORMATS}), or Plaudit's own "
                               f"'{GENERIC}' columns. All or nothing unless skip_invalid; "
                               "problems name the file's line numbers. Reviews already "
                               "imported are recognised and left alone; new ones are matched to "
                               "customers, sorted into lanes and followed by their tasks."),
    ]
