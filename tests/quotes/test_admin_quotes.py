"""The curation desk over real HTTP: the queue beside its reviews, the lifecycle forms (audited,
refusing what the rules refuse), read-only generic edits, and the social card download."""

from __future__ import annotations

import io

from PIL import Image

from models.access.audit import AuditEvent
from models.quotes.consent import decide_consent
from models.quotes.tables import Quote, QuoteConsent
from tests.reviews.test_admin_reviews import admin, rows, submit  # noqa: F401  (fixture)

FORMS = "/admin/api/forms/"


async def test_the_desk_shows_each_candidate_beside_its_review(http, admin, candidate):  # noqa: F811
    desk = await rows(http, "/admin/api/tables/quote_desk/", status="candidate")
    first = next(r for r in desk if r["id"] == candidate.id)
    assert first["text"] == candidate.text and first["rating"] == 5 and first["platform"] == "Capterra"
    assert "Reporting saves us hours every week." in first["review_text"]


async def test_approve_consent_publish_retire_through_the_forms(http, admin, world, candidate):  # noqa: F811
    said = await submit(http, admin, FORMS + "approve-quote/",
                        {"quote_id": candidate.id, "placements": "home_page, social"})
    assert "approved" in said
    assert {r["placement"] for r in await QuoteConsent.select()} == {"home_page", "social"}
    await decide_consent(candidate.id, {"home_page": True, "social": False})
    assert (await Quote.objects().get(Quote.id == candidate.id)).status == "published"
    refused = await submit(http, admin, FORMS + "publish-quote/",
                           {"quote_id": candidate.id, "placements": "social"}, status=422)
    assert "has not granted social" in refused
    await submit(http, admin, FORMS + "order-quote/", {"quote_id": candidate.id, "position": 3})
    await submit(http, admin, FORMS + "retire-quote/", {"quote_id": candidate.id})
    quote = await Quote.objects().get(Quote.id == candidate.id)
    assert (quote.status, quote.position, quote.retired_by) == ("retired", 3, "ada")
    actions = {r["action"] for r in await AuditEvent.select(AuditEvent.action).where(
        AuditEvent.actor == "ada")}
    assert {"quote.approve", "quote.request_consent", "quote.move", "quote.retire"} <= actions


async def test_generic_edits_are_refused(http, admin, candidate):  # noqa: F811
    response = await http.patch(f"/admin/api/tables/quote/{candidate.id}/",
                                json={"status": "published"}, headers=admin)
    assert response.status_code == 405
    assert (await Quote.objects().get(Quote.id == candidate.id)).status == "candidate"


async def test_the_social_card_downloads(http, admin, candidate):  # noqa: F811
    response = await http.post(FORMS + "download-social-card/", json={"quote_id": candidate.id},
                               headers=admin)
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    assert f'filename="quote-{candidate.id}.png"' in response.headers["content-disposition"]
    assert Image.open(io.BytesIO(response.content)).size == (1200, 630)
