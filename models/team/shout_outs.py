"""Shout-outs: a review or captured praise that names a team member (the TerryBerry tip).

When new words come in, the product's roster is matched against them (models/team/mentions.py).
Each member named is recorded once per review or praise, with the sentence that names them:
- spoken of well: the member is told by mail, with the customer's words, the platform and the
  rating — their manager can count it in the recognition programme (`monthly_counts`);
- spoken of badly, or neither: never to the person — a `mention` task for the customer's account
  owner, who is also mailed when their address is known.
Everything is written in the transaction that stores the review or the praise; the mails go
through the outbox.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import urlsplit

import settings
from models.asking.tables import Task
from models.core.actors import Actor
from models.core.mail_addresses import mailbox
from models.core.outbox import add_to_outbox
from models.core.pagination import Page, PageRequest, raw_keyset_page
from models.events.events import record_event
from models.people.customers import EMAIL_RE
from models.team.mentions import find_mentions
from models.team.roster import member_for, roster_for
from models.team.tables import ShoutOut


@dataclass(frozen=True)
class Source:
    product_id: int
    kind: str  # review | praise
    row_id: int  # the review's or the praise quote's id
    fields: dict[str, str]
    lane: str | None  # the review's rating lane; None for praise
    customer_id: int | None
    owner: str  # the customer's account owner
    where: str  # "Capterra", "a conversation"
    rating: float | None


async def record_shout_outs(source: Source) -> list[int]:
    """Find and record who `source` names (inside the caller's transaction)."""
    roster = await roster_for(source.product_id)
    if not roster:
        return []
    lane = source.lane if source.kind == "review" else "praise"
    recorded = []
    for mention in find_mentions(source.fields, roster, lane):
        member_id = await member_for(source.product_id, mention.member)
        to_member = mention.polarity == "positive"
        rows = await ShoutOut.raw(
            "INSERT INTO shout_out (product, member, source, review, quote, written, words, polarity, "
            "routed_to, owner) VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {}) "
            "ON CONFLICT DO NOTHING RETURNING id",
            source.product_id, member_id, source.kind,
            source.row_id if source.kind == "review" else None,
            source.row_id if source.kind == "praise" else None,
            mention.written[:120], mention.words, mention.polarity,
            "member" if to_member else "account_owner", source.owner[:150])
        if not rows:
            continue  # already recorded (a re-import)
        shout_id = rows[0]["id"]
        recorded.append(shout_id)
        await record_event("shout_out.recorded", source.product_id, {
            "shout_out": shout_id, "member": member_id, "polarity": mention.polarity,
            "review": source.row_id if source.kind == "review" else None,
            "quote": source.row_id if source.kind == "praise" else None, "customer": source.customer_id})
        if to_member or EMAIL_RE.match(source.owner or ""):
            await add_to_outbox("send_shout_out", {"shout_out_id": shout_id})
        if not to_member:
            name = (await ShoutOut.raw("SELECT name FROM team_member WHERE id = {}", member_id))[0]["name"]
            await Task.insert(Task(
                kind="mention", assignee=source.owner, customer=source.customer_id,
                review=source.row_id if source.kind == "review" else None,
                title=f"A customer named {name} ({mention.polarity}) — follow up with them, not {name}",
                body=f"“{mention.words}” ({source.where}). Talk it through with the team; the customer's "
                     "words are not forwarded to the person named."))
    return recorded


# --- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShoutOutFilter:
    product_id: int | None = None
    member_id: int | None = None
    since: dt.datetime | None = None
    polarity: str | None = None


SHOUT_OUTS_SQL = ("SELECT s.id, s.product, s.member, s.source, s.review, s.quote, s.written, s.words, "
                  "s.polarity, s.routed_to, s.mailed_at, s.created_at FROM shout_out s")


async def list_shout_outs(actor: Actor, flt: ShoutOutFilter, page: PageRequest) -> Page:
    where, args = [], []
    for product in (actor.product_id, flt.product_id):
        if product is not None:
            where.append("s.product = {}")
            args.append(product)
    if flt.member_id is not None:
        where.append("s.member = {}")
        args.append(flt.member_id)
    if flt.since is not None:
        where.append("s.created_at >= {}")
        args.append(flt.since)
    if flt.polarity is not None:
        where.append("s.polarity = {}")
        args.append(flt.polarity)
    if page.ids is not None:
        where.append("s.id = ANY({}::int[])")
        args.append(list(page.ids))
    return await raw_keyset_page(ShoutOut, SHOUT_OUTS_SQL, where, args, "s.id", page)


@dataclass(frozen=True)
class MonthCount:
    month: str  # 2026-11
    member_id: int
    member_name: str
    positive: int
    negative: int
    neutral: int


MAX_MONTHS = 36


async def monthly_counts(actor: Actor, product_id: int, since: dt.date, until: dt.date) -> list[MonthCount]:
    """Shout-outs per member and calendar month (UTC), for the recognition programme."""
    if not actor.may_touch_product(product_id):
        return []
    rows = await ShoutOut.raw(
        "SELECT to_char(date_trunc('month', s.created_at AT TIME ZONE 'UTC'), 'YYYY-MM') AS month, "
        "m.id AS member_id, m.name, count(*) FILTER (WHERE s.polarity = 'positive') AS positive, "
        "count(*) FILTER (WHERE s.polarity = 'negative') AS negative, "
        "count(*) FILTER (WHERE s.polarity = 'neutral') AS neutral "
        "FROM shout_out s JOIN team_member m ON m.id = s.member "
        "WHERE s.product = {} AND s.created_at >= {}::date AND s.created_at < {}::date + 1 "
        "GROUP BY 1, 2, 3 ORDER BY 1, 4 DESC, 3", product_id, since, until)
    return [MonthCount(r["month"], r["member_id"], r["name"], r["positive"], r["negative"], r["neutral"])
            for r in rows]


# --- the mail (sent by the worker, at most once) ---------------------------------------------------


async def claim_shout_out_mail(shout_out_id: int) -> bool:
    rows = await ShoutOut.raw("UPDATE shout_out SET mailed_at = now() WHERE id = {} AND mailed_at IS NULL "
                              "AND words <> '' RETURNING id", shout_out_id)
    return bool(rows)


async def release_shout_out_mail(shout_out_id: int) -> None:
    await ShoutOut.update({ShoutOut.mailed_at: None}).where(ShoutOut.id == shout_out_id)


MAIL = {
    "en": {"member": ("A customer named you: “{short}”",
                      "Hello {first},\n\n{customer} named you {where}{rating}:\n\n    “{words}”\n\n"
                      "Thank you for the care behind these words. This shout-out is counted in "
                      "{product}'s recognition programme.\n"),
           "account_owner": ("A customer named {member} — to follow up",
                             "Hello,\n\n{customer} named {member} {where}{rating}:\n\n    “{words}”\n\n"
                             "These words are not forwarded to {member}. A `mention` task is in your "
                             "inbox in Plaudit.\n")},
    "fr": {"member": ("Un client vous a cité : « {short} »",
                      "Bonjour {first},\n\n{customer} vous a cité {where}{rating} :\n\n    « {words} »\n\n"
                      "Merci pour l'attention qui se lit dans ces mots. Ce remerciement compte dans "
                      "le programme de reconnaissance de {product}.\n"),
           "account_owner": ("Un client a cité {member} — à suivre",
                             "Bonjour,\n\n{customer} a cité {member} {where}{rating} :\n\n    « {words} »\n\n"
                             "Ces mots ne sont pas transmis à {member}. Une tâche « mention » vous attend "
                             "dans Plaudit.\n")},
}

DETAILS_SQL = """
SELECT s.id, s.words, s.routed_to, s.owner, s.source, m.name AS member, m.email AS member_email,
       m.locale, p.name AS product, r.rating, pl.name AS platform,
       coalesce(nullif(r.reviewer_name, ''), q.attribution_name, 'A customer') AS customer
FROM shout_out s JOIN team_member m ON m.id = s.member JOIN product p ON p.id = s.product
LEFT JOIN review r ON r.id = s.review LEFT JOIN platform_profile pp ON pp.id = r.profile
LEFT JOIN review_platform pl ON pl.id = pp.platform LEFT JOIN quote q ON q.id = s.quote
WHERE s.id = {}
"""


async def compose_shout_out_mail(shout_out_id: int) -> EmailMessage | None:
    rows = await ShoutOut.raw(DETAILS_SQL, shout_out_id)
    if not rows:
        return None
    row = rows[0]
    to_member = row["routed_to"] == "member"
    locale = row["locale"] if to_member and row["locale"] in MAIL else "en"
    subject, body = MAIL[locale][row["routed_to"]]
    fr = locale == "fr"
    where = (f"{'dans son avis sur' if fr else 'in their review on'} {row['platform']}" if row["platform"]
             else ("en nous parlant" if fr else "when talking to us"))
    rating = f" ({row['rating']:g}★)" if row["rating"] is not None else ""
    short = row["words"] if len(row["words"]) <= 60 else row["words"][:59] + "…"
    values = {"first": row["member"].split(" ")[0], "customer": row["customer"], "where": where,
              "rating": rating, "words": row["words"], "product": row["product"], "member": row["member"],
              "short": short}
    message = EmailMessage()
    message["Subject"] = subject.format(**values).replace("\n", " ")
    message["From"] = settings.SETTINGS.mail_from
    message["To"] = mailbox(row["member"], row["member_email"]) if to_member else row["owner"]
    host = urlsplit(settings.SETTINGS.public_base_url).hostname or "plaudit.localhost"
    message["Message-ID"] = make_msgid(f"shout-out.{shout_out_id}", domain=host)
    message.set_content(body.format(**values))
    return message
