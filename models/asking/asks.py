"""Asks (review requests) and their touches: planning, promoting, starting and cancelling them."""

from __future__ import annotations

from models.asking.tables import Ask, AskTouch


def message_host() -> str:
    from urllib.parse import urlsplit

    import settings

    return urlsplit(settings.SETTINGS.public_base_url).hostname or "plaudit.local"


def new_message_id(ask_id: int, seq: int) -> str:
    """A stable, unique Message-ID for one touch, fixed before the first send attempt."""
    import secrets

    return f"<ask{ask_id}.{seq}.{secrets.token_hex(8)}@{message_host()}>"


async def insert_planned_asks(campaign, plans: list[dict], now, selection_run: int | None = None) -> int:
    """Write the asks of one run with their first touch (email, in-app) in one statement, then
    the tasks (calls, social DMs, approvals of held asks).

    Typed arrays and a data-modifying CTE keep a 100,000-ask run to one round trip and no
    per-row Python: the Message-ID of each first touch is made in SQL from the ask id.
    Returns how many asks were planned for sending (held and deferred ones excluded).
    """
    if not plans:
        return 0
    columns = ("customer", "profile", "channel", "status", "signal", "routing_reason", "planned_at")
    arrays = [[p[c] for p in plans] for c in columns]
    rows = await Ask.raw(
        """WITH new AS (
             INSERT INTO ask (campaign, selection_run, customer, profile, channel, status, signal,
                              routing_reason, planned_at)
             SELECT {}, {}, * FROM unnest({}::int[], {}::int[], {}::text[], {}::text[], {}::int[],
                                          {}::text[], {}::timestamptz[])
             ON CONFLICT DO NOTHING
             RETURNING id, customer, status, channel, planned_at),
           touches AS (
             INSERT INTO ask_touch (ask, seq, message_id, status, scheduled_at)
             SELECT id, 0, '<ask' || id || '.0.' || left(replace(gen_random_uuid()::text, '-', ''), 16)
                           || '@' || {} || '>', 'scheduled', planned_at
             FROM new WHERE status = 'planned' AND channel IN ('email', 'in_app')),
           events AS (  -- models/events/events.py: ask.planned, in the same statement
             INSERT INTO domain_event (type, product, payload)
             SELECT 'ask.planned', {}, jsonb_build_object('ask', id, 'customer', customer,
                    'campaign', {}::int, 'channel', channel, 'status', status)
             FROM new)
           SELECT id, customer, status, channel, planned_at,
                  (status = 'planned') AS planned
           FROM new""",
        campaign.id, selection_run, *arrays, message_host(), campaign.product, campaign.id)
    await start_asks([r for r in rows if r["status"] == "held"
                      or (r["status"] == "planned" and r["channel"] in ("call", "social_dm"))])
    return sum(1 for r in rows if r["planned"])


async def promote_asks(promotions: list[dict]) -> int:
    """Held (approved) or deferred (escalation closed) asks become planned, with a platform."""
    import json

    if not promotions:
        return 0
    rows = await Ask.raw(
        "UPDATE ask SET status = p.status, profile = p.profile, routing_reason = p.routing_reason, "
        "planned_at = p.planned_at, updated_at = now() FROM jsonb_to_recordset({}::jsonb) AS "
        "p(id int, profile int, status text, routing_reason text, planned_at timestamptz) "
        "WHERE ask.id = p.id AND ask.status IN ('held', 'deferred') "
        "RETURNING ask.id, ask.customer, ask.status, ask.channel, ask.planned_at",
        json.dumps([{"status": "planned", **p, "planned_at": p["planned_at"].isoformat()}
                    for p in promotions]))
    await start_asks(rows)
    return sum(1 for r in rows if r["status"] == "planned")


async def start_asks(rows: list[dict]) -> None:
    """The first touch of each planned email ask; a task for calls and social DMs; an approval
    task for held asks."""
    import json

    from models.asking.tables import Task

    touches, tasks = [], []
    for row in rows:
        if row["status"] == "held":
            tasks.append({"kind": "approval", "title": f"Approve review ask #{row['id']} "
                          "(notable customer)", "customer": row["customer"], "ask": row["id"],
                          "body": "This customer is flagged notable: check the timing and wording, "
                                  "then approve the ask (admin: Asking → Approve held ask)."})
        elif row["status"] != "planned":
            continue
        elif row["channel"] in ("email", "in_app", "call", "social_dm"):
            # Every ask gets its first touch: for in-app asks it carries the tracked link the
            # frontend shows; for calls and DMs the link the person pastes (a click proves the ask
            # reached the customer), sent when the task is completed as asked. Only email touches
            # are ever mailed (models/asking/sending.py dispatches the email channel alone).
            touches.append({"ask": row["id"], "seq": 0, "message_id": new_message_id(row["id"], 0),
                            "status": "scheduled", "scheduled_at": row["planned_at"].isoformat()})
        if row["status"] == "planned" and row["channel"] in ("call", "social_dm"):
            tasks.append({"kind": "call_ask" if row["channel"] == "call" else "social_ask",
                          "title": f"Ask customer #{row['customer']} for a review "
                                   f"({'call' if row['channel'] == 'call' else 'social DM'})",
                          "customer": row["customer"], "ask": row["id"],
                          "due_at": row["planned_at"]})
    if touches:
        tcols = "ask, seq, message_id, status, scheduled_at"
        await Ask.raw(f"INSERT INTO ask_touch ({tcols}) SELECT {tcols} FROM "
                      "jsonb_populate_recordset(NULL::ask_touch, {}::jsonb)", json.dumps(touches))
    scripts = await _scripts([t["ask"] for t in tasks if t["kind"] in ("call_ask", "social_ask")])
    for task in tasks:
        if task["ask"] in scripts:
            task["body"], task["link"] = scripts[task["ask"]]
    if tasks:
        await Task.insert(*[Task(**t) for t in tasks])


async def _scripts(ask_ids: list[int]) -> dict[int, tuple[str, str]]:
    """For a call or a DM: the campaign's message for this customer as a script, and the link
    to paste — the ask's tracked link, so a click counts and redirects to the review form."""
    from models.asking.messages import MessageDraft, render_message

    if not ask_ids:
        return {}
    rows = await Ask.raw(
        """SELECT a.id, c.first_name, c.last_name, c.company, c.locale, k.templates,
                  s.name AS sender_name, s.title AS sender_title, p.review_url,
                  pl.name AS platform, pr.name AS product, t.id AS touch
           FROM ask a JOIN customer c ON c.id = a.customer JOIN campaign k ON k.id = a.campaign
           LEFT JOIN ask_touch t ON t.ask = a.id AND t.seq = 0
           LEFT JOIN sender s ON s.id = k.sender JOIN platform_profile p ON p.id = a.profile
           JOIN review_platform pl ON pl.id = p.platform JOIN product pr ON pr.id = k.product
           WHERE a.id = ANY({}::int[])""", ask_ids)
    from models.core.links import click_url

    scripts = {}
    for row in rows:
        import json

        link = click_url(row["touch"]) if row["touch"] is not None else row["review_url"]

        templates = json.loads(row["templates"]) if isinstance(row["templates"], str) else row["templates"]
        if not templates:
            scripts[row["id"]] = (f"Ask for a review on {row['platform']}: {link}", link)
            continue
        locale = row["locale"] if row["locale"] in templates else next(iter(templates))
        values = {k: row[k] or "" for k in ("first_name", "last_name", "company", "sender_name",
                                            "sender_title", "platform", "product")}
        message = render_message(MessageDraft(templates[locale]["subject"], templates[locale]["body"],
                                              locale, values["sender_name"], values["sender_title"]),
                                 values | {"review_link": link})
        scripts[row["id"]] = (message.text, link)
    return scripts


async def cancel_open_asks(*, campaign_id: int | None = None, customer_id: int | None = None,
                           reason: str, status: str = "cancelled") -> int:
    """Close open asks and cancel their pending touches (finish, unsubscribe, suppression)."""
    if campaign_id is None and customer_id is None:
        raise ValueError("cancel_open_asks needs a campaign or a customer")
    where, args = [], []
    if campaign_id is not None:
        where.append("campaign = {}")
        args.append(campaign_id)
    if customer_id is not None:
        where.append("customer = {}")
        args.append(customer_id)
    rows = await Ask.raw(
        f"UPDATE ask SET status = {{}}, updated_at = now(), routing_reason = routing_reason "
        f"WHERE {' AND '.join(where)} AND status IN ('held', 'deferred', 'planned', 'sent', 'clicked') "
        "RETURNING id", status, *args)
    ids = [r["id"] for r in rows]
    if ids:
        await AskTouch.raw(
            "UPDATE ask_touch SET status = 'cancelled', failure_reason = {} "
            "WHERE ask = ANY({}::int[]) AND status = 'scheduled'", reason, ids)
    return len(ids)
