"""Consent by mail and page: the request shows the exact quote and placements, goes out once
however often the job runs, and the reviewer's page grants, declines and revokes."""

import re

from jobs.quotes.consent import send_consent_request_job
from models.core.actors import SYSTEM
from models.core.links import make_token
from models.quotes.quotes import approve_quote
from models.quotes.showcase import load_showcase
from models.quotes.tables import Quote, QuoteConsent
from tests.quotes.fixtures import EDITOR


def consent_link(message) -> str:
    body = message.get_body(("plain",)).get_content()
    return re.search(r"https?://\S+/consent/(\S+)", body).group(1)


async def test_the_request_mail_goes_out_once_with_the_exact_quote(smtp_sink, candidate):
    await approve_quote(EDITOR, candidate.id, ["home_page", "social"])
    assert (await send_consent_request_job({"quote_id": candidate.id})).startswith("consent request sent")
    assert await send_consent_request_job({"quote_id": candidate.id}) == "already sent, or no longer needed"
    [message] = smtp_sink.to("us1@client.example")
    body = message.get_body(("plain",)).get_content()
    assert message["Subject"] == "May we quote you?"
    assert f"“{candidate.text}”" in body and "Ana Lopez, CFO, Globex" in body
    assert "our home page, our social media posts" in body
    assert consent_link(message) == make_token("consent", candidate.id)


async def test_a_failed_send_is_retried(monkeypatch, smtp_sink, candidate):
    import pytest

    import jobs.asking.asks

    await approve_quote(EDITOR, candidate.id)

    async def refuse(message):
        raise OSError("connection refused")

    with monkeypatch.context() as patched, pytest.raises(OSError):
        patched.setattr(jobs.asking.asks, "smtp_send", refuse)
        await send_consent_request_job({"quote_id": candidate.id})
    assert smtp_sink.messages == []
    assert (await send_consent_request_job({"quote_id": candidate.id})).startswith("consent request sent")


async def test_a_french_reviewer_gets_french(smtp_sink, world):
    from tests.quotes.fixtures import quotes_from

    quote = (await quotes_from(world, "cap-fr", "fr1@client.example", language="fr"))[0]
    await approve_quote(EDITOR, quote.id)
    await send_consent_request_job({"quote_id": quote.id})
    [message] = smtp_sink.to("fr1@client.example")
    assert message["Subject"] == "Pouvons-nous vous citer ?"
    assert "notre page d'accueil, nos pages produit" in message.get_body(("plain",)).get_content()


async def test_the_page_grants_declines_and_revokes(http, world, candidate):
    await approve_quote(EDITOR, candidate.id, ["home_page", "ad"])
    token = make_token("consent", candidate.id)
    page = await http.get(f"/consent/{token}")
    assert page.status_code == 200 and candidate.text in page.text
    assert 'name="home_page"' in page.text and 'name="ad"' in page.text
    assert page.headers["cache-control"] == "no-store"
    answered = await http.post(f"/consent/{token}", data={"action": "decide", "home_page": "yes",
                                                          "ad": "no"})
    assert answered.status_code == 200 and "your choices are saved" in answered.text
    assert "You allowed: our home page." in answered.text
    states = {r["placement"]: r["state"] for r in await QuoteConsent.select()}
    assert states == {"home_page": "granted", "ad": "declined"}
    showcase = await load_showcase(SYSTEM, world["product"].id, "home_page")
    assert [q.id for q in showcase.quotes] == [candidate.id]
    revoked = await http.post(f"/consent/{token}", data={"action": "revoke"})
    assert revoked.status_code == 200
    assert (await load_showcase(SYSTEM, world["product"].id, "home_page")).quotes == []
    assert (await Quote.objects().get(Quote.id == candidate.id)).status == "rejected"
    assert "You withdrew your consent" in (await http.get(f"/consent/{token}")).text


async def test_forged_and_cross_purpose_tokens_are_refused(http, candidate):
    await approve_quote(EDITOR, candidate.id)
    forged = f"{candidate.id}.AAAAAAAAAAAAAAAAAAAAAA"
    assert (await http.get(f"/consent/{forged}")).status_code == 404
    click_token = make_token("click", candidate.id)  # a genuine token for another purpose
    assert (await http.get(f"/consent/{click_token}")).status_code == 404
    assert (await http.post(f"/consent/{forged}", data={"home_page": "yes"})).status_code == 404
    assert await QuoteConsent.count().where(QuoteConsent.state == "granted") == 0


async def test_a_question_not_asked_changes_nothing(http, candidate):
    await approve_quote(EDITOR, candidate.id, ["home_page"])
    token = make_token("consent", candidate.id)
    refused = await http.post(f"/consent/{token}", data={"home_page": "yes", "ad": "yes"})
    assert refused.status_code == 400 and "We did not ask about ad" in refused.text
    assert await QuoteConsent.count().where(QuoteConsent.state == "granted") == 0
