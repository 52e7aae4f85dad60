"""Finding team members named in a customer's words, in English and French.

Pure functions (no database): `find_mentions(fields, roster, rating_lane)` returns who is named,
the sentence that names them (verbatim) and how they are spoken of.

- Names are compared folded: accents and case do not matter ("Hélène" is "helene"), nor do
  apostrophes and hyphens inside a name ("Jean-Luc").
- A full name ("Marie Dupont") always counts. A first name or an alias alone counts when it is
  written as a name — capitalised — and is not the first word of someone else's full name
  ("Marie Curie" is not Marie Dupont).
- A first name that is also a common word in either language (Will, Grace — and "grâce à" —,
  Mark, Rose, Pierre, Guy, …) counts only beside a cue that it is a person here: a team word
  (support, team, équipe, onboarding, …) or a word of that member's role, in the same sentence,
  and never as the sentence's first word without one ("Will you fix it?" names nobody).
- Two members sharing the named first name: the one whose role the sentence mentions, else
  nobody (a shout-out to the wrong person is worse than none).
- How they are spoken of: a mention in the cons is negative and in the pros positive; elsewhere
  the sentence's own words decide (negated praise — "not helpful", "pas aimable" — is negative),
  and when they do not, the review's rating lane does (praise positive, improve negative,
  outreach neutral).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_WORDS = 500

def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")

# First names that are also everyday words (English or French).
COMMON_WORDS = _words("""
will mark grace rose bill joy hope may june april august frank guy pierre olive summer max art
rich sunny chase faith victor patience prudence constance aurore aimee blanche claire colombe
fleur france marine prune reine rosa sage sandy sky dawn amber autumn ruby pearl iris lily
jasmine daisy holly ivy violet heather hazel jade crystal destiny honor honour justice
""")

TEAM_CUES = _words("""
support team equipe success sales ventes onboarding manager account csm engineer ingenieur
consultant conseiller conseillere service helpdesk customer client clients trainer formateur
formatrice developer developpeur developpeuse agent rep representative
""")

POSITIVE = _words("""
amazing great helpful helped excellent fantastic wonderful awesome super brilliant outstanding
patient kind quick fast responsive friendly best perfect thanks thank love loved professional
genial geniale formidable merci top rapide efficace aimable parfait parfaite disponible
reactif reactive gentil gentille extraordinaire incroyable bravo adorable serviable
""")

NEGATIVE = _words("""
rude never slow unhelpful ignored ignore ignores worst terrible awful bad poor unprofessional
useless impolite dismissive late incompetent arrogant impoli impolie jamais lent lente
desagreable nul nulle pire mauvais mauvaise incompetente inutile injoignable decevant decevante
""")

NEGATORS = _words("not never no nobody pas jamais aucun aucune ni")
POSITIVE_PHRASES = (("grace", "a"), ("thanks", "to"), ("merci", "a"), ("shout", "out"))


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c))
    return text.replace("’", "'").lower()


@dataclass(frozen=True)
class Member:
    key: object  # the caller's id for this member
    name: str
    aliases: tuple[str, ...] = ()
    role: str = ""

    @property
    def full(self) -> tuple[str, ...]:
        return tuple(fold(w) for w in WORD.findall(self.name))

    @property
    def first_names(self) -> set[str]:
        names = {fold(a).strip() for a in self.aliases if a.strip()}
        if self.full:
            names.add(self.full[0])
        return names

    @property
    def role_words(self) -> set[str]:
        return {fold(w) for w in WORD.findall(self.role) if len(w) > 2}


@dataclass(frozen=True)
class Mention:
    member: object
    written: str  # the name as the customer wrote it
    words: str  # the sentence that names them, verbatim
    polarity: str  # positive | negative | neutral
    field: str


@dataclass
class _Token:
    text: str
    folded: str
    start: int
    end: int


def _sentences(text: str) -> list[tuple[str, list[_Token]]]:
    found = []
    for sentence in SENTENCE_END.split(text or ""):
        if sentence.strip():
            tokens = [_Token(m.group(), fold(m.group()), m.start(), m.end())
                      for m in WORD.finditer(sentence)]
            found.append((sentence, tokens))
    return found


def polarity_of(tokens: list[_Token], field: str, lane: str | None) -> str:
    if field == "cons":
        return "negative"
    if field == "pros":
        return "positive"
    words = [t.folded for t in tokens]
    positive = any(pair in POSITIVE_PHRASES for pair in zip(words, words[1:], strict=False))
    negative = False
    for i, word in enumerate(words):
        negated = any(w in NEGATORS or w.endswith("n't") for w in words[max(0, i - 2):i])
        if word in POSITIVE:
            if negated:
                negative = True
            else:
                positive = True
        elif word in NEGATIVE:
            negative = True
    if positive != negative:
        return "positive" if positive else "negative"
    return {"praise": "positive", "improve": "negative"}.get(lane or "", "neutral")


def _capitalised(token: _Token) -> bool:
    return token.text[:1].isupper()


def _hits(sentence: str, tokens: list[_Token], roster: list[Member]) -> list[tuple[Member, str]]:
    """(member, the name as written) for each member this sentence names."""
    words = {t.folded for t in tokens}
    hits: dict[object, tuple[Member, str]] = {}
    by_first_name: dict[int, list[Member]] = {}
    for member in roster:
        full = member.full
        if len(full) > 1:
            for i in range(len(tokens) - len(full) + 1):
                if tuple(t.folded for t in tokens[i:i + len(full)]) == full:
                    hits[member.key] = (member, " ".join(t.text for t in tokens[i:i + len(full)]))
                    break
        if member.key in hits:
            continue
        for i, token in enumerate(tokens):
            if token.folded not in member.first_names or not _capitalised(token):
                continue
            following = tokens[i + 1] if i + 1 < len(tokens) else None
            if (following is not None and _capitalised(following)
                    and not sentence[token.end:following.start].strip()
                    and (len(full) < 2 or following.folded != full[-1])):
                continue  # a first name followed by another surname: someone else
            if token.folded in COMMON_WORDS:
                # Also an everyday word: a person only beside a team word or their role.
                near = {t.folded for t in tokens[max(0, i - 3):i + 4]}
                if not near & (TEAM_CUES | member.role_words):
                    continue
            by_first_name.setdefault(i, []).append(member)
    for i, members in by_first_name.items():
        members = [m for m in members if m.key not in hits]
        if len(members) > 1:
            members = [m for m in members if words & m.role_words]
        if len(members) == 1:
            hits[members[0].key] = (members[0], tokens[i].text)
    return list(hits.values())


def find_mentions(fields: dict[str, str], roster: list[Member], lane: str | None = None) -> list[Mention]:
    """Every member named in `fields` (title, pros, cons, body — or praise), once per member:
    the first sentence naming them, and the most negative way they are spoken of anywhere (a
    person praised in the pros but blamed in the cons is not told "well done")."""
    found: dict[object, Mention] = {}
    rank = {"negative": 0, "neutral": 1, "positive": 2}
    for field, text in fields.items():
        for raw, tokens in _sentences(text or ""):
            sentence = raw.strip()
            for member, written in _hits(raw, tokens, roster):
                polarity = polarity_of(tokens, field, lane)
                earlier = found.get(member.key)
                if earlier is None or rank[polarity] < rank[earlier.polarity]:
                    found[member.key] = Mention(member.key, written, sentence[:MAX_WORDS], polarity, field)
    return list(found.values())
