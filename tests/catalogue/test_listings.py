"""Listing coverage and completeness: the catalogue against a product's profiles, dated checks of
what each profile carries, scores, gaps, staleness and next steps; product limits; bad input."""

import datetime as dt

from models.catalogue.known_platforms import PLATFORMS, seed_platforms
from models.catalogue.platforms import PlatformProfile, ReviewPlatform
from tests.console import submit
from tests.ids import gid

REPORT = """query($p: ID!) { listingReport(productId: $p) { listedCount platformCount averageScore nextSteps
  platforms { platformKey listed profileId freeListing paidPlacements audienceRegions vendorMayAsk
              profileFields completeness { checkedOn score present gaps stale checkedBy } } } }"""
CHECK = """mutation($id: ID!, $present: [ListingItem!]!, $on: Date, $notes: String) {
  recordListingCheck(profileId: $id, present: $present, checkedOn: $on, notes: $notes) {
    completeness { score gaps present stale } userErrors { field code message } } }"""


async def profiles_of(product_id):
    rows = await PlatformProfile.select(PlatformProfile.id, PlatformProfile.platform.key.as_alias("key")
                                        ).where(PlatformProfile.product == product_id)
    return {r["key"]: gid("PlatformProfile", r["id"]) for r in rows}


async def test_coverage_lists_every_platform_and_what_it_offers(gql, make_token, product):
    client = gql.as_token(await make_token("products:read", "products:write"))
    # Listed on two of the eight.
    for key in ("capterra", "crozdesk"):
        platform = await ReviewPlatform.select(ReviewPlatform.id).where(ReviewPlatform.key == key).first()
        await PlatformProfile.insert(PlatformProfile(product=product.id, platform=platform["id"],
                                                     profile_url=f"https://{key}.example/ledger",
                                                     review_url=f"https://{key}.example/ledger/review"))
    report = (await client.data(REPORT, {"p": gid("Product", product.id)}))["listingReport"]
    assert (report["listedCount"], report["platformCount"], report["averageScore"]) == (2, 8, None)
    by_key = {p["platformKey"]: p for p in report["platforms"]}
    assert [k for k, p in by_key.items() if p["listed"]] == ["capterra", "crozdesk"]
    assert by_key["crozdesk"]["paidPlacements"] == ["ppc", "lead_generation"]
    assert "FAQ" in by_key["crozdesk"]["profileFields"]  # the guide's Crozdesk tip
    assert by_key["trustradius"]["paidPlacements"] == []  # no ads on TrustRadius
    assert by_key["product_hunt"]["vendorMayAsk"] is False and by_key["product_hunt"]["freeListing"]
    assert by_key["crozdesk"]["audienceRegions"] == ["NA", "UK"]
    # Unlisted free platforms and unchecked profiles become next steps.
    steps = report["nextSteps"]
    assert "List the product on G2: the listing is free." in steps
    assert any(s.startswith("Check the Capterra profile against") for s in steps)
    assert any("forbids asking" in s and "Product Hunt" in s for s in steps)


async def test_a_dated_check_scores_the_profile_and_names_the_gaps(gql, make_token, world):
    client = gql.as_token(await make_token("products:read", "products:write"))
    ids = await profiles_of(world["product"].id)
    checked = (await client.data(CHECK, {"id": ids["capterra"], "present": [
        "FEATURES", "PRICING", "SCREENSHOTS", "CATEGORIES"], "notes": "No video yet"}))["recordListingCheck"]
    assert checked["userErrors"] == []
    assert checked["completeness"] == {"score": 0.5, "present": ["FEATURES", "PRICING", "SCREENSHOTS",
                                                                 "CATEGORIES"],
                                       "gaps": ["TRAINING", "SUPPORT", "FAQ", "VIDEO"], "stale": False}
    # Trustpilot profiles carry only three of the items: a full one scores 1.
    full = (await client.data(CHECK, {"id": ids["trustpilot"], "present": [
        "FEATURES", "SUPPORT", "CATEGORIES"]}))["recordListingCheck"]["completeness"]
    assert full["score"] == 1.0 and full["gaps"] == []
    # An old check is stale; a newer one of another day wins; the same day replaces.
    old = (dt.date.today() - dt.timedelta(days=120)).isoformat()
    await client.data(CHECK, {"id": ids["g2"], "present": ["FEATURES"], "on": old})
    report = (await client.data(REPORT, {"p": gid("Product", world["product"].id)}))["listingReport"]
    by_key = {p["platformKey"]: p for p in report["platforms"]}
    assert by_key["g2"]["completeness"]["stale"] and by_key["g2"]["completeness"]["checkedOn"] == old
    assert by_key["capterra"]["completeness"]["checkedBy"] == "token:test token"
    assert report["averageScore"] == round((0.5 + 1.0 + 1 / 7) / 3, 3)
    assert any(s.startswith("On Capterra: say which training options exist") and "add a short video" in s
               for s in report["nextSteps"])
    assert any(s.startswith("Check the G2 profile again") for s in report["nextSteps"])
    again = (await client.data(CHECK, {"id": ids["capterra"], "present": ["FEATURES"]}))["recordListingCheck"]
    assert again["completeness"]["score"] == 0.125
    report = (await client.data(REPORT, {"p": gid("Product", world["product"].id)}))["listingReport"]
    assert {p["platformKey"]: p for p in report["platforms"]}["capterra"]["completeness"]["score"] == 0.125


async def test_bad_checks_are_refused_and_nothing_is_written(gql, make_token, world, other_product):
    client = gql.as_token(await make_token("products:read", "products:write"))
    ids = await profiles_of(world["product"].id)
    not_there = (await client.data(CHECK, {"id": ids["trustpilot"], "present": ["PRICING", "VIDEO"],
                                           "on": "2099-01-01", "notes": "x" * 2001}))["recordListingCheck"]
    assert {e["code"] for e in not_there["userErrors"]} == {"NOT_ON_PLATFORM", "INVALID_DATE", "TOO_LONG"}
    assert "Trustpilot profiles carry no pricing, video" in next(
        e["message"] for e in not_there["userErrors"] if e["code"] == "NOT_ON_PLATFORM")
    wrong_enum = await client(CHECK, {"id": ids["g2"], "present": ["TESTIMONIALS"]})
    assert "TESTIMONIALS" in wrong_enum["errors"][0]["message"]
    overflow = await client(CHECK, {"id": gid("PlatformProfile", 2**70), "present": []})
    assert overflow["errors"][0]["message"] == "`profileId` is not an id returned by this API."
    # Another product's token sees no report and cannot record a check.
    other = gql.as_token(await make_token("products:read", "products:write", product_id=other_product.id))
    assert (await other.data(REPORT, {"p": gid("Product", world["product"].id)}))["listingReport"] is None
    refused = (await other.data(CHECK, {"id": ids["g2"], "present": ["FEATURES"]}))["recordListingCheck"]
    assert refused["userErrors"][0]["code"] == "NOT_FOUND"
    report = (await client.data(REPORT, {"p": gid("Product", world["product"].id)}))["listingReport"]
    assert all(p["completeness"] is None for p in report["platforms"])
    reader = gql.as_token(await make_token("products:read"))
    assert (await reader(CHECK, {"id": ids["g2"], "present": []}))["errors"][0]["extensions"]["code"] == \
        "FORBIDDEN"


async def test_the_report_reads_in_one_query(gql, make_token, world, count_queries):
    client = gql.as_token(await make_token("products:read"))
    count_queries["n"] = 0
    await client.data(REPORT, {"p": gid("Product", world["product"].id)})
    # Token, product exists, the report: no query per platform.
    assert count_queries["n"] <= 4, count_queries["sql"]


async def test_platforms_seeded_before_these_facts_get_them(product):
    await ReviewPlatform.update({ReviewPlatform.profile_fields: [], ReviewPlatform.paid_placements: []},
                                force=True)
    await ReviewPlatform.update({ReviewPlatform.profile_fields: ["features"]}).where(
        ReviewPlatform.key == "g2")  # an admin's edit is kept
    await seed_platforms()
    rows = {r["key"]: r for r in await ReviewPlatform.select()}
    capterra = next(p for p in PLATFORMS if p["key"] == "capterra")
    assert rows["capterra"]["profile_fields"] == capterra["profile_fields"]
    assert rows["capterra"]["paid_placements"] == ["ppc"]
    assert rows["g2"]["profile_fields"] == ["features"]


async def test_the_catalogue_edits_its_listing_facts(gql, make_token):
    client = gql.as_token(await make_token("admin"))
    platform = await ReviewPlatform.select(ReviewPlatform.id).where(ReviewPlatform.key == "g2").first()
    update = """mutation($id: ID!, $i: ReviewPlatformInput!) { updateReviewPlatform(id: $id, input: $i) {
      platform { profileFields paidPlacements freeListing } userErrors { code } } }"""
    done = (await client.data(update, {"id": gid("ReviewPlatform", platform["id"]), "i": {
        "profileFields": ["FEATURES", "VIDEO"], "paidPlacements": ["sponsored"],
        "freeListing": False}}))["updateReviewPlatform"]
    assert done == {"platform": {"profileFields": ["FEATURES", "VIDEO"], "paidPlacements": ["sponsored"],
                                 "freeListing": False}, "userErrors": []}
    bad = (await client.data(update, {"id": gid("ReviewPlatform", platform["id"]), "i": {
        "paidPlacements": ["Pay Per Click!"]}}))["updateReviewPlatform"]
    assert bad["userErrors"] == [{"code": "INVALID_PLACEMENTS"}]


async def test_the_console_reports_and_records_checks(http, console, world):


    profile = await PlatformProfile.select(PlatformProfile.id).where(
        PlatformProfile.platform.key == "crozdesk").first()
    done = await submit(http, console, "record-listing-check", {
        "profile_id": profile["id"], "present": "features, FAQ,pricing", "notes": ""})
    assert done.startswith(f"Profile {profile['id']}: 38% complete on") and "missing training" in done
    refused = await submit(http, console, "record-listing-check", {
        "profile_id": profile["id"], "present": "testimonials"}, status=422)
    assert "Unknown items: testimonials" in refused
    report = await submit(http, console, "listing-report", {"product_slug": "ledger"})
    assert report.startswith("Listed on 8 of 8 platforms; profiles 38% complete on average.")
    assert "• Crozdesk: 38% complete on" in report and "• G2: listed, never checked" in report
    unknown = await submit(http, console, "listing-report", {"product_slug": "nope"},
                           status=422)
    assert "No product with slug 'nope'" in unknown
