"""Message rules: lint an ask's subject and body before a campaign starts, and render them safely.

The rules come from the review-request playbook (seed/000_…): one call to action, short, a subject
that says what it asks, a named sender, a reason, thanks at start and end. Two go further than the
playbook because law and platform rules do (PRODUCT.md, "Compliant by construction"): never ask for
a positive or 5-star review, never tie an incentive to the rating.

Templates know `{{ name }}` placeholders and nothing else. That is the sandbox: no expressions,
filters, attribute access or loops, and values are inserted in one pass, so a customer whose company
is called "{{ review_link }}" gets exactly that text, never a second link.

Keyword lists of both languages apply whatever the draft's locale: a prohibition must not be dodged
by writing it in the other language, and a reason or a thanks counts in either.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from html import escape
from itertools import groupby

PLACEHOLDERS: dict[str, str] = {
    "first_name": "The customer's first name.",
    "last_name": "The customer's last name.",
    "company": "The customer's company.",
    "product": "The product to review.",
    "platform": "The review platform the ask links to, e.g. G2 or Capterra.",
    "sender_name": "The named person the ask is sent from.",
    "sender_title": "That person's job title.",
    "review_link": "The tracked link to the platform's review form: the message's one call to action.",
}
CTA = "review_link"
# The playbook's example ask has fewer than 90 words: above that, a warning. At 150 (two thirds longer)
# the message is no longer a short ask, and the campaign may not start until it is cut.
WORDS_WARN = 90
WORDS_ERROR = 150

ERROR, WARNING = "error", "warning"
RULES = ("ONE_CTA", "LENGTH", "SUBJECT_SAYS_WHAT", "NAMED_SENDER", "REASON", "THANKS",
         "NO_POSITIVE_REQUEST", "NO_RATING_INCENTIVE", "INCENTIVE_DISCLOSURE", "UNKNOWN_PLACEHOLDER")
FIELDS = ("subject", "body", "sender", "incentive")


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    message: str
    field: str


@dataclass(frozen=True)
class Incentive:
    """What every reviewer gets. Conditional on the rating, it is forbidden (16 CFR 465.4)."""

    description: str
    conditional_on_rating: bool = False


@dataclass(frozen=True)
class MessageDraft:
    subject: str
    body: str
    locale: str
    sender_name: str
    sender_title: str
    incentive: Incentive | None = None


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    text: str
    html: str


class UnknownPlaceholder(ValueError):
    """A template names a placeholder that does not exist, or that no value was given for."""


# --- templates ---------------------------------------------------------------------------

# Anything between double braces is a placeholder name; whatever is not a known name is refused,
# so `{{ user.email }}` or `{{ 7*7 }}` is an unknown placeholder, never evaluated.
_PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
_BLANK_LINE = re.compile(r"\n[ \t]*\n\s*")
_HTTP_URL = re.compile(r"https?://", re.IGNORECASE)
_KNOWN = ", ".join(PLACEHOLDERS)


def placeholders_in(template: str) -> list[str]:
    return [match.group(1) for match in _PLACEHOLDER.finditer(template)]


def _value(name: str, values: dict[str, str]) -> str:
    if name not in PLACEHOLDERS:
        raise UnknownPlaceholder(f"{{{{ {name} }}}} is not a placeholder; use one of: {_KNOWN}.")
    if values.get(name) is None:
        raise UnknownPlaceholder(f"No value given for {{{{ {name} }}}}.")
    return values[name]


def _substitute(template: str, values: dict[str, str], literal: Callable[[str], str],
                value: Callable[[str, str], str]) -> str:
    """One pass over the template: a value's own text is never looked at for placeholders again."""
    out, position = [], 0
    for match in _PLACEHOLDER.finditer(template):
        out.append(literal(template[position:match.start()]))
        out.append(value(match.group(1), _value(match.group(1), values)))
        position = match.end()
    out.append(literal(template[position:]))
    return "".join(out)


def render(template: str, values: dict[str, str], *, html: bool = False) -> str:
    literal = escape if html else str
    return _substitute(template, values, literal, lambda _name, text: literal(text))


def _html_text(text: str) -> str:
    return escape(text).replace("\n", "<br>\n")


def _html_value(name: str, text: str) -> str:
    """The review link is the one clickable thing, and its text is the URL itself.

    What the reader sees is where the link goes (mismatched link text is what phishing filters flag),
    and the HTML part reads like the plain-text part. Only http(s) URLs: never `javascript:`.
    """
    if name != CTA:
        return _html_text(text)
    if not _HTTP_URL.match(text):
        raise ValueError("The review link must be an http(s) URL.")
    return f'<a href="{escape(text)}">{escape(text)}</a>'


def render_message(draft: MessageDraft, values: dict[str, str]) -> RenderedMessage:
    """Render a draft for sending; lint it first (a campaign with errors does not start).

    The subject is one line: a line break, from the template or a value, becomes a space, so no value
    can add a mail header. The body's paragraphs are separated by blank lines in the template only.
    """
    body = draft.body.replace("\r\n", "\n").replace("\r", "\n").strip()
    paragraphs = [part.strip() for part in _BLANK_LINE.split(body) if part.strip()]
    html = "\n".join(f"<p>{_substitute(p, values, _html_text, _html_value)}</p>" for p in paragraphs)
    return RenderedMessage(" ".join(render(draft.subject, values).split()), render(body, values), html)


# --- keyword matching --------------------------------------------------------------------

_PUNCT = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-"})


class _Folded:
    """Text in lower case, without accents, with one kind of apostrophe, dash and space.

    Remembers where each folded character came from, so a finding quotes the author's own words.
    """

    def __init__(self, text: str, source: str | None = None) -> None:
        chars: list[str] = []
        self._origin: list[int] = []
        for index, char in enumerate(text):
            if char.isspace():
                if chars and chars[-1] == " ":
                    continue
                folded = " "
            else:
                decomposed = unicodedata.normalize("NFKD", char.translate(_PUNCT).casefold())
                folded = "".join(c for c in decomposed if not unicodedata.combining(c))
            chars.extend(folded)
            self._origin.extend([index] * len(folded))
        self.text = "".join(chars)
        self._source = text if source is None else source

    def quote(self, match: re.Match[str]) -> str:
        return self._source[self._origin[match.start()]:self._origin[match.end() - 1] + 1]


def _mask(template: str) -> str:
    """Placeholders hidden (same length, no word characters): `{{ review_link }}` is not "review"."""
    return _PLACEHOLDER.sub(lambda match: "#" * len(match.group()), template)


def _scan(template: str) -> _Folded:
    return _Folded(_mask(template), template)


def _words(*fragments: str) -> re.Pattern[str]:
    """Folded fragments matched at the start of a word: "remerci" finds remercie and remercier."""
    return re.compile(r"\b(?:" + "|".join(fragments) + ")")


_SUBJECT_WORDS = _words("review", "feedback", "rate", "rating", "opinion", "experience", "hear from you",
                        "minute", "avis", "evalu", "retour", "nouvelles")
_REASON_WORDS = _words("because", "so that", "so we can", "helps", r"(?:will|would) help", "it means",
                       r"(?:would|will) mean", "parce qu", r"car\b", "afin (?:de|d'|que|qu)", "pour qu",
                       r"nous aider(?:a|ait)\b", r"permettr(?:a|ait)\b")
_THANKS_WORDS = _words("thank", "grateful", "appreciat", "merci", "remerci", "reconnaissant")
_POSITIVE_REQUEST = _words(
    r"(?:5|five)[- ]?stars?\b", r"(?:positive|good|great|glowing) (?:review|rating|feedback)", "glowing",
    r"(?:only )?if you(?:'re| are) (?:happy|satisfied|pleased)(?! to\b)",  # "happy to help" is willing
    r"(?:5|cinq)[- ]?etoiles?", r"avis (?:positif|favorable|elogieux)", r"(?:bons?|excellents?) avis",
    r"(?:seulement |uniquement )?si vous etes (?:satisfait|content|ravi)")
_REWARD = _words("reward", "gift", "discount", "voucher", "coupon", "free month", "month free",
                 "recompense", "cadeau", "reduction", "bons? d'achat", "mois gratuit")
# Rating words, narrowed where the plain word is everyday language: "5" but not "€5", "5%" or
# "5 minutes"; "good" only before rating/review ("good news" is no rating); French "note" only in
# rating phrasing ("note" is common English).
_NOT_A_RATING = (r"%|€|\$|£|euros?\b|eur\b|usd\b|dollars?\b|percent|pour ?cent|min|mn\b|mois|month|day|jour|"
                 "week|semaine")
_RATING = _words(rf"(?<![€$£])(?:5|five|cinq)\b(?!\s?(?:{_NOT_A_RATING}))", r"stars?\b", "positi",
                 r"good (?:rating|review|score|mark)", "rating", r"(?:votre|une|bonne) note\b",
                 r"note (?:de|maximale|elevee)", "etoile")
# "Everyone gets a gift card, whatever their rating" is the compliant disclosure, not a tie.
_SAME_WHATEVER = _words("whatever", "regardless", "no matter", "irrespective", "independent", "or negative",
                        "or bad", r"quel(?:le)?s? que soi", "peu importe", "independamment", "ou negati",
                        "ou mauvais")
_OTHER_LINK = re.compile(r"(?:https?://|www\.|mailto:)\S*", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n")
_GREETING = frozenset({"hi", "hello", "hey", "dear", "greetings", "good", "morning", "afternoon", "evening",
                       "bonjour", "bonsoir", "salut", "cher", "chere"})
_CLOSING = frozenset({"regards", "best", "kind", "warm", "warmest", "sincerely", "yours", "cheers", "all",
                      "the", "cordialement", "bien", "a", "vous", "salutations", "amicalement", "bientot",
                      "bonne", "journee"})


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _listing(items: Iterable[str]) -> str:
    return ", ".join(f'"{item}"' for item in items)


def _is_only(line: str, words: frozenset[str], names: set[str]) -> bool:
    """The line holds only these words and these placeholders: a greeting, or a signature line."""
    if not set(placeholders_in(line)) <= names:
        return False
    return set(re.findall(r"\w+", _scan(line).text)) <= words


def _core_paragraphs(body: str) -> list[str]:
    """The body's paragraphs, without a leading greeting or a trailing signature."""
    paragraphs = [part.splitlines() for part in _BLANK_LINE.split(body.replace("\r", "").strip())]
    lines = [(number, line) for number, part in enumerate(paragraphs) for line in part if line.strip()]
    while lines and _is_only(lines[0][1], _GREETING, {"first_name", "last_name"}):
        lines.pop(0)
    while lines and _is_only(lines[-1][1], _CLOSING, {"sender_name", "sender_title"}):
        lines.pop()
    return ["\n".join(line for _, line in part) for _, part in groupby(lines, key=lambda pair: pair[0])]


def _sentences(template: str) -> Iterator[tuple[str, _Folded]]:
    masked, start = _mask(template), 0
    for end, resume in [(m.start(), m.end()) for m in _SENTENCE_END.finditer(masked)] + [(len(masked), 0)]:
        yield template[start:end].strip(), _Folded(masked[start:end])
        start = resume


# --- the rules, in RULES order -----------------------------------------------------------

_TAG = "{{ " + CTA + " }}"


def _texts(draft: MessageDraft) -> tuple[tuple[str, str], ...]:
    return ("subject", draft.subject), ("body", draft.body)


def _one_cta(draft: MessageDraft) -> list[Finding]:
    count, found = placeholders_in(draft.body).count(CTA), []
    if count != 1:
        found.append(Finding("ONE_CTA", ERROR, f"{_TAG} is in the body {count} times: keep exactly one, "
                             "so the reader has one thing to do." if count else f"The body has no {_TAG}: "
                             "add it once, as the message's one call to action.", "body"))
    if CTA in placeholders_in(draft.subject):
        found.append(Finding("ONE_CTA", ERROR, f"Move {_TAG} out of the subject: the link belongs in "
                             "the body, once.", "subject"))
    for field, text in _texts(draft):
        links = _unique(m.group().rstrip(".,;:!?)»\"'") for m in _OTHER_LINK.finditer(text))
        if links:
            found.append(Finding("ONE_CTA", ERROR, f"Remove {_listing(links)}: the review link must be "
                                 "the message's only link.", field))
    return found


def _length(draft: MessageDraft) -> list[Finding]:
    words = sum(1 for token in _PLACEHOLDER.sub("X", draft.body).split() if re.search(r"\w", token))
    if words <= WORDS_WARN:
        return []
    return [Finding("LENGTH", ERROR if words > WORDS_ERROR else WARNING, f"The body has {words} words: "
                    f"keep it to about {WORDS_WARN} (more than {WORDS_ERROR} is refused): who you are, "
                    "why it matters, what to do.", "body")]


def _subject_says_what(draft: MessageDraft) -> list[Finding]:
    if _SUBJECT_WORDS.search(_scan(draft.subject).text):
        return []
    problem = "is empty" if not draft.subject.strip() else "does not say what you ask"
    return [Finding("SUBJECT_SAYS_WHAT", ERROR, f"The subject {problem}: mention a review, feedback or "
                    "a minute of their time, e.g. \"Do you have a minute to review {{ product }}?\".",
                    "subject")]


def _named_sender(draft: MessageDraft) -> list[Finding]:
    return [Finding("NAMED_SENDER", ERROR, f"Give the sender's {what}: an ask from a named, preferably "
                    "senior, person is answered more often.", "sender")
            for what, value in (("name", draft.sender_name), ("title", draft.sender_title))
            if not value.strip()]


def _reason(draft: MessageDraft) -> list[Finding]:
    return [] if _REASON_WORDS.search(_scan(draft.body).text) else [Finding(
        "REASON", ERROR, "Say why the review matters, e.g. \"because your review helps us improve\" / "
        "\"parce que votre avis nous aidera\".", "body")]


def _thanks(draft: MessageDraft) -> list[Finding]:
    if not _THANKS_WORDS.search(_scan(draft.body).text):
        return [Finding("THANKS", ERROR, "Thank the reader: the body has no thanks. Start and end with "
                        "one.", "body")]
    core = _core_paragraphs(draft.body)
    missing = [where for where, part in (("first", core[:1]), ("last", core[-1:]))
               if not any(_THANKS_WORDS.search(_scan(p).text) for p in part)]
    if not missing:
        return []
    return [Finding("THANKS", WARNING, f"Thank the reader in the {' and '.join(missing)} paragraph too: "
                    "start and end with thanks.", "body")]


def _no_positive_request(draft: MessageDraft) -> list[Finding]:
    found = []
    for field, text in _texts(draft):
        scan = _scan(text)
        phrases = _unique(scan.quote(m) for m in _POSITIVE_REQUEST.finditer(scan.text))
        if phrases:
            found.append(Finding("NO_POSITIVE_REQUEST", ERROR, f"Do not ask for a positive or 5-star "
                                 f"review ({_listing(phrases)}): ask for an honest one. Steering the "
                                 "rating is forbidden by the FTC and the review platforms.", field))
    return found


def _no_rating_incentive(draft: MessageDraft) -> list[Finding]:
    found = []
    for field, text in _texts(draft):
        tied = [sentence for sentence, folded in _sentences(text) if _REWARD.search(folded.text)
                and _RATING.search(folded.text) and not _SAME_WHATEVER.search(folded.text)]
        if tied:
            found.append(Finding("NO_RATING_INCENTIVE", ERROR, f"{_listing(tied)} ties a reward to the "
                                 "rating: offer the same to every reviewer, whatever they write.", field))
    if draft.incentive is not None and draft.incentive.conditional_on_rating:
        found.append(Finding("NO_RATING_INCENTIVE", ERROR, "The incentive depends on the rating: give it "
                             "to every reviewer, whatever they write (16 CFR 465.4), or drop it.",
                             "incentive"))
    return found


def _incentive_disclosure(draft: MessageDraft) -> list[Finding]:
    if draft.incentive is None:
        return []
    body = _scan(draft.body).text
    described = _Folded(draft.incentive.description).text.strip()
    if (described and described in body) or _REWARD.search(body):
        return []
    return [Finding("INCENTIVE_DISCLOSURE", WARNING, f"Say in the body that every reviewer gets "
                    f"{draft.incentive.description or 'the incentive'}, whatever their rating: an "
                    "incentive must be disclosed.", "body")]


def _unknown_placeholder(draft: MessageDraft) -> list[Finding]:
    found = []
    for field, text in _texts(draft):
        for name in _unique(n for n in placeholders_in(text) if n not in PLACEHOLDERS):
            found.append(Finding("UNKNOWN_PLACEHOLDER", ERROR, f"{{{{ {name} }}}} is not a placeholder; "
                                 f"use one of: {_KNOWN}.", field))
        rest = _PLACEHOLDER.sub("", text)
        if "{{" in rest or "}}" in rest:
            found.append(Finding("UNKNOWN_PLACEHOLDER", ERROR, "Unbalanced braces: write a placeholder "
                                 "as {{ name }}.", field))
    return found


_CHECKS = (_one_cta, _length, _subject_says_what, _named_sender, _reason, _thanks, _no_positive_request,
           _no_rating_incentive, _incentive_disclosure, _unknown_placeholder)


def lint(draft: MessageDraft) -> list[Finding]:
    """Every finding, errors and warnings, in RULES order then FIELDS order, stable."""
    findings = [finding for check in _CHECKS for finding in check(draft)]
    return sorted(findings, key=lambda f: (RULES.index(f.rule), FIELDS.index(f.field)))


def has_errors(findings: list[Finding]) -> bool:
    return any(finding.severity == ERROR for finding in findings)
