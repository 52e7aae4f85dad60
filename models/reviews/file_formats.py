"""The review sites' CSV exports as Plaudit knows them: per export, which columns feed which of
our fields, its rating scale and date formats, and the columns that tell look-alikes apart.
A new or renamed export is one MAPPINGS entry (docs/review-csv-formats.md lists them all)."""

from __future__ import annotations

from dataclasses import dataclass

SUB_RATINGS = ("ease_of_use", "features", "customer_support", "value_for_money")


REQUIRED = ("external_id", "original_rating", "reviewed_on")


GENERIC = "plaudit"


# strptime's %B/%b use the process locale, which Plaudit never changes (C: English month names).
US_DATES = ("%m/%d/%Y", "%B %d, %Y", "%b %d, %Y", "%m/%d/%Y %H:%M", "%m/%d/%Y %I:%M %p")


DAY_FIRST_DATES = ("%d/%m/%Y", "%d %B %Y", "%d %b %Y", "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%d.%m.%Y")


def _norm(name: str) -> str:
    """Header names compare case-, space- and underscore-insensitively: "Review  ID" is "review_id"."""
    return " ".join(name.replace("\ufeff", "").replace("_", " ").split()).casefold()


@dataclass(frozen=True)
class ColumnMapping:
    platform_key: str
    scale: int
    columns: dict[str, tuple[str, ...]]
    date_formats: tuple[str, ...]
    # Columns only this export has: they decide detection between look-alike exports (the Gartner three).
    signature: tuple[str, ...] = ()
    # Known columns deliberately not imported ("Likelihood to Recommend", company size, replies, …).
    ignored: tuple[str, ...] = ()
    true_words: frozenset[str] = frozenset()
    false_words: frozenset[str] = frozenset()

    def resolve(self, header: list[str]) -> dict[str, int]:
        """Our field -> index of the first header cell that names it; other cells are ignored."""
        wanted = {_norm(name): f for f, names in self.columns.items() for name in names}
        found: dict[str, int] = {}
        for index, cell in enumerate(header):
            f = wanted.get(_norm(cell))
            if f and f not in found:
                found[f] = index
        return found

    def known(self) -> set[str]:
        return {_norm(n) for names in self.columns.values() for n in names} | {_norm(n) for n in self.ignored}


# Capterra, GetApp and Software Advice share one review pool and near-identical exports: the same columns,
# told apart by their signature columns only.
GARTNER_COLUMNS = {
    "external_id": ("Review ID",), "original_rating": ("Overall Rating",), "ease_of_use": ("Ease of Use",),
    "features": ("Features", "Functionality"), "customer_support": ("Customer Service", "Customer Support"),
    "value_for_money": ("Value for Money",), "title": ("Title", "Review Title"), "pros": ("Pros",),
    "cons": ("Cons",), "body": ("Overall", "Comments"), "reviewer_name": ("Reviewer Name", "Reviewer"),
    "reviewer_title": ("Job Title",), "reviewer_company": ("Company Name", "Company"),
    "reviewed_on": ("Review Date", "Date"), "incentivized": ("Incentivized",), "language": ("Language",),
    "url": ("Review URL", "Review Link")}


_GARTNER_IGNORED = ("Industry", "Company Size", "Likelihood to Recommend", "Time Used")


MAPPINGS: dict[str, ColumnMapping] = {m.platform_key: m for m in [
    ColumnMapping("capterra", 5, dict(GARTNER_COLUMNS), US_DATES,
                  signature=("Likelihood to Recommend", "Time Used"), ignored=_GARTNER_IGNORED),
    ColumnMapping("getapp", 5, dict(GARTNER_COLUMNS), US_DATES,
                  signature=("Review Link", "Used For"), ignored=(*_GARTNER_IGNORED, "Used For")),
    ColumnMapping("software_advice", 5, dict(GARTNER_COLUMNS), US_DATES,
                  signature=("Functionality", "Frequency of Use"),
                  ignored=(*_GARTNER_IGNORED, "Frequency of Use")),
    ColumnMapping("crozdesk", 5, {
        "external_id": ("Review ID",), "original_rating": ("Rating", "Overall Rating"),
        "title": ("Review Title", "Title"), "pros": ("Pros",), "cons": ("Cons",),
        "body": ("Review Text", "Review"), "reviewer_name": ("Reviewer Name", "Reviewer"),
        "reviewer_title": ("Position", "Job Title"), "reviewer_company": ("Organisation", "Company"),
        "reviewed_on": ("Date Published", "Review Date", "Date"), "language": ("Language",),
        "url": ("Review URL",)}, DAY_FIRST_DATES,
        signature=("Position", "Organisation", "Date Published"), ignored=("Organisation Size", "Verified")),
    ColumnMapping("g2", 5, {
        "external_id": ("Review ID",), "original_rating": ("Star Rating",),
        "title": ("Title", "Review Title"),
        "pros": ("What do you like best?", "What do you like best about the product?"),
        "cons": ("What do you dislike?", "What do you dislike about the product?"),
        "body": ("What problems is the product solving and how is that benefiting you?",
                 "What problems are you solving with the product?"),
        "ease_of_use": ("Ease of Use",), "features": ("Meets Requirements",),
        "customer_support": ("Quality of Support",), "reviewed_on": ("Review Date", "Submitted At"),
        "reviewer_name": ("Reviewer", "Reviewer Name"), "reviewer_title": ("Job Title", "Reviewer Title"),
        "reviewer_company": ("Company", "Company Name"),
        "incentivized": ("Incentivized review", "Incentivized"), "language": ("Language", "Review Language"),
        "url": ("Review URL", "URL"),
        # Campaign reviews carry the review form's UTM parameters: Plaudit's token rides in
        # utm_content (models/asking/attribution.py).
        "reference": ("UTM Content", "utm_content")}, US_DATES,
        signature=("Star Rating", "What do you like best?", "What do you dislike?", "Meets Requirements"),
        ignored=("Recommendations to others considering the product", "Segment", "Industry",
                 "Review Source", "Validated Reviewer", "Ease of Setup", "Ease of Admin"),
        true_words=frozenset({"incentivized review"}), false_words=frozenset({"organic"})),
    ColumnMapping("product_hunt", 5, {
        "external_id": ("Review ID", "ID"), "original_rating": ("Rating",), "pros": ("Pros",),
        "cons": ("Cons",), "body": ("Review", "Comment", "Body"), "reviewer_name": ("Name", "User Name"),
        "reviewer_title": ("Headline",), "reviewed_on": ("Created At", "Date"), "url": ("URL", "Review URL")},
        US_DATES, signature=("Headline", "Username", "Votes"), ignored=("Username", "Votes")),
    ColumnMapping("trustpilot", 5, {
        "external_id": ("Review Id",), "original_rating": ("Review Stars",), "title": ("Review Title",),
        "body": ("Review Content",), "reviewer_name": ("Review Username", "Reviewer Name", "Consumer Name"),
        "reviewer_email": ("Review User Email", "Reference Email", "Reviewer Email"),
        "reviewed_on": ("Review Created (UTC)", "Review Date"), "language": ("Review Language",),
        "url": ("Review Link", "Review URL"), "reference": ("Reference Id",)}, DAY_FIRST_DATES,
        signature=("Review Stars", "Review Created (UTC)", "Review Consumer User Id", "Business Unit Id"),
        ignored=("Review Consumer User Id", "Source Of Review", "Domain URL", "Webshop Name",
                 "Business Unit Id", "Tags", "Company Reply Date (UTC)", "Reply Content", "Location Name")),
    ColumnMapping("trustradius", 10, {
        "external_id": ("Review ID",), "original_rating": ("Rating", "Rating (out of 10)", "Score"),
        "ease_of_use": ("Usability",), "features": ("Feature Rating", "Features Rating"),
        "customer_support": ("Support Rating",), "value_for_money": ("Value Rating", "Value for Money"),
        "title": ("Review Title", "Title"), "pros": ("Pros",), "cons": ("Cons",),
        "body": ("Use Cases and Deployment Scope", "Review Summary"),
        "reviewer_name": ("Reviewer Name", "Reviewer"), "reviewer_title": ("Job Title", "Reviewer Title"),
        "reviewer_company": ("Company", "Organization"), "reviewed_on": ("Published Date", "Review Date"),
        "incentivized": ("Incentivized",), "language": ("Language",), "url": ("Review URL",)}, US_DATES,
        signature=("Usability", "Support Rating", "Use Cases and Deployment Scope", "Likelihood to Renew"),
        ignored=("Likelihood to Renew", "Implementation Rating", "Return on Investment", "Company Size",
                 "Industry")),
]}


SCALES = {key: m.scale for key, m in MAPPINGS.items()}


GENERIC_HEADER = ("platform_key", "external_id", "original_rating", "original_scale", *SUB_RATINGS, "title",
                  "pros", "cons", "body", "reviewer_name", "reviewer_title", "reviewer_company",
                  "reviewer_email", "reviewed_on", "language", "url", "incentivized", "insider",
                  "plaudit_token")
MAPPINGS[GENERIC] = ColumnMapping(
    GENERIC, 5, {**{f: (f,) for f in GENERIC_HEADER[:-1]}, "ask_token": ("plaudit_token", "ask_token")},
    (), signature=REQUIRED)
