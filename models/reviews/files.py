"""Review files: read the CSV exports of review sites into normalised review items.

Each site exports its own columns, date formats and rating scale. A ColumnMapping per export says
which of its columns feed which of our fields (models/reviews/reviews.py), so one reader serves
them all and a new or renamed export is one MAPPINGS entry. The header names mirror the exports
as best known when written: the sites change them without notice, which is why every field
accepts several names and detection can
decline to guess (docs/review-csv-formats.md lists them all).

This module only parses and reports. Every problem is reported with the line a person will look for in
the file, and the row is left out; whether a file with errors is refused whole or imported in part is the
importer's decision. Ratings stay on the platform's scale here: normalising to 5 is the importer's job
(models.reviews.reviews.normalise_rating), and a value off the scale is an error, never rescaled by guesswork.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from models.core.urls import url_problem
from models.reviews.file_formats import (
    GENERIC,
    GENERIC_HEADER,
    MAPPINGS,
    REQUIRED,
    SCALES,
    SUB_RATINGS,
    ColumnMapping,
    _norm,
)

TEXT_FIELDS = ("external_id", "title", "pros", "cons", "body", "reviewer_name", "reviewer_title",
               "reviewer_company", "reviewer_email", "url")
ITEM_KEYS = ("platform_key", "external_id", "original_rating", "original_scale", "sub_ratings", "title",
             "pros", "cons", "body", "reviewer_name", "reviewer_title", "reviewer_company", "reviewer_email",
             "reviewed_on", "language", "url", "incentivized", "insider", "ask_token")
# What a mapping's columns may feed: the item's fields, plus "reference" (a platform's own reference
# column, which becomes ask_token only when it holds one of our tokens).
COLUMN_FIELDS = frozenset(ITEM_KEYS) - {"sub_ratings"} | set(SUB_RATINGS) | {"reference"}
# Lengths of the Review table's columns: longer values would fail at insert, so they fail here, by line.
LIMITS = {"external_id": 200, "reviewer_name": 200, "reviewer_title": 200, "reviewer_company": 200,
          "url": 500}

TRUE_WORDS = frozenset({"yes", "y", "true", "1", "oui", "vrai", "incentivized", "incentivised"})
FALSE_WORDS = frozenset({"", "no", "n", "false", "0", "non", "faux", "not incentivized", "not incentivised",
                         "non incentivized", "non incentivised"})
EMPTY_NUMBERS = frozenset({"", "n/a", "na", "-", "—"})
LANGUAGE_NAMES = {"english": "en", "anglais": "en", "french": "fr", "français": "fr", "francais": "fr",
                  "german": "de", "deutsch": "de", "allemand": "de", "spanish": "es", "español": "es",
                  "espagnol": "es", "italian": "it", "italiano": "it", "dutch": "nl", "nederlands": "nl",
                  "portuguese": "pt", "português": "pt"}
# models.core.links.make_token: "<touch id>.<22 base64url characters>", bare or ending the link.
TOKEN = re.compile(r"(?:^|/)(\d{1,12}\.[A-Za-z0-9_-]{22})/?$")
NUMBER = re.compile(r"(-?\d+(?:[.,]\d+)?)(?:\s*/\s*(\d+))?")


@dataclass(frozen=True)
class RowError:
    line: int
    field: str
    message: str


@dataclass
class ParsedFile:
    platform_key: str
    items: list[tuple[int, dict]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def _rank(header: list[str]) -> list[tuple[tuple[int, int], str]]:
    """Mappings that can read this header, best first: signature columns seen, then known columns seen."""
    cells = {_norm(c) for c in header}
    ranked = []
    for key, m in MAPPINGS.items():
        if all(f in m.resolve(header) for f in REQUIRED):
            signature = {_norm(s) for s in m.signature}
            ranked.append(((len(cells & signature), len(cells & m.known())), key))
    return sorted(ranked, reverse=True)


def detect_platform(header: list[str]) -> str | None:
    """The one mapping that reads this header best; None when none can, or two are equally good."""
    ranked = _rank(header)
    if not ranked or (len(ranked) > 1 and ranked[0][0] == ranked[1][0]):
        return None
    return ranked[0][1]


def _decode(data: bytes | str) -> str:
    """UTF-8 (BOM or not), or cp1252 or UTF-16 as Excel saves them; NULs dropped: PostgreSQL refuses them."""
    if isinstance(data, bytes):
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            data = data.decode("utf-16", errors="replace")
        else:
            try:
                data = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                data = data.decode("cp1252", errors="replace")
    return data.removeprefix("\ufeff").replace("\x00", "")


def _sniff(line: str) -> str:
    """The delimiter seen most often outside quotes in the header line; a comma when none is."""
    counts = dict.fromkeys(",;\t", 0)
    quoted = False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(counts, key=lambda c: counts[c])
    return best if counts[best] else ","


def parse_date(text: str, formats: Iterable[str]) -> date | None:
    """ISO dates and datetimes always (a datetime's own date, as written); then the export's formats."""
    text = " ".join(text.split())
    try:
        return datetime.fromisoformat(text).date()
    except ValueError:
        pass
    for fmt in formats:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def parse_bool(text: str, m: ColumnMapping) -> bool | None:
    """Yes/no in English and French, and the labels exports use; None when it says neither."""
    word = " ".join(text.replace("-", " ").split()).casefold()
    if word in TRUE_WORDS or word in m.true_words:
        return True
    if word in FALSE_WORDS or word in m.false_words:
        return False
    return None


def parse_rating(text: str, scale: int) -> float:
    """A number on 0..scale: "4", "4.5", "4,5" (decimal comma), or "8/10" when 10 is the platform's scale."""
    match = NUMBER.fullmatch(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a rating")
    if match[2] and int(match[2]) != scale:
        raise ValueError(f"{text!r} is not on this platform's 0–{scale} scale")
    value = float(match[1].replace(",", "."))
    if not 0 <= value <= scale:
        raise ValueError(f"{value:g} is outside 0–{scale}")
    return value


def _language(text: str) -> str:
    """Codes ("fr", "fr-FR") and names ("French", "Français") give "fr"; anything else gives "" (unknown)."""
    value = text.strip().casefold()
    code = LANGUAGE_NAMES.get(value) or re.split(r"[-_]", value)[0]
    return code if re.fullmatch(r"[a-z]{2,3}", code) else ""


def _read_row(m: ColumnMapping, cols: dict[str, int], cells: list[str]) -> tuple[dict, list[tuple[str, str]]]:
    """One row as an item, and the (field, message) problems that keep it out."""
    def get(f: str) -> str:
        index = cols.get(f)
        cell = cells[index] if index is not None and index < len(cells) else ""
        return cell.replace("\r\n", "\n").replace("\r", "\n").strip()

    problems: list[tuple[str, str]] = []
    item: dict = {"platform_key": m.platform_key, "external_id": "", "original_rating": None,
                  "original_scale": m.scale, "sub_ratings": {}}
    item.update({f: get(f) for f in TEXT_FIELDS})
    scale = m.scale
    if m.platform_key == GENERIC:
        key = get("platform_key").casefold()
        if key and (key == GENERIC or key not in SCALES):
            problems.append(("platform_key", f"unknown platform {key!r}"))
        scale = SCALES.get(key, scale)
        item["platform_key"] = key if key in SCALES else ""
        if raw_scale := get("original_scale"):
            if not raw_scale.isdecimal() or int(raw_scale) == 0:
                problems.append(("original_scale", f"{raw_scale!r} is not a whole number above 0"))
            elif key in SCALES and int(raw_scale) != scale:
                problems.append(("original_scale", f"{key} rates out of {scale}, not {raw_scale}"))
            else:
                scale = int(raw_scale)
        item["original_scale"] = scale

    for f in REQUIRED:
        if not get(f) or (f == "original_rating" and get(f).casefold() in EMPTY_NUMBERS):
            problems.append((f, f"{f} is required"))
    if (raw := get("original_rating")).casefold() not in EMPTY_NUMBERS:
        try:
            item["original_rating"] = parse_rating(raw, scale)
        except ValueError as exc:
            problems.append(("original_rating", str(exc)))
    for f in SUB_RATINGS:
        if (raw := get(f)).casefold() not in EMPTY_NUMBERS:
            try:
                item["sub_ratings"][f] = parse_rating(raw, scale)
            except ValueError as exc:
                problems.append((f, str(exc)))
    item["reviewed_on"] = parse_date(get("reviewed_on"), m.date_formats)
    if get("reviewed_on") and item["reviewed_on"] is None:
        examples = ["2026-03-01", *(date(2026, 3, 1).strftime(f) for f in m.date_formats[:2])]
        problems.append(("reviewed_on", f"{get('reviewed_on')!r} is not a date like {' or '.join(examples)}"))
    item["language"] = _language(get("language"))
    for f, limit in LIMITS.items():
        if len(item[f]) > limit:
            problems.append((f, f"longer than {limit} characters"))
    if problem := url_problem(item["url"]):
        problems.append(("url", f"{item['url'][:60]!r}: {problem}"))
    for f in ("incentivized", "insider"):
        item[f] = parse_bool(get(f), m)
        if item[f] is None:
            problems.append((f, f"{get(f)!r} is not yes/no"))
    token = TOKEN.search(get("ask_token"))
    if get("ask_token") and not token:
        problems.append(("ask_token", "not a Plaudit tracked-link token"))
    token = token or TOKEN.search(get("reference"))  # a platform reference is ours only if token-shaped
    item["ask_token"] = token[1] if token else ""
    return {k: item[k] for k in ITEM_KEYS}, problems


def parse_reviews_csv(data: bytes | str, platform_key: str | None = None) -> ParsedFile:
    """Every valid row as (line, item), every problem as a RowError; platform_key forces the mapping."""
    if platform_key is not None and platform_key not in MAPPINGS:
        raise ValueError(f"unknown review file format {platform_key!r}")
    text = _decode(data)
    first = next((line for line in text.splitlines() if line.strip()), "")
    given = re.fullmatch(r"\s*sep=(.)\s*", first)  # Excel's delimiter hint line
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=given[1] if given else _sniff(first))
    parsed = ParsedFile(platform_key or "")
    mapping, cols, seen = None, {}, {}
    started, last = False, 0
    try:
        for cells in reader:
            line, last = last + 1, reader.line_num
            if not any(c.strip() for c in cells) or (given and not started and cells[0].startswith("sep=")):
                continue
            if not started:
                started = True
                mapping, cols = _start(parsed, cells, line)
                if mapping is None:
                    return parsed
                continue
            item, problems = _read_row(mapping, cols, cells)
            external_id = item["external_id"]
            if external_id in seen:
                problems.append(("external_id", f"duplicate of line {seen[external_id]}"))
            elif external_id:
                seen[external_id] = line
            parsed.errors += [RowError(line, f, message) for f, message in problems]
            if not problems:
                parsed.items.append((line, item))
    except csv.Error as exc:
        parsed.errors.append(RowError(last + 1, "", f"unreadable CSV: {exc}"))
    if not started:
        parsed.errors.append(RowError(1, "", "the file is empty"))
    return parsed


def _start(parsed: ParsedFile, header: list[str], line: int) -> tuple[ColumnMapping | None, dict[str, int]]:
    """The mapping and its columns for this header; None (with the errors recorded) when it cannot be read."""
    if not parsed.platform_key:
        ranked = _rank(header)
        detected = detect_platform(header)
        if detected is None:
            if ranked:
                tied = ", ".join(k for k in MAPPINGS if (ranked[0][0], k) in ranked)
                message = f"the header fits several formats ({tied}): say which platform the file is from"
            else:
                message = f"the header matches no known review export; known formats: {', '.join(MAPPINGS)}"
            parsed.errors.append(RowError(line, "", message))
            return None, {}
        parsed.platform_key = detected
    mapping = MAPPINGS[parsed.platform_key]
    cols = mapping.resolve(header)
    for f in REQUIRED:
        if f not in cols:
            names = ", ".join(repr(n) for n in mapping.columns[f])
            parsed.errors.append(RowError(line, f, f"no {f} column: expected one of {names}"))
    return (mapping, cols) if all(f in cols for f in REQUIRED) else (None, {})


def format_generic_csv(items: Iterable[dict]) -> str:
    """Items in the generic "plaudit" format, which parse_reviews_csv reads back to the same items."""
    def cell(value: object) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, float):
            return str(int(value)) if value.is_integer() else repr(value)
        return value.isoformat() if isinstance(value, date) else str(value)

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(GENERIC_HEADER)
    for item in items:
        row = {**item, **item["sub_ratings"], "plaudit_token": item["ask_token"]}
        writer.writerow([cell(row.get(column, "")) for column in GENERIC_HEADER])
    return out.getvalue()
