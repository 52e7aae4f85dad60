"""Products, review platforms, platform profiles and senders: create/update and userErrors."""

import pytest

from tests.ids import gid

CREATE_PRODUCT = """mutation($i: ProductInput!) { createProduct(input: $i) {
  product { id slug name brandColor } userErrors { field message code } } }"""
UPDATE_PRODUCT = """mutation($id: ID!, $i: ProductInput!) { updateProduct(id: $id, input: $i) {
  product { id slug name } userErrors { field code } } }"""
CREATE_PROFILE = """mutation($i: PlatformProfileInput!) { createPlatformProfile(input: $i) {
  profile { id reviewUrl platform { key } product { slug } latestRating { average } }
  userErrors { field code } } }"""
UPDATE_PROFILE = """mutation($id: ID!, $i: PlatformProfileInput!) { updatePlatformProfile(id: $id,
  input: $i) { profile { targetRating } userErrors { field code } } }"""
SAVE_SENDER = """mutation($i: SenderInput!) { createSender(input: $i) {
  sender { id name email } userErrors { field code } } }"""
UPDATE_SENDER = """mutation($id: ID!, $i: SenderInput!) { updateSender(id: $id, input: $i) {
  sender { title } userErrors { field code } } }"""
CREATE_PLATFORM = """mutation($i: ReviewPlatformInput!) { createReviewPlatform(input: $i) {
  platform { id key reviewPool } userErrors { field code } } }"""
UPDATE_PLATFORM = """mutation($id: ID!, $i: ReviewPlatformInput!) { updateReviewPlatform(id: $id,
  input: $i) { platform { incentivesAllowed } userErrors { field code } } }"""


@pytest.fixture
async def admin(gql, make_token):
    return gql.as_token(await make_token("admin"))


def codes(payload):
    return [e["code"] for e in payload["userErrors"]]


async def test_product_create_update_and_errors(admin):
    created = (await admin.data(CREATE_PRODUCT, {"i": {"slug": "ledger", "name": "Ledger"}}))
    product = created["createProduct"]["product"]
    assert product["brandColor"] == "#4f46e5" and created["createProduct"]["userErrors"] == []
    dup = (await admin.data(CREATE_PRODUCT, {"i": {"slug": "ledger", "name": "Again"}}))
    assert codes(dup["createProduct"]) == ["SLUG_TAKEN"] and dup["createProduct"]["product"] is None
    bad = (await admin.data(CREATE_PRODUCT, {"i": {"slug": "Bad Slug", "name": " ",
                                                   "brandColor": "red"}}))
    assert sorted(codes(bad["createProduct"])) == ["INVALID_COLOR", "INVALID_SLUG", "NAME_REQUIRED"]
    renamed = (await admin.data(UPDATE_PRODUCT, {"id": product["id"], "i": {"name": "Ledger 2"}}))
    assert renamed["updateProduct"]["product"]["name"] == "Ledger 2"
    missing = (await admin.data(UPDATE_PRODUCT, {"id": gid("Product", 999), "i": {"name": "x"}}))
    assert codes(missing["updateProduct"]) == ["NOT_FOUND"]
    listing = await admin.data('{ products(slug: "ledger") { nodes { name } } }')
    assert listing["products"]["nodes"] == [{"name": "Ledger 2"}]


async def test_product_limited_token_cannot_create_products(gql, make_token, product):
    limited = gql.as_token(await make_token("products:write", product_id=product.id))
    payload = await limited.data(CREATE_PRODUCT, {"i": {"slug": "new", "name": "New"}})
    assert codes(payload["createProduct"]) == ["PRODUCT_FORBIDDEN"]


async def test_platform_profile_create_update_and_errors(admin, product):
    capterra = (await admin.data('{ reviewPlatforms(key: "capterra") { nodes { id } } }'))
    platform_id = capterra["reviewPlatforms"]["nodes"][0]["id"]
    base = {"productId": gid("Product", product.id), "platformId": platform_id,
            "profileUrl": "https://capterra.example/p/1",
            "reviewUrl": "https://capterra.example/p/1/write"}
    created = (await admin.data(CREATE_PROFILE, {"i": base}))["createPlatformProfile"]
    assert created["userErrors"] == []
    assert created["profile"]["platform"]["key"] == "capterra"
    assert created["profile"]["product"]["slug"] == "ledger"
    assert created["profile"]["latestRating"] is None
    again = (await admin.data(CREATE_PROFILE, {"i": base}))["createPlatformProfile"]
    assert codes(again) == ["ALREADY_LISTED"]
    bad = (await admin.data(CREATE_PROFILE, {"i": {**base, "reviewUrl": "javascript:alert(1)",
                                                   "targetRating": 7}}))
    assert sorted(codes(bad["createPlatformProfile"])) == ["INVALID_TARGET", "INVALID_URL"]
    partial = (await admin.data(CREATE_PROFILE, {"i": {"productId": gid("Product", product.id)}}))
    assert sorted(e["field"][0] for e in partial["createPlatformProfile"]["userErrors"]) == \
        ["platformId", "profileUrl", "reviewUrl"]
    updated = (await admin.data(UPDATE_PROFILE, {"id": created["profile"]["id"],
                                                 "i": {"targetRating": 4.6}}))
    assert updated["updatePlatformProfile"]["profile"]["targetRating"] == 4.6


async def test_latest_rating_comes_from_the_newest_snapshot(admin, product):
    import datetime as dt

    from models.catalogue.platforms import PlatformProfile
    from models.catalogue.readings import record_rating_reading
    from models.core.actors import SYSTEM

    profile = PlatformProfile(product=product.id, platform=1, profile_url="https://a.example",
                              review_url="https://a.example/w")
    await profile.save()
    today = dt.date.today()
    await record_rating_reading(SYSTEM, profile.id, today - dt.timedelta(days=40), 4.1, 10)
    await record_rating_reading(SYSTEM, profile.id, today, 4.3, 12)
    await record_rating_reading(SYSTEM, profile.id, today, 4.4, 13)  # same day: replaces
    data = await admin.data("{ platformProfiles { nodes { latestRating { average reviewCount } } } }")
    assert data["platformProfiles"]["nodes"] == [{"latestRating": {"average": 4.4,
                                                                   "reviewCount": 13}}]


async def test_senders(admin):
    created = (await admin.data(SAVE_SENDER, {"i": {"name": "Camille", "email": "CAMILLE@acme.example"}}))
    sender = created["createSender"]["sender"]
    assert sender["email"] == "camille@acme.example"
    dup = await admin.data(SAVE_SENDER, {"i": {"name": "Other", "email": "camille@acme.example"}})
    assert codes(dup["createSender"]) == ["EMAIL_TAKEN"]
    bad = await admin.data(SAVE_SENDER, {"i": {"email": "nope"}})
    assert sorted(codes(bad["createSender"])) == ["INVALID_EMAIL", "NAME_REQUIRED"]
    titled = await admin.data(UPDATE_SENDER, {"id": sender["id"], "i": {"title": "CEO"}})
    assert titled["updateSender"]["sender"]["title"] == "CEO"
    found = await admin.data('{ senders(search: "cami") { nodes { name } } }')
    assert found["senders"]["nodes"] == [{"name": "Camille"}]


async def test_platform_catalogue_is_edited_by_admins_only(admin, gql, make_token):
    created = await admin.data(CREATE_PLATFORM, {"i": {"key": "gartner_peer", "name": "Peer",
                                                       "ratingScale": 5}})
    platform = created["createReviewPlatform"]["platform"]
    assert platform["reviewPool"] == "gartner_peer"
    bad = await admin.data(UPDATE_PLATFORM, {"id": platform["id"], "i": {"incentivesAllowed": True}})
    assert codes(bad["updateReviewPlatform"]) == ["DISCLOSURE_REQUIRED"]
    dup = await admin.data(CREATE_PLATFORM, {"i": {"key": "g2", "name": "G2 again",
                                                   "ratingScale": 5}})
    assert codes(dup["createReviewPlatform"]) == ["KEY_TAKEN"]
    writer = gql.as_token(await make_token("products:write"))
    body = await writer(CREATE_PLATFORM, {"i": {"key": "x", "name": "X", "ratingScale": 5}})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_mutations_write_an_audit_trail(admin):
    from models.access.audit import AuditEvent

    await admin.data(CREATE_PRODUCT, {"i": {"slug": "audited", "name": "Audited"}})
    rows = await AuditEvent.select().where(AuditEvent.action == "product.create")
    assert len(rows) == 1
    assert rows[0]["actor_kind"] == "token" and rows[0]["actor"] == "token:test token"
