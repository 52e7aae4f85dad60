"""Follow-ups that read as follow-ups: their own short template per locale, a plain "a reminder"
subject, sent in the recipient's business hours and counted in the campaign's caps.

A campaign may give its own follow-up templates (`follow_up.templates`, one per locale, linted
like the first message plus the reminder rule); otherwise the defaults below are used — short,
one link, a reason and thanks, a subject that says it is a reminder. When the first mail goes
out, the follow-up is due `after_days` later; `place_follow_up` then moves it to the first slot
inside the recipient's business hours on a business day that the campaign's caps allow (mails
per hour and per day count first touches and follow-ups alike).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter

from models.asking.campaign_rules import DEFAULT_PACING
from models.asking.messages import ERROR, Finding, MessageDraft, lint
from models.asking.pacing import Pacing, Recipient, plan_send_times
from models.asking.tables import AskTouch

DEFAULT_TEMPLATES = {
    "en": {"subject": "A reminder: your review of {{ product }} on {{ platform }}",
           "body": "Hi {{ first_name }}, thanks again for choosing {{ product }}.\n\n"
                   "A short reminder, in case my last note got buried: a few minutes on {{ platform }} "
                   "would mean a lot, because your review helps other teams decide.\n\n"
                   "{{ review_link }}\n\nThank you,\n{{ sender_name }}, {{ sender_title }}"},
    "fr": {"subject": "Un rappel : votre avis sur {{ product }} sur {{ platform }}",
           "body": "Bonjour {{ first_name }}, merci encore d'avoir choisi {{ product }}.\n\n"
                   "Un petit rappel, au cas où mon dernier message serait passé inaperçu : quelques "
                   "minutes sur {{ platform }} compteraient beaucoup, parce que votre avis aide "
                   "d'autres équipes à choisir.\n\n"
                   "{{ review_link }}\n\nMerci,\n{{ sender_name }}, {{ sender_title }}"},
}
_REMINDER = re.compile(r"\b(reminder|rappel|relance)\b", re.IGNORECASE)


def template_for(follow_up: dict | str | None, locale: str) -> dict:
    """The follow-up template for a locale: the campaign's own, else the default."""
    config = json.loads(follow_up) if isinstance(follow_up, str) else (follow_up or {})
    own = config.get("templates") or {}
    return own.get(locale) or DEFAULT_TEMPLATES.get(locale) or DEFAULT_TEMPLATES["en"]


def lint_follow_up(draft: MessageDraft) -> list[Finding]:
    """The first message's rules, and a subject that plainly says it is a reminder."""
    findings = [f for f in lint(draft) if f.rule != "SUBJECT_SAYS_WHAT"]
    if not _REMINDER.search(draft.subject):
        findings.append(Finding("SUBJECT_SAYS_WHAT", ERROR, "A follow-up's subject says plainly that it "
                                "is a reminder (\"A reminder: …\" / \"Un rappel : …\").", "subject"))
    return findings


async def caps_used(campaign_id: int, since: dt.datetime, *, besides: int = 0) -> Counter:
    """Mails of this campaign per UTC hour from the start of `since`'s day, whatever became of
    them: asks planned (their first mail, at the planned time; not held, deferred or cancelled)
    and follow-ups (at their scheduled time, unless cancelled) — but the touch `besides`, which
    is being placed."""
    rows = await AskTouch.raw(
        "SELECT hour, sum(n)::int AS n FROM ("
        "SELECT date_trunc('hour', planned_at) AS hour, count(*) AS n FROM ask "
        "WHERE campaign = {} AND planned_at >= date_trunc('day', {}::timestamptz AT TIME ZONE 'UTC') "
        "AT TIME ZONE 'UTC' AND status NOT IN ('held', 'deferred', 'cancelled') GROUP BY 1 "
        "UNION ALL SELECT date_trunc('hour', t.scheduled_at), count(*) FROM ask_touch t "
        "JOIN ask a ON a.id = t.ask WHERE a.campaign = {} AND t.seq > 0 AND t.status <> 'cancelled' "
        "AND t.id <> {} "
        "AND t.scheduled_at >= date_trunc('day', {}::timestamptz AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' "
        "GROUP BY 1) AS mails GROUP BY hour", campaign_id, since, campaign_id, besides, since)
    return Counter({r["hour"]: r["n"] for r in rows})


async def place_follow_up(sent_touch_id: int) -> dt.datetime | None:
    """Move the follow-up that the send of `sent_touch_id` scheduled into the recipient's business
    hours, within the caps. Returns its time (None when there is no follow-up to place)."""
    rows = await AskTouch.raw(
        "SELECT n.id, n.scheduled_at, a.campaign, c.time_zone, k.pacing FROM ask_touch s "
        "JOIN ask_touch n ON n.ask = s.ask AND n.seq = s.seq + 1 AND n.status = 'scheduled' "
        "JOIN ask a ON a.id = s.ask JOIN customer c ON c.id = a.customer "
        "JOIN campaign k ON k.id = a.campaign "
        "WHERE s.id = {}", sent_touch_id)
    if not rows:
        return None
    row = rows[0]
    stored = row["pacing"]
    config = DEFAULT_PACING | ((json.loads(stored) if isinstance(stored, str) else stored) or {})
    pacing = Pacing(max_per_hour=config["max_per_hour"], max_per_day=config["max_per_day"],
                    business_hours=tuple(config["business_hours"]),
                    business_days=tuple(config["business_days"]), jitter_minutes=config["jitter_minutes"])
    due = row["scheduled_at"]
    used = await caps_used(row["campaign"], due, besides=row["id"])
    when = plan_send_times([Recipient(row["id"], row["time_zone"] or "UTC")], pacing, due,
                           already_planned=dict(used), seed=row["id"])[row["id"]]
    if when is None:  # nothing fits within the horizon: leave it where it was
        return due
    await AskTouch.raw("UPDATE ask_touch SET scheduled_at = {} WHERE id = {} AND status = 'scheduled'",
                       when, row["id"])
    return when
