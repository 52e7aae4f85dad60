"""Follow-ups that read as follow-ups: their own short template per locale, a plain "a reminder"
subject, sent in the recipient's business hours and counted in the campaign's caps.

A campaign may give its own follow-up templates (`follow_up.templates`, one per locale, linted
like the first message plus the reminder rule); otherwise the defaults below are used — short,
one link, a reason and thanks, a subject that says it is a reminder. When the first mail goes
out, the follow-up is due `after_days` later; when it falls due, the send (models/asking/
sending.py) asks `follow_up_slot` whether now is inside the recipient's business hours on a
business day with room in the campaign's caps (mails per hour and per day count first touches
and follow-ups alike), and otherwise puts it back for the first slot that is. The check is paid
by follow-ups only, when they are due: first sends stay as cheap as they were.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter

from models.asking.messages import ERROR, Finding, MessageDraft, lint
from models.asking.pacing import Recipient, pacing_of, plan_send_times
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
# Room for business hours (a long weekend) and caps; the counts read only that window.
PLACEMENT_WINDOW = dt.timedelta(days=7)
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


async def caps_used(campaign_id: int, since: dt.datetime, until: dt.datetime | None = None, *,
                    besides: int = 0, follow_ups: tuple[str, ...] = ("scheduled", "sending", "sent")
                    ) -> Counter:
    """Mails of this campaign per UTC hour from the start of `since`'s day (to `until`, if given),
    whatever became of them: asks planned (their first mail, at the planned time; not held,
    deferred or cancelled) and follow-ups (at their scheduled time, unless cancelled) — but the
    touch `besides`, which is being placed, and follow-ups in other statuses than `follow_ups`.
    Both parts read an index on (campaign, time)."""
    end = until or dt.datetime.max.replace(tzinfo=dt.UTC)
    rows = await AskTouch.raw(
        "SELECT hour, sum(n)::int AS n FROM ("
        "SELECT date_trunc('hour', planned_at) AS hour, count(*) AS n FROM ask "
        "WHERE campaign = {} AND planned_at >= date_trunc('day', {}::timestamptz AT TIME ZONE 'UTC') "
        "AT TIME ZONE 'UTC' AND planned_at < {} AND status NOT IN ('held', 'deferred', 'cancelled') "
        "GROUP BY 1 UNION ALL SELECT date_trunc('hour', t.scheduled_at), count(*) FROM ask_touch t "
        "JOIN ask a ON a.id = t.ask WHERE a.campaign = {} AND t.seq > 0 AND t.status = ANY({}::text[]) "
        "AND t.id <> {} AND t.scheduled_at >= date_trunc('day', {}::timestamptz AT TIME ZONE 'UTC') "
        "AT TIME ZONE 'UTC' AND t.scheduled_at < {} GROUP BY 1) AS mails GROUP BY hour",
        campaign_id, since, end, campaign_id, list(follow_ups), besides, since, end)
    return Counter({r["hour"]: r["n"] for r in rows})


async def follow_up_slot(touch_id: int, campaign_id: int, time_zone: str | None, pacing_stored,
                         now: dt.datetime) -> dt.datetime:
    """When a due follow-up may go: now if that is inside the recipient's business hours and the
    campaign's caps allow it, else the first slot that is within a week (none: now)."""
    pacing = pacing_of(pacing_stored)
    # Follow-ups already sent count; those merely due compete, the first claimed goes first.
    used = await caps_used(campaign_id, now, now + PLACEMENT_WINDOW, besides=touch_id,
                           follow_ups=("sending", "sent"))
    when = plan_send_times([Recipient(touch_id, time_zone or "UTC")], pacing, now,
                           already_planned=dict(used), seed=touch_id,
                           horizon_days=PLACEMENT_WINDOW.days)[touch_id]
    # The pacing spreads mails inside an hour; a slot in this very hour means: go now.
    if when is None or when < now.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1):
        return now
    return when
