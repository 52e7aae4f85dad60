"""Review files: each platform's CSV export parses to normalised items, and every problem names its line."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.catalogue.known_platforms import PLATFORMS
from models.reviews.file_formats import MAPPINGS, REQUIRED, SUB_RATINGS
from models.reviews.files import (
    COLUMN_FIELDS,
    ITEM_KEYS,
    RowError,
    detect_platform,
    format_generic_csv,
    parse_bool,
    parse_date,
    parse_rating,
    parse_reviews_csv,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "reviews"
# file -> (platform detected, lines of the items)
VALID = {
    "capterra.csv": ("capterra", [2, 5, 6, 7, 8]),         # CRLF rows, multi-line pros on lines 2-4
    "getapp.csv": ("getapp", [2, 3, 4, 5]),                # UTF-8 with BOM, French reviews
    "software_advice.csv": ("software_advice", [2, 3, 4]),  # semicolons, decimal commas
    "crozdesk.csv": ("crozdesk", [2, 3, 4]),               # day-first dates
    "g2.csv": ("g2", [2, 4, 5, 6, 7]),                     # multi-line pros on lines 2-3
    "product_hunt.csv": ("product_hunt", [2, 3, 4]),       # ISO datetimes with offsets
    "trustpilot.csv": ("trustpilot", [2, 3, 4, 5]),        # tabs, day-first dates with times
    "trustradius.csv": ("trustradius", [2, 3, 4, 5, 6]),   # out of 10
    "plaudit.csv": ("plaudit", [2, 3, 4, 5]),              # the generic format
}


def parse(name: str, platform_key: str | None = None):
    return parse_reviews_csv((FIXTURES / name).read_bytes(), platform_key)


def items(name: str) -> dict[str, dict]:
    return {item["external_id"]: item for _, item in parse(name).items}


def errors(parsed) -> list[tuple[int, str]]:
    return [(e.line, e.field) for e in parsed.errors]


def header_of(name: str) -> list[str]:
    text = (FIXTURES / name).read_bytes().decode("utf-8-sig")
    first = text.splitlines()[0]
    delimiter = "\t" if "\t" in first else ";" if ";" in first else ","
    return next(csv.reader([first], delimiter=delimiter))


def test_there_is_one_mapping_per_catalogue_platform_on_its_scale_plus_the_generic_format():
    assert set(MAPPINGS) == {p["key"] for p in PLATFORMS} | {"plaudit"}
    for platform in PLATFORMS:
        assert MAPPINGS[platform["key"]].scale == platform["rating_scale"]
    for key, mapping in MAPPINGS.items():
        assert mapping.platform_key == key
        assert set(mapping.columns) <= COLUMN_FIELDS, key
        assert all(f in mapping.columns for f in REQUIRED), key
        names = [n.casefold() for ns in mapping.columns.values() for n in ns]
        assert len(names) == len(set(names)), f"{key}: a header name feeds two fields"


@pytest.mark.parametrize("name", sorted(VALID))
def test_each_valid_fixture_parses_fully_whether_detected_or_named(name):
    platform, lines = VALID[name]
    parsed = parse(name)
    assert parsed.platform_key == platform
    assert parsed.errors == []
    assert [line for line, _ in parsed.items] == lines
    assert all(tuple(item) == ITEM_KEYS for _, item in parsed.items)
    assert parse(name, platform) == parsed


def test_capterra_item_in_full_with_its_multi_line_pros():
    assert items("capterra.csv")["CAP-1001"] == {
        "platform_key": "capterra", "external_id": "CAP-1001", "original_rating": 5.0, "original_scale": 5,
        "sub_ratings": {"ease_of_use": 5.0, "features": 4.0, "customer_support": 5.0, "value_for_money": 5.0},
        "title": "Our whole team adopted it in a week",
        "pros": "- Easy onboarding\n- Clear reporting\n- Fast support",
        "cons": "The mobile app lags behind the web version.",
        "body": "Setup was quick and support answered within the hour.",
        "reviewer_name": "Dana Whitfield", "reviewer_title": "Operations Manager",
        "reviewer_company": "Brightline Logistics", "reviewer_email": "", "reviewed_on": date(2026, 3, 1),
        "language": "", "url": "https://www.capterra.com/p/100/Acme/reviews/1001/",
        "incentivized": False, "insider": False, "ask_token": "",
    }


@pytest.mark.parametrize(("name", "external_id", "expected"), [
    ("capterra.csv", "CAP-1002", {"reviewed_on": date(2026, 3, 3), "incentivized": True,
                                  "sub_ratings": {"ease_of_use": 4, "features": 5, "customer_support": 3,
                                                  "value_for_money": 4}}),
    ("capterra.csv", "CAP-1003", {"original_rating": 3, "incentivized": True,
                                  "title": "Does the job, pricey"}),
    ("capterra.csv", "CAP-1005", {"original_rating": 1, "sub_ratings": {}, "reviewed_on": date(2026, 1, 5),
                                  "reviewer_company": ""}),
    ("getapp.csv", "GA-501", {"language": "fr", "reviewer_company": "Atelier Lumière", "incentivized": False,
                              "body": "Nous l'utilisons chaque jour pour suivre nos campagnes.",
                              "reviewed_on": date(2026, 4, 2)}),
    ("getapp.csv", "GA-502", {"language": "fr", "incentivized": True, "reviewed_on": date(2026, 2, 9)}),
    ("getapp.csv", "GA-504", {"language": "fr", "original_rating": 1, "pros": ""}),
    ("software_advice.csv", "SA-77", {"original_rating": 4.5, "reviewer_name": "Hélène Petit",
                                      "sub_ratings": {"ease_of_use": 4, "features": 5, "customer_support": 4,
                                                      "value_for_money": 4}}),
    ("software_advice.csv", "SA-78", {"title": "Buggy; slow support", "original_rating": 2}),
    ("software_advice.csv", "SA-79", {"sub_ratings": {"ease_of_use": 3, "features": 3, "customer_support": 4,
                                                      "value_for_money": 3.5}, "incentivized": True}),
    ("crozdesk.csv", "CZ-9001", {"reviewed_on": date(2026, 1, 15), "reviewer_title": "Head of Finance",
                                 "reviewer_company": "Grant & Co", "sub_ratings": {}}),
    ("crozdesk.csv", "CZ-9002", {"reviewed_on": date(2026, 2, 2), "original_rating": 3}),
    ("crozdesk.csv", "CZ-9003", {"reviewed_on": date(2026, 2, 3), "title": "Pas au niveau", "language": ""}),
    ("g2.csv", "G2-100", {"pros": "Integrations.\nThe API is well documented.", "incentivized": True,
                          "body": "We consolidated three tools into one.",
                          "sub_ratings": {"ease_of_use": 5, "features": 5, "customer_support": 4.5}}),
    ("g2.csv", "G2-101", {"incentivized": False, "title": "Très pratique", "reviewed_on": date(2026, 3, 12)}),
    ("g2.csv", "G2-102", {"original_rating": 2.5, "reviewed_on": date(2026, 3, 14)}),
    ("product_hunt.csv", "PH-1", {"reviewer_title": "Indie maker", "cons": "", "sub_ratings": {},
                                  "body": "Love it, shipped my launch page in an hour"}),
    # The date as written, not converted: 23:00 in California is already the 16th in UTC.
    ("product_hunt.csv", "PH-2", {"reviewed_on": date(2026, 2, 15), "original_rating": 3}),
    ("product_hunt.csv", "PH-3", {"reviewed_on": date(2026, 2, 20), "reviewer_name": "Chloé Bernard"}),
    ("trustpilot.csv", "tp-5f1a", {"reviewed_on": date(2026, 3, 1), "language": "fr", "original_rating": 5,
                                   "reviewer_email": "emilie@exemple.fr", "incentivized": False,
                                   "ask_token": "42.Xq3vT9kLmN2pQr5sUw8yZa"}),
    ("trustpilot.csv", "tp-5f1b", {"reviewed_on": date(2026, 3, 2), "ask_token": ""}),  # an order number
    ("trustpilot.csv", "tp-5f1c", {"reviewed_on": date(2026, 3, 5), "original_rating": 1, "title": "Déçu"}),
    ("trustradius.csv", "TR-1", {"original_rating": 9, "original_scale": 10, "reviewed_on": date(2026, 1, 12),
                                 "sub_ratings": {"ease_of_use": 9, "customer_support": 10, "features": 8,
                                                 "value_for_money": 8},
                                 "body": "Used by 400 nurses across three sites for shift planning."}),
    ("trustradius.csv", "TR-4", {"original_rating": 2, "incentivized": False}),
    ("trustradius.csv", "TR-5", {"original_rating": 8, "reviewed_on": date(2026, 2, 18)}),
    ("plaudit.csv", "G2-900", {"platform_key": "g2", "reviewer_email": "nora@quinn.example",
                               "ask_token": "57.Xq3vT9kLmN2pQr5sUw8yZb", "incentivized": True,
                               "sub_ratings": {"ease_of_use": 4, "features": 5, "customer_support": 4}}),
    ("plaudit.csv", "TR-900", {"platform_key": "trustradius", "original_scale": 10, "language": "fr"}),
    ("plaudit.csv", "CAP-900", {"insider": True, "reviewed_on": date(2026, 3, 3)}),
    ("plaudit.csv", "MAN-1", {"platform_key": "", "original_scale": 5, "language": ""}),
])
def test_spot_checked_items(name, external_id, expected):
    item = items(name)[external_id]
    assert {k: item[k] for k in expected} == expected


def test_ratings_span_the_lanes_and_trustradius_stays_out_of_10():
    ratings = {name: sorted(i["original_rating"] for i in items(name).values()) for name in VALID}
    assert ratings["capterra.csv"] == [1, 2, 3, 4, 5]
    assert ratings["g2.csv"] == [1, 2.5, 3, 4, 5]
    assert ratings["trustradius.csv"] == [2, 5, 7, 8, 9]
    assert {i["original_scale"] for i in items("trustradius.csv").values()} == {10}


def test_bad_ratings_are_reported_by_line_and_field():
    parsed = parse("broken_bad_rating.csv")
    assert parsed.platform_key == "capterra"
    assert errors(parsed) == [(2, "original_rating"), (3, "original_rating"), (4, "customer_support"),
                              (5, "incentivized"), (7, "original_rating"), (8, "value_for_money")]
    assert [e.message for e in parsed.errors][:3] == ["6 is outside 0–5", "'four' is not a rating",
                                                     "7 is outside 0–5"]
    assert [line for line, _ in parsed.items] == [9]  # line 6 is blank


def test_missing_and_unreadable_dates_ids_and_ratings_are_reported_by_line_and_field():
    parsed = parse("broken_missing_date.csv")
    assert parsed.platform_key == "g2"
    assert errors(parsed) == [(2, "reviewed_on"), (3, "reviewed_on"), (4, "reviewed_on"), (5, "external_id"),
                              (8, "original_rating"), (8, "reviewed_on")]
    assert parsed.errors[0].message == "reviewed_on is required"
    assert "'13/01/2026' is not a date like 2026-03-01 or 03/01/2026" in parsed.errors[2].message
    assert [line for line, _ in parsed.items] == [6, 9]  # line 6's pros run onto line 7


def test_a_duplicate_id_is_reported_on_the_later_line_counting_multi_line_cells():
    parsed = parse("broken_duplicate_id.csv")
    assert parsed.errors == [RowError(6, "external_id", "duplicate of line 2"),
                             RowError(8, "external_id", "duplicate of line 5")]
    assert [(line, i["external_id"]) for line, i in parsed.items] == [(2, "tp-1"), (5, "tp-2"), (9, "tp-3")]
    assert parsed.items[0][1]["body"] == "Line one\nline two\nline three"


def test_an_unknown_header_is_one_error_listing_the_known_formats():
    parsed = parse("broken_unknown_header.csv")
    assert parsed.platform_key == "" and parsed.items == []
    assert errors(parsed) == [(1, "")]
    assert all(key in parsed.errors[0].message for key in MAPPINGS)


def test_a_cp1252_file_from_excel_on_windows_is_decoded():
    parsed = parse("broken_cp1252.csv")
    assert parsed.platform_key == "capterra" and parsed.errors == []
    first, second = (item for _, item in parsed.items)
    assert first["reviewer_company"] == "Société Générale d’Études"
    assert first["pros"] == "L’équipe support est réactive" and first["cons"] == "Prix en €"
    assert (second["original_rating"], second["incentivized"], second["language"]) == (2, True, "fr")


@pytest.mark.parametrize("name", sorted(VALID))
def test_detect_platform_picks_each_platform_from_its_fixture_header(name):
    assert detect_platform(header_of(name)) == VALID[name][0]


@pytest.mark.parametrize("key", sorted(MAPPINGS))
def test_detect_platform_picks_each_platform_from_its_documented_header(key):
    mapping = MAPPINGS[key]
    header = [names[0] for names in mapping.columns.values()] + list(mapping.signature)
    assert detect_platform(header) == key
    assert detect_platform([f"  {name.upper()} " for name in header]) == key


def test_detection_declines_to_guess_between_look_alike_exports():
    shared = ["Review ID", "Review Date", "Overall Rating", "Pros", "Cons"]
    assert detect_platform(shared) is None
    assert detect_platform(["Name", "Stars"]) is None
    parsed = parse_reviews_csv(",".join(shared) + "\nR-1,03/01/2026,4,a,b\n")
    assert errors(parsed) == [(1, "")]
    assert "several formats (capterra, getapp, software_advice, crozdesk)" in parsed.errors[0].message
    assert len(parse_reviews_csv(",".join(shared) + "\nR-1,03/01/2026,4,a,b\n", "getapp").items) == 1


def test_the_generic_format_round_trips():
    everything = [item for name in VALID for _, item in parse(name).items]
    text = format_generic_csv(everything)
    back = parse_reviews_csv(text)
    assert back.platform_key == "plaudit" and back.errors == []
    assert [item for _, item in back.items] == everything
    assert format_generic_csv(item for _, item in back.items) == text


@pytest.mark.parametrize(("key", "text", "expected"), [
    ("capterra", "2026-03-01", date(2026, 3, 1)),
    ("capterra", "03/01/2026", date(2026, 3, 1)),
    ("capterra", "March 1, 2026", date(2026, 3, 1)),
    ("g2", "Mar 1, 2026", date(2026, 3, 1)),
    ("g2", "03/01/2026 4:30 PM", date(2026, 3, 1)),
    ("trustpilot", "01/03/2026", date(2026, 3, 1)),
    ("trustpilot", "01/03/2026 23:59:59", date(2026, 3, 1)),
    ("crozdesk", "1 March 2026", date(2026, 3, 1)),
    ("product_hunt", "2026-03-01T23:30:00-08:00", date(2026, 3, 1)),
    ("plaudit", "2026-03-01T09:00:00Z", date(2026, 3, 1)),
    ("plaudit", "03/01/2026", None),
    ("capterra", "13/01/2026", None),
    ("trustpilot", "yesterday", None),
])
def test_dates(key, text, expected):
    assert parse_date(text, MAPPINGS[key].date_formats) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("yes", True), ("Yes", True), ("TRUE", True), ("1", True), ("oui", True), ("Incentivized", True),
    ("no", False), ("false", False), ("0", False), ("Non", False), ("Not incentivized", False),
    ("non-incentivized", False), ("", False), ("maybe", None), ("2", None),
])
def test_booleans(text, expected):
    assert parse_bool(text, MAPPINGS["capterra"]) == expected


def test_g2_labels_count_as_booleans_for_g2_only():
    assert parse_bool("Incentivized Review", MAPPINGS["g2"]) is True
    assert parse_bool("Organic", MAPPINGS["g2"]) is False
    assert parse_bool("Organic", MAPPINGS["capterra"]) is None


@pytest.mark.parametrize(("text", "scale", "expected"), [
    ("4", 5, 4.0), ("4.5", 5, 4.5), ("4,5", 5, 4.5), ("0", 5, 0.0), ("8/10", 10, 8.0), (" 9 / 10 ", 10, 9.0),
    ("5.5", 5, "outside"), ("-1", 5, "outside"), ("8/10", 5, "scale"), ("****", 5, "not a rating"),
])
def test_ratings(text, scale, expected):
    if isinstance(expected, float):
        assert parse_rating(text, scale) == expected
    else:
        with pytest.raises(ValueError, match=expected):
            parse_rating(text, scale)


def test_text_input_bom_excel_sep_line_blank_rows_and_extra_columns():
    text = ("\ufeffsep=;\r\nReview Id;Review Stars;Review Created (UTC);Mood\r\n;;;\r\n"
            "t-1;4;02/03/2026;happy\r\n\r\nt-2;2;2026-03-04;grumpy\r\n")
    parsed = parse_reviews_csv(text)
    assert parsed.platform_key == "trustpilot" and parsed.errors == []
    assert [(line, item["reviewed_on"]) for line, item in parsed.items] == [(4, date(2026, 3, 2)),
                                                                           (6, date(2026, 3, 4))]


def test_a_named_platform_whose_required_columns_are_missing_reports_them_on_the_header():
    parsed = parse_reviews_csv("Review ID,Title\nG2-1,Hello\n", "g2")
    assert errors(parsed) == [(1, "original_rating"), (1, "reviewed_on")] and parsed.items == []
    assert "'Star Rating'" in parsed.errors[0].message


def test_empty_files_and_unknown_formats():
    assert parse_reviews_csv(b"").errors == [RowError(1, "", "the file is empty")]
    assert parse_reviews_csv("\n\n").errors == [RowError(1, "", "the file is empty")]
    assert parse_reviews_csv("Review ID,Star Rating,Review Date\n", "g2") == parse_reviews_csv(
        "Review ID,Star Rating,Review Date\n")
    with pytest.raises(ValueError, match="unknown review file format"):
        parse_reviews_csv("a,b\n", "yelp")


def test_generic_rows_are_checked_against_their_platform():
    header = "platform_key,external_id,original_rating,original_scale,reviewed_on,url,plaudit_token,language"
    parsed = parse_reviews_csv("\n".join([header,
        "trustradius,a,9,5,2026-03-01,,,",           # TrustRadius rates out of 10
        "yelp,b,4,,2026-03-01,,,",                    # not a platform we know
        "g2,c,4,,2026-03-01,javascript:alert(1),,",   # never an address a showcase could run
        "g2,d,4,,2026-03-01,,not-a-token,",
        "capterra,e,7,,2026-03-01,,,",                 # out of Capterra's 5
        ",f,7,10,2026-03-01,,,French",                 # no platform: the row's own scale
    ]) + "\n")
    assert errors(parsed) == [(2, "original_scale"), (3, "platform_key"), (4, "url"), (5, "ask_token"),
                              (6, "original_rating")]
    assert [(i["external_id"], i["original_scale"], i["language"]) for _, i in parsed.items] == [
        ("f", 10, "fr")]


def test_sub_ratings_missing_or_not_applicable_are_left_out():
    parsed = parse_reviews_csv("external_id,original_rating,reviewed_on,ease_of_use,features\n"
                               "a,4,2026-03-01,N/A,\n")
    assert parsed.items[0][1]["sub_ratings"] == {}
    assert set(SUB_RATINGS) == {"ease_of_use", "features", "customer_support", "value_for_money"}


def test_excel_unicode_text_and_nul_characters():
    text = "Review Id\tReview Stars\tReview Created (UTC)\tReview Title\nt-1\t5\t2026-03-01\tBi\x00en\n"
    parsed = parse_reviews_csv(text.encode("utf-16"))
    assert parsed.errors == [] and parsed.items[0][1]["title"] == "Bien"


CELLS = st.sampled_from([
    ",", ";", "\t", '"', "\n", "\r\n", " ", "x", "4", "12", "-1", "2026-03-01", "03/01/2026",
    "sep=", "²", "8/10",
    "Review Id", "Review Stars", "Review Created (UTC)", "external_id", "original_rating", "reviewed_on",
    "platform_key", "original_scale", "trustradius",
])


@settings(max_examples=300, deadline=None)
@given(st.lists(CELLS, max_size=60).map("".join), st.sampled_from([None, *MAPPINGS]))
def test_no_file_content_makes_the_parser_raise(text, platform_key):
    parsed = parse_reviews_csv(text, platform_key)
    assert all(line >= 2 and tuple(item) == ITEM_KEYS for line, item in parsed.items)
    assert all(e.line >= 1 for e in parsed.errors)
