"""The quote lifecycle: approval (twice for notables), consent per placement, publishing,
revocation, retire/reuse/replace, ordering, verbatim trimming, praise capture, disclosures."""

import datetime as dt

from models.access.audit import AuditEvent
from models.asking.tables import Ask
from models.core.actors import SYSTEM
from models.core.outbox import OutboxMessage
from models.people.customers import Customer
from models.people.signals import Signal
from models.quotes.consent import decide_consent, request_consent, revoke_consent
from models.quotes.quotes import (
    approve_quote,
    capture_praise,
    edit_quote,
    move_quote,
    publish_quote,
    reject_quote,
    replace_quote,
    retire_quote,
)
from models.quotes.rules import is_verbatim_excerpt
from models.quotes.showcase import load_showcase
from models.quotes.tables import Quote, QuoteConsent
from tests.quotes.fixtures import EDITOR, OTHER_EDITOR, quotes_from


async def consents(quote_id):
    rows = await QuoteConsent.select().where(QuoteConsent.quote == quote_id)
    return {r["placement"]: (r["state"], r["published"]) for r in rows}


async def shown(world, placement="home_page"):
    showcase = await load_showcase(SYSTEM, world["product"].id, placement)
    return [q.id for q in showcase.quotes]


async def reload(quote):
    return await Quote.objects().get(Quote.id == quote.id)


async def test_a_candidate_is_verbatim_and_knows_its_reviewer(candidate):
    assert candidate.status == "candidate" and candidate.source == "review"
    assert candidate.text == candidate.original_text == "The customer support team answers within minutes."
    assert candidate.consent_email == "us1@client.example"
    assert (candidate.attribution_name, candidate.attribution_title) == ("Ana Lopez", "CFO")
    assert candidate.incentive_disclosure == "" and not candidate.insider


async def test_approval_asks_consent_and_consent_publishes(world, candidate):
    outcome = await approve_quote(EDITOR, candidate.id)
    assert outcome.ok, outcome.errors
    quote = await reload(candidate)
    assert quote.status == "approved" and quote.approved_by == "editor" and quote.approved_at
    assert quote.consent_requested_by == "editor"
    assert await consents(quote.id) == {"home_page": ("requested", False),
                                        "product_page": ("requested", False)}
    assert await OutboxMessage.count().where(OutboxMessage.job == "send_consent_request") == 1
    assert await shown(world) == []  # approved, but the reviewer has not said yes

    decided = await decide_consent(quote.id, {"home_page": True, "product_page": False})
    assert decided.ok, decided.errors
    assert await consents(quote.id) == {"home_page": ("granted", True),
                                        "product_page": ("declined", False)}
    assert (await reload(quote)).status == "published"
    assert await shown(world, "home_page") == [quote.id]
    assert await shown(world, "product_page") == []
    actions = [r["action"] for r in await AuditEvent.select(AuditEvent.action).order_by(AuditEvent.id)]
    assert actions[-4:] == ["quote.approve", "quote.request_consent", "quote.consent", "quote.publish"]


async def test_revoking_consent_takes_the_quote_down_at_once(world, candidate):
    await approve_quote(EDITOR, candidate.id, ["home_page", "social"])
    await decide_consent(candidate.id, {"home_page": True, "social": True})
    assert await shown(world) == [candidate.id]
    outcome = await revoke_consent(candidate.id)
    assert outcome.ok
    assert await shown(world) == [] and await shown(world, "social") == []
    assert await consents(candidate.id) == {"home_page": ("revoked", False), "social": ("revoked", False)}
    quote = await reload(candidate)
    assert quote.status == "rejected" and quote.rejection_reason == "The reviewer revoked their consent."
    # ... and nobody can put it back.
    again = await publish_quote(EDITOR, quote.id, ["home_page"])
    assert [e.code for e in again.errors] == ["NOT_APPROVED"]


async def test_revoking_one_placement_keeps_the_others(world, candidate):
    await approve_quote(EDITOR, candidate.id, ["home_page", "social"])
    await decide_consent(candidate.id, {"home_page": True, "social": True})
    await revoke_consent(candidate.id, ["social"])
    assert await shown(world) == [candidate.id] and await shown(world, "social") == []


async def test_consent_first_then_approval_publishes_what_was_granted(world, candidate):
    asked = await request_consent(EDITOR, candidate.id, ["home_page", "email"])
    assert asked.ok and (await reload(candidate)).status == "consent_requested"
    await decide_consent(candidate.id, {"home_page": True, "email": True})
    assert await shown(world) == []  # granted, not yet approved
    await approve_quote(OTHER_EDITOR, candidate.id)
    assert await shown(world) == [candidate.id] and await shown(world, "email") == [candidate.id]


async def test_a_notable_customers_quote_needs_two_different_approvers(world):
    quote = (await quotes_from(world, "cap-n", "notable@client.example"))[0]
    await approve_quote(EDITOR, quote.id)
    await decide_consent(quote.id, {"home_page": True, "product_page": True})
    assert await shown(world) == []  # one approval is not enough
    same = await approve_quote(EDITOR, quote.id)
    assert [e.code for e in same.errors] == ["SECOND_APPROVER_REQUIRED"]
    refused = await publish_quote(EDITOR, quote.id, ["home_page"])
    assert [e.code for e in refused.errors] == ["NOT_APPROVED"]
    second = await approve_quote(OTHER_EDITOR, quote.id)
    assert second.ok
    quote = await reload(quote)
    assert (quote.approved_by, quote.second_approved_by, quote.status) == (
        "editor", "second-editor", "published")
    assert await shown(world) == [quote.id]


async def test_publishing_needs_consent_for_each_placement(world, candidate):
    await approve_quote(EDITOR, candidate.id, ["home_page"])
    await decide_consent(candidate.id, {"home_page": True})
    refused = await publish_quote(EDITOR, candidate.id, ["home_page", "ad"])
    assert [(e.code, e.field) for e in refused.errors] == [("CONSENT_MISSING", ("placements",))]
    assert "ad" in refused.errors[0].message
    unknown = await publish_quote(EDITOR, candidate.id, ["billboard"])
    assert [e.code for e in unknown.errors] == ["UNKNOWN_PLACEMENT"]


async def test_a_declined_placement_is_never_asked_again(candidate):
    await request_consent(EDITOR, candidate.id, ["home_page", "ad"])
    await decide_consent(candidate.id, {"home_page": True, "ad": False})
    again = await request_consent(EDITOR, candidate.id, ["ad"])
    assert [e.code for e in again.errors] == ["ALREADY_DECLINED"]
    not_asked = await decide_consent(candidate.id, {"social": True})
    assert [e.code for e in not_asked.errors] == ["NOT_ASKED"]


async def test_declining_everything_closes_the_quote(world, candidate):
    await approve_quote(EDITOR, candidate.id)
    await decide_consent(candidate.id, {"home_page": False, "product_page": False})
    quote = await reload(candidate)
    assert quote.status == "rejected" and "declined" in quote.rejection_reason


async def test_a_review_without_a_known_reviewer_cannot_be_sent_for_consent(world):
    quote = (await quotes_from(world, "cap-x", "stranger@nowhere.example",
                               reviewer_name="Zed Stranger"))[0]
    outcome = await approve_quote(EDITOR, quote.id)
    assert [e.code for e in outcome.errors] == ["NO_EMAIL"]
    assert (await reload(quote)).status == "candidate"  # the approval rolled back with it
    assert await QuoteConsent.count() == 0


async def test_an_unsubscribed_reviewer_is_not_written_to(world, candidate):
    await Customer.update({Customer.email_status: "unsubscribed",
                           Customer.suppressed_at: dt.datetime.now(dt.UTC)}).where(
        Customer.email == "us1@client.example")
    outcome = await request_consent(EDITOR, candidate.id, ["home_page"])
    assert [e.code for e in outcome.errors] == ["SUPPRESSED"]


async def test_trimming_keeps_the_words_verbatim(world):
    quote = (await quotes_from(world, "cap-long", "us2@client.example",
                               pros="Honestly the onboarding was quick, the support team is patient "
                                    "and reporting saves us hours every single week."))[0]
    good = await edit_quote(EDITOR, quote.id, "the onboarding was quick … reporting saves us hours")
    assert good.ok and (await reload(quote)).text == "the onboarding was quick … reporting saves us hours"
    for bad in ("the onboarding was fast", "reporting saves us hours … the onboarding was quick", "…"):
        refused = await edit_quote(EDITOR, quote.id, bad)
        assert [e.code for e in refused.errors] in (["NOT_VERBATIM"], ["TEXT_REQUIRED"]), bad
    await request_consent(EDITOR, quote.id, ["home_page"])
    late = await edit_quote(EDITOR, quote.id, "the onboarding was quick")
    assert [e.code for e in late.errors] == ["CONSENT_ALREADY_ASKED"]


def test_verbatim_excerpts():
    original = "Great tool. Support is fast, and the reports are clear."
    assert is_verbatim_excerpt(original, "Support is fast… the reports are clear.")
    assert is_verbatim_excerpt(original, "Support is fast...")
    assert not is_verbatim_excerpt(original, "Support is very fast")
    assert not is_verbatim_excerpt(original, "the reports are clear… Great tool.")


async def test_retire_keeps_the_quote_for_reuse(world, candidate):
    await approve_quote(EDITOR, candidate.id)
    await decide_consent(candidate.id, {"home_page": True, "product_page": True})
    retired = await retire_quote(EDITOR, candidate.id)
    assert retired.ok and (await reload(candidate)).status == "retired"
    assert await shown(world) == []
    reused = await publish_quote(EDITOR, candidate.id, ["home_page"])
    assert reused.ok and await shown(world) == [candidate.id] and await shown(world, "product_page") == []


async def test_replace_takes_the_old_ones_place(world):
    first, second = await quotes_from(world, "cap-2", "us2@client.example")
    for quote in (first, second):
        await approve_quote(EDITOR, quote.id, ["home_page"])
        await decide_consent(quote.id, {"home_page": True})
    await retire_quote(EDITOR, second.id)
    await move_quote(EDITOR, first.id, 5)
    replaced = await replace_quote(EDITOR, first.id, second.id)
    assert replaced.ok, replaced.errors
    old, new = await reload(first), await reload(second)
    assert (old.status, old.replaced_by, new.status, new.position) == ("retired", new.id, "published", 5)
    assert await shown(world) == [new.id]


async def test_order_follows_position(world):
    first, second = await quotes_from(world, "cap-3", "us2@client.example")
    for quote in (first, second):
        await approve_quote(EDITOR, quote.id, ["home_page"])
        await decide_consent(quote.id, {"home_page": True})
    assert await shown(world) == [first.id, second.id]
    await move_quote(EDITOR, second.id, -1)
    assert await shown(world) == [second.id, first.id]


async def test_reject_is_final_and_published_quotes_are_retired_instead(world, candidate):
    rejected = await reject_quote(EDITOR, candidate.id, "Off-topic")
    assert rejected.ok and (await reload(candidate)).rejection_reason == "Off-topic"
    assert [e.code for e in (await approve_quote(EDITOR, candidate.id)).errors] == ["WRONG_STATUS"]


async def test_praise_is_captured_without_asking_for_a_review(world):
    customer = await Customer.objects().get(Customer.email == "gb1@client.example")
    outcome = await capture_praise(EDITOR, customer.id, "Plaudit's team made our rollout painless.")
    assert outcome.ok
    quote = outcome.value
    assert (quote.source, quote.status, quote.review, quote.consent_email) == (
        "praise", "candidate", None, "gb1@client.example")
    assert await Ask.count() == 0 and await Signal.count().where(Signal.customer == customer.id) == 0
    await approve_quote(EDITOR, quote.id, ["home_page"])
    await decide_consent(quote.id, {"home_page": True})
    showcase = await load_showcase(SYSTEM, world["product"].id, "home_page")
    assert showcase.quotes[0].rating is None and showcase.quotes[0].platform_name is None
    assert showcase.quotes[0].disclosures == ["Shared with Ledger directly, not on a review site."]


async def test_disclosures_travel_with_the_quote(world):
    quote = (await quotes_from(world, "cap-i", "insider@client.example", incentivized=True))[0]
    assert quote.insider and "incentive" in quote.incentive_disclosure
    await approve_quote(EDITOR, quote.id, ["home_page"])
    await decide_consent(quote.id, {"home_page": True})
    showcase = await load_showcase(SYSTEM, world["product"].id, "home_page")
    assert showcase.quotes[0].disclosures == [
        quote.incentive_disclosure, "Written by someone close to Ledger (an employee or a relative)."]
