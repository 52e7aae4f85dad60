"""The asking flow in the admin: campaign, ask and audit tables, and the forms that drive it
(preview, lifecycle, approval of held asks, funnel). Every rule lives in the domain; this
module parses the input, calls the domain and words its answer for the console."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from piccolo_admin.endpoints import FormConfig, TableConfig
from piccolo_api.crud.endpoints import OrderBy
from piccolo_api.crud.hooks import Hook, HookType
from piccolo_api.crud.validators import Validators
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException
from starlette.requests import Request

from admin.access.audit import audit_hooks, column_name, read_only
from jobs.outbox import hand_over_now
from models.asking.campaign_rules import check_config
from models.asking.campaigns import (
    CONFIG_FIELDS,
    EDITABLE_IN,
    JSON_FIELDS,
    TRANSITIONS,
    get_campaign,
    lint_campaign,
    transition,
)
from models.asking.funnel import GROUPINGS, funnel
from models.asking.previews import preview_campaign
from models.asking.selection import approve_held_ask
from models.asking.tables import Ask, AskClick, AskTouch, Campaign, SelectionRun
from models.core.actors import admin_actor

GROUP = "Asking"
LIFECYCLE_FORM = "'Campaign lifecycle' form"
# Plaudit's own bookkeeping on a campaign: set by the lifecycle and by selection runs, never
# by the generic edit form (which sends the whole row back, timestamps at a coarser resolution).
BOOKKEEPING = ("created_at", "updated_at", "activated_at", "finished_at", "signal_watermark",
               "sampling_counter", "one_off_done")


def _username(request: Request) -> str:
    user = getattr(request.user, "user", None)
    return getattr(user, "username", "admin")


def _actor(request: Request):
    return admin_actor(_username(request))


def _messages(errors) -> str:
    return "; ".join(e.message for e in errors)


def _choices(*values: str) -> dict:
    """Piccolo Admin's choices format, so the console shows a drop-down."""
    return {"extra": {"choices": {v: {"display_name": v, "value": v} for v in values}}}


# --- generic create / edit of a campaign --------------------------------------------------


def _refuse(detail: str):
    raise HTTPException(status_code=400, detail=detail)


def _json(name: str, value: Any) -> Any:
    if name in JSON_FIELDS and isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            _refuse(f"{name} is not valid JSON.")
    return value


def _check(config: dict) -> None:
    errors = check_config(config)
    if errors:
        _refuse("; ".join(f"{e.code}: {e.message}" for e in errors))


async def _guard_create(row: Campaign, request: Request) -> Campaign:
    if (row.status or "draft") != "draft":
        _refuse(f"A new campaign starts as a draft; activate it with the {LIFECYCLE_FORM}.")
    _check({f: _json(f, getattr(row, f)) for f in CONFIG_FIELDS})
    now = dt.datetime.now(dt.UTC)
    row.status, row.created_at, row.updated_at = "draft", now, now
    row.activated_at = row.finished_at = None
    row.signal_watermark, row.sampling_counter, row.one_off_done = 0, 0, False
    return row


async def _guard_patch(row_id: Any, values: dict, request: Request) -> dict:
    current = await get_campaign(_actor(request), int(row_id))
    if current is None:
        raise HTTPException(status_code=404, detail="No such campaign.")
    given = {column_name(k): v for k, v in values.items()}
    if "status" in given and given["status"] != current.status:
        _refuse(f"The status changes only through the {LIFECYCLE_FORM} "
                "(activate, pause, resume, finish).")
    if current.status not in EDITABLE_IN:
        _refuse(f"A {current.status} campaign cannot be edited"
                + (f": pause it first with the {LIFECYCLE_FORM}." if current.status == "active"
                   else "."))
    if "product" in given and given["product"] != current.product:
        _refuse("A campaign's product cannot be changed: create a new campaign.")
    _check({f: getattr(current, f) for f in CONFIG_FIELDS}
           | {f: _json(f, v) for f, v in given.items() if f in CONFIG_FIELDS})
    kept = {k: v for k, v in values.items() if column_name(k) not in BOOKKEEPING + ("status",)}
    kept[Campaign.updated_at] = dt.datetime.now(dt.UTC)
    return kept


def campaign_hooks() -> list[Hook]:
    # piccolo_api keeps only the last run of consecutive hooks of one type (itertools.groupby),
    # so the guards go right before the audit hook of the same type: refused writes are not
    # audited, and the audit records what is written.
    audit = {hook.hook_type: hook for hook in audit_hooks(Campaign)}
    return [Hook(HookType.pre_save, _guard_create), audit[HookType.pre_save],
            Hook(HookType.pre_patch, _guard_patch), audit[HookType.pre_patch],
            audit[HookType.pre_delete]]


async def _refuse_put(piccolo_crud, request: Request):
    # PUT skips piccolo_api's hooks, so it would skip the rules above.
    raise HTTPException(status_code=405, detail="Edit a campaign with the edit form (PATCH).")


# --- tables ---------------------------------------------------------------------------------


def _table(table, columns: list, filters: list | None = None, *, newest_first: bool = False,
           **kwargs) -> TableConfig:
    kwargs.setdefault("hooks", audit_hooks(table))
    return TableConfig(table, visible_columns=columns, visible_filters=filters or columns[1:],
                       menu_group=GROUP, order_by=[OrderBy(table.id, ascending=not newest_first)],
                       **kwargs)


def asking_table_configs() -> list[TableConfig]:
    return [
        _table(Campaign, [Campaign.id, Campaign.name, Campaign.product, Campaign.status,
                          Campaign.channel, Campaign.trigger_signal, Campaign.activated_at],
               [Campaign.product, Campaign.name, Campaign.status, Campaign.channel,
                Campaign.trigger_kind, Campaign.trigger_signal],
               hooks=campaign_hooks(), validators=Validators(put_single=[_refuse_put])),
        _table(SelectionRun, [SelectionRun.id, SelectionRun.campaign, SelectionRun.started_at,
                              SelectionRun.trigger, SelectionRun.candidates, SelectionRun.eligible,
                              SelectionRun.selected, SelectionRun.planned, SelectionRun.skipped],
               [SelectionRun.campaign, SelectionRun.trigger, SelectionRun.started_at],
               newest_first=True, hooks=[],
               validators=read_only("Selection runs are the audit of who was chosen and why: "
                                    "Plaudit writes them, nobody edits them.")),
        _table(Ask, [Ask.id, Ask.campaign, Ask.customer, Ask.profile, Ask.status, Ask.channel,
                     Ask.planned_at, Ask.routing_reason],
               [Ask.campaign, Ask.customer, Ask.status, Ask.channel, Ask.selection_run,
                Ask.planned_at], newest_first=True, hooks=[],
               validators=read_only("Asks are planned by selection runs; approve a held ask "
                                    "with the 'Approve held ask' form.")),
        _table(AskTouch, [AskTouch.id, AskTouch.ask, AskTouch.seq, AskTouch.status,
                          AskTouch.scheduled_at, AskTouch.sent_at, AskTouch.failure_reason],
               [AskTouch.ask, AskTouch.status, AskTouch.scheduled_at, AskTouch.sent_at],
               newest_first=True, hooks=[],
               validators=read_only("Touches are scheduled and sent by Plaudit.")),
        _table(AskClick, [AskClick.id, AskClick.touch, AskClick.at, AskClick.method,
                          AskClick.human, AskClick.reason, AskClick.user_agent],
               [AskClick.touch, AskClick.at, AskClick.human, AskClick.reason],
               newest_first=True, hooks=[],
               validators=read_only("Clicks are recorded by the tracked links.")),
    ]


# --- forms ----------------------------------------------------------------------------------


class PreviewForm(BaseModel):
    campaign_id: int = Field(description="The campaign's id, as listed under Asking → Campaign.")
    customer_id: int | None = Field(default=None, description="Preview for this customer; "
                                    "empty = a sample customer.")
    locale: str = Field(default="", description="en or fr; empty = the customer's locale.")


class LifecycleForm(BaseModel):
    campaign_id: int = Field(description="The campaign's id.")
    action: str = Field(description="activate, pause, resume or finish.",
                        json_schema_extra=_choices(*TRANSITIONS))


class ApproveHeldForm(BaseModel):
    ask_id: int = Field(description="The held ask's id (see its approval task, or Asking → Ask "
                        "filtered by status 'held').")


class FunnelForm(BaseModel):
    group_by: str = Field(default="campaign", description="campaign, channel, platform or "
                          "trigger.", json_schema_extra=_choices(*GROUPINGS))
    campaign_id: int | None = Field(default=None, description="Only this campaign; empty = all.")


def _finding_lines(findings: dict[str, list]) -> list[str]:
    lines = []
    for locale, found in findings.items():
        label = "campaign" if locale == "*" else locale
        if not found:
            lines.append(f"  [{label}] no findings")
        lines += [f"  [{label}] {f.severity} {f.rule}: {f.message}" for f in found]
    return lines


async def preview_endpoint(request: Request, data: PreviewForm) -> str:
    actor = _actor(request)
    outcome = await preview_campaign(actor, data.campaign_id, data.customer_id or None,
                                     data.locale.strip() or None)
    if not outcome.ok:
        raise ValueError(_messages(outcome.errors))
    preview = outcome.value
    # The preview carries the findings of its own locale; the console shows every locale's.
    findings = await lint_campaign(await get_campaign(actor, data.campaign_id))
    who = f"customer #{data.customer_id}" if data.customer_id else "a sample customer"
    return "\n".join([
        f"Lint findings of campaign #{data.campaign_id}:", *_finding_lines(findings), "",
        f"Preview for {who} in {preview.locale}, on {preview.platform} "
        f"({preview.routing_reason}):",
        f"Subject: {preview.message.subject}", "", preview.message.text])


async def lifecycle_endpoint(request: Request, data: LifecycleForm) -> str:
    action = data.action.strip().lower()
    if action not in TRANSITIONS:
        raise ValueError(f"Unknown action {data.action!r}: {', '.join(TRANSITIONS)}.")
    outcome = await transition(_actor(request), data.campaign_id, action)
    if not outcome.ok:
        raise ValueError(f"Cannot {action} campaign #{data.campaign_id}: "
                         + _messages(outcome.errors))
    campaign = outcome.value
    message = f"Campaign #{campaign.id} '{campaign.name}' is now {campaign.status}."
    if action in ("activate", "resume"):
        await hand_over_now()  # the selection run, to the worker at once
        message += (" Its selection run is handed to the worker now "
                    "(see Asking → Selection run).")
    return message


async def approve_held_endpoint(request: Request, data: ApproveHeldForm) -> str:
    outcome = await approve_held_ask(_actor(request), data.ask_id)
    if not outcome.ok:
        raise ValueError(_messages(outcome.errors))
    return f"Ask #{data.ask_id} is approved and planned; its approval task is done."


FUNNEL_COLUMNS = ("selected", "sent", "clicked", "reviewed", "bounced", "unsubscribed")


def funnel_table(group_by: str, rows: list) -> str:
    header = (group_by, *FUNNEL_COLUMNS)
    body = [(str(r.key), *(str(getattr(r, c)) for c in FUNNEL_COLUMNS)) for r in rows]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]

    def line(cells) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    return "\n".join([line(header), *(line(cells) for cells in body)])


async def funnel_endpoint(request: Request, data: FunnelForm) -> str:
    group_by = data.group_by.strip().lower()
    if group_by not in GROUPINGS:
        raise ValueError(f"Group by one of: {', '.join(GROUPINGS)}.")
    rows = await funnel(group_by, campaign_id=data.campaign_id or None)
    if not rows:
        return "No asks yet for this selection."
    return funnel_table(group_by, rows)


def asking_forms() -> list[FormConfig]:
    return [
        FormConfig(name="Preview campaign", pydantic_model=PreviewForm,
                   endpoint=preview_endpoint, form_group=GROUP,
                   description="The lint findings of every locale, and the message as one "
                               "customer would get it."),
        FormConfig(name="Campaign lifecycle", pydantic_model=LifecycleForm,
                   endpoint=lifecycle_endpoint, form_group=GROUP,
                   description="Activate, pause, resume or finish a campaign. Activation "
                               "refuses a campaign whose lint has errors."),
        FormConfig(name="Approve held ask", pydantic_model=ApproveHeldForm,
                   endpoint=approve_held_endpoint, form_group=GROUP,
                   description="Asks to notable customers wait for a person: approving routes, "
                               "paces and plans the ask."),
        FormConfig(name="Campaign funnel", pydantic_model=FunnelForm,
                   endpoint=funnel_endpoint, form_group=GROUP,
                   description="Selected → sent → clicked → reviewed, plus bounced and "
                               "unsubscribed."),
    ]
