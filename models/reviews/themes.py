"""Themes: what reviewers praise (from pros) and what they ask for (from cons), in English and French.

Flow 6 of PRODUCT.md: once reviews are in, surface their themes so product and customer-success teams
see at a glance that support is loved and the mobile app is not. Pure domain logic, stdlib only, no
database: callers pass the pros and cons texts and get Theme values back.

The method, and why it is good enough
-------------------------------------
1. A curated lexicon. B2B SaaS reviews keep coming back to the same twenty-odd subjects: the
   sub-ratings the review sites ask for (ease of use, features, support, value for money) plus
   onboarding, integrations, reporting, speed, bugs, the mobile app... Each canonical English key
   lists its surface forms per language; the French forms include the anglicisms French reviewers
   really write ("le support", "des bugs", "le reporting"). A lexicon needs no model or download, is
   predictable, and can be explained to an admin ("it is under price because it says 'tarif'").
2. Normalisation, for matching only: lower case, accents stripped, apostrophes and hyphens split
   words, then each word loses one trailing s/x and then one trailing e ("intégrations" and
   "integration" meet, so do "coûteuse"/"coûteux"/"chère"/"cher"). The lexicon goes through the same
   function, so forms are written naturally. Examples are always the verbatim clause of the input.
3. Matching. A text is cut into sentences (long ones at commas, so examples stay short). Inside a
   clause, word sequences match leftmost-longest: "easy to set up" is onboarding and not also ease of
   use, "difficile à prendre en main" is the learning curve, "rapport qualité-prix" is price and not
   reporting. A theme counts once per text however often the text mentions it. The text's language
   (stopword vote) picks the forms: English "rapport" (a good relationship) is not French reporting.
4. Fallback. Clauses that match nothing in the lexicon give content bigrams (EN and FR stopwords and
   review filler such as "great" or "logiciel" removed; words adjacent once those are gone, so
   "gestion des congés" gives "gestion congés"). A bigram seen in at least two texts becomes a theme
   of its own, so a product-specific feature ("kanban board") still surfaces; seen once, it is noise.

Where it fails, knowingly
-------------------------
- No negation, no sentiment: "not intuitive" written in pros counts as praise for ease of use. The
  pros/cons split carries the polarity, and is trusted; "cons: none really" gives no theme at all.
- Word sense: "it supports SSO" is customer support; "fast support" is support and speed (a few
  phrases such as "slow to respond" are listed to catch the common cases).
- Vocabulary outside the lexicon is missed unless it repeats enough for the fallback, and fallback
  bigrams are not grouped by meaning ("kanban board" and "kanban view" stay two themes). A clause with
  a lexicon match gives no bigram, so "great support and the kanban board" only counts support.
- Language detection on very short texts ("Support top") defaults to English; accented letters count
  as a French vote, which rescues most short French texts.
- The folding is crude and may merge unrelated words; at this vocabulary size it has not mattered.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass

PRAISE, ASK = "praise", "ask"
LANGUAGES = ("en", "fr")
MIN_FALLBACK_TEXTS = 2
MAX_EXAMPLES = 3
_LONG_SENTENCE = 120  # characters; longer sentences are cut at commas so that examples stay short

# key: (French label, English forms, French forms), forms separated by commas.
LEXICON: dict[str, tuple[str, str, str]] = {
    "customer support": (
        "support client",
        "support, customer support, support team, customer service, help desk, helpdesk, customer success, "
        "account manager, fast response, quick response, response time, slow to respond, slow to answer",
        "support, support client, service client, assistance, équipe support, hotline, sav, "
        "service après-vente, accompagnement, réponse rapide, interlocuteur"),
    "ease of use": (
        "facilité d'utilisation",
        "easy to use, ease of use, easy, intuitive, user-friendly, user friendly, simple, simple to use, "
        "straightforward, easy to navigate, usability",
        "facile, facile à utiliser, facilité d'utilisation, prise en main, prise en main rapide, "
        "prise en main facile, facile à prendre en main, intuitif, intuitive, ergonomique, ergonomie, "
        "simple, simple d'utilisation, simplicité"),
    "onboarding": (
        "mise en route",
        "onboarding, setup, set up, easy to set up, simple to set up, implementation, easy to implement, "
        "getting started, installation, training",
        "onboarding, mise en place, mise en route, facile à mettre en place, installation, déploiement, "
        "démarrage, paramétrage initial, formation"),
    "price": (
        "prix",
        "price, pricing, expensive, cost, costly, value for money, affordable, cheap, pricey, overpriced, "
        "subscription, price point",
        "prix, tarif, tarification, cher, coûteux, coûteuse, coût, rapport qualité-prix, qualité-prix, "
        "abonnement, onéreux, abordable"),
    "integrations": (
        "intégrations",
        "integration, integrate, integrates, api, zapier, webhook, connector, connectors, sync",
        "intégration, intégrer, interfaçage, connecteur, api, zapier, webhook, synchronisation"),
    "reporting": (
        "reporting",
        "reporting, report, reports, dashboard, analytics, charts, metrics, kpi, statistics",
        "reporting, rapport, tableau de bord, dashboard, statistiques, analytique, indicateurs, kpi"),
    "performance": (
        "performance",
        "performance, fast, speed, slow, slowness, loading, load time, lag, laggy, sluggish",
        "performance, performant, rapide, rapidité, lent, lente, lenteur, temps de chargement, "
        "chargement, fluide, fluidité, rame"),
    "reliability": (
        "fiabilité",
        "reliable, reliability, stable, stability, bug, buggy, crash, crashes, downtime, outage, glitch, "
        "glitches, error, uptime",
        "fiable, fiabilité, stable, stabilité, instable, bug, bogue, beug, plantage, plante, panne, erreur"),
    "mobile app": (
        "application mobile",
        "mobile app, mobile, ios app, android app, iphone app, smartphone",
        "application mobile, appli mobile, appli, mobile, smartphone, version mobile"),
    "features": (
        "fonctionnalités",
        "feature, features, functionality, functionalities, capabilities, feature set",
        "fonctionnalité, fonctionnalités, fonction, fonctions"),
    "documentation": (
        "documentation",
        "documentation, docs, knowledge base, help center, help centre, tutorial, tutorials, guide, "
        "user guide, help articles",
        "documentation, doc, base de connaissances, tutoriel, guide, centre d'aide, aide en ligne"),
    "customization": (
        "personnalisation",
        "customization, customisation, customizable, customisable, customize, customise, flexible, "
        "flexibility, configurable, custom fields",
        "personnalisation, personnalisable, personnaliser, flexible, flexibilité, paramétrable, "
        "configurable, sur mesure, champs personnalisés"),
    "user interface": (
        "interface",
        "interface, user interface, ui, ux, design, look and feel, layout",
        "interface, design, visuel, épuré, look"),
    "learning curve": (
        "courbe d'apprentissage",
        "learning curve, steep learning curve, hard to learn, difficult to learn, complex, complicated, "
        "overwhelming, confusing",
        "courbe d'apprentissage, complexe, compliqué, compliquée, difficile à prendre en main, "
        "temps d'adaptation, déroutant"),
    "updates": (
        "mises à jour",
        "update, updates, release, releases, roadmap, improvements, changelog",
        "mise à jour, mises à jour, nouveautés, évolution, évolutions, roadmap"),
    "notifications": (
        "notifications",
        "notification, alerts, reminders, email alerts",
        "notification, alerte, rappels, relances"),
    "collaboration": (
        "collaboration",
        "collaboration, collaborate, teamwork, team work, sharing, permissions",
        "collaboration, collaboratif, travail en équipe, partage, partager, droits d'accès"),
    "import/export": (
        "import/export",
        "export, exports, import, csv, excel, data export",
        "export, exporter, import, importer, csv, excel"),
    "security": (
        "sécurité",
        "security, secure, sso, single sign-on, two-factor, 2fa, gdpr",
        "sécurité, sécurisé, sso, double authentification, rgpd"),
    "search": (
        "recherche",
        "search, filters, filter",
        "recherche, filtre, filtres"),
    "automation": (
        "automatisation",
        "automation, automate, automated, automatic, workflow, workflows",
        "automatisation, automatiser, automatique, workflow"),
    "localisation": (
        "traduction",
        "translation, localization, localisation, french version",
        "traduction, traduit, en français, version française"),
}


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


_EN_STOP = _wordset("""a about after all also an and any are as at be been but by can could did do does
doesn don for from get got had has have i if in into is isn it its just me more most much my no not of
on one only or other our out over so some such than that the their them then there these they this to
too up us very was we were what when where which while who will with would you your""")
_FR_STOP = _wordset("""a au aux avec ce ces cela cette ca d dans de des du elle en est et etait etre
il ils j je l la le les leur lui m mais me meme n ne nos notre nous on ou par pas peu plus pour qu que
qui s sa se ses son sont sur t ta tres tout tous un une vos votre vous y deja ete""")
# Review filler: words that say how much, not about what. Dropped before fallback bigrams are counted.
_FILLER = _wordset("""great good excellent nice love like best better bad poor amazing awesome brilliant
really lot lots thing things tool software product platform use using used work works working need needs
make makes well way time also every always never would should please still bit super bien bon bonne top
genial outil logiciel produit solution plateforme utiliser utilisation fait faire beaucoup trop vraiment
manque besoin aimerais serait pourrait toujours jamais chose choses""")
_EN_ONLY, _FR_ONLY = _EN_STOP - _FR_STOP, _FR_STOP - _EN_STOP
_STOP = _EN_STOP | _FR_STOP | _FILLER
_FRENCH_LETTERS = re.compile(r"[éèêëàâçùûôîïœ]", re.IGNORECASE)
_WORD = re.compile(r"[^\W_]+")
_SENTENCE_BREAK = re.compile(r"(?<=[.!?…])\s+|[;\n]+")
_TRIM = " \t\r-–—•*\"'“”«»"


@dataclass(frozen=True)
class Theme:
    key: str
    label: str
    kind: str
    count: int
    examples: tuple[str, ...]


def _plain(word: str) -> str:
    """Lower case without accents: 'Équipe' -> 'equipe', 'œuvre' -> 'oeuvre'."""
    decomposed = unicodedata.normalize("NFKD", word.lower().replace("œ", "oe").replace("æ", "ae"))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _fold(plain: str) -> str:
    """Light plural/feminine folding: one trailing s or x, then one trailing e, on words over 3 letters."""
    if len(plain) > 3 and plain[-1] in "sx":
        plain = plain[:-1]
    if len(plain) > 3 and plain[-1] == "e":
        plain = plain[:-1]
    return plain


Words = list[tuple[str, str, str]]


def _words(text: str) -> Words:
    """(surface, plain, folded) for each word of the text."""
    return [(surface, plain, _fold(plain))
            for surface in _WORD.findall(text.lower()) for plain in (_plain(surface),)]


Phrases = dict[str, list[tuple[tuple[str, ...], str]]]


def _compile() -> dict[str, Phrases]:
    """Per language: first folded word -> [(folded phrase, theme key)], longest phrase first."""
    index: dict[str, Phrases] = {language: defaultdict(list) for language in LANGUAGES}
    owner: dict[tuple[str, tuple[str, ...]], str] = {}
    for key, (_label, *forms) in LEXICON.items():
        for language, listed in zip(LANGUAGES, forms, strict=True):
            for form in listed.split(","):
                phrase = tuple(folded for _, _, folded in _words(form))
                known = owner.setdefault((language, phrase), key)
                if known != key:
                    raise ValueError(f"{form.strip()!r} ({language}) is in two themes: {known}, {key}")
                if phrase not in (existing for existing, _ in index[language][phrase[0]]):
                    index[language][phrase[0]].append((phrase, key))
    for phrases in index.values():
        for candidates in phrases.values():
            candidates.sort(key=lambda entry: -len(entry[0]))
    return index


_PHRASES = _compile()


def detect_language(text: str) -> str:
    """'fr' when French-only stopwords (plus one vote for any French accented letter) outnumber
    English-only ones; 'en' otherwise, including ties and empty text."""
    plains = [plain for _, plain, _ in _words(text or "")]
    english = sum(plain in _EN_ONLY for plain in plains)
    french = sum(plain in _FR_ONLY for plain in plains) + bool(_FRENCH_LETTERS.search(text or ""))
    return "fr" if french > english else "en"


def _clauses(text: str) -> list[str]:
    """Sentences of the text, long ones cut at commas; each one a verbatim substring of the text."""
    out = []
    for sentence in _SENTENCE_BREAK.split(text):
        sentence = sentence.strip(_TRIM)
        parts = sentence.split(",") if len(sentence) > _LONG_SENTENCE else [sentence]
        out.extend(part.strip(_TRIM) for part in parts if part.strip(_TRIM))
    return out


def _match(folded: list[str], phrases: Phrases) -> list[str]:
    """Theme keys of the lexicon phrases found, leftmost-longest, each word used once."""
    keys, at = [], 0
    while at < len(folded):
        for phrase, key in phrases.get(folded[at], ()):
            if tuple(folded[at:at + len(phrase)]) == phrase:
                keys.append(key)
                at += len(phrase)
                break
        else:
            at += 1
    return keys


def _language(text: str, language: str | None) -> str:
    code = (language or "").strip().lower()[:2]
    return code if code in LANGUAGES else detect_language(text)


def _analyse(text: str, language: str | None = None) -> tuple[str, dict[str, str], list[tuple[str, Words]]]:
    """(language, {theme key: first clause mentioning it}, [(clause, words) matching nothing])."""
    language = _language(text, language)
    found: dict[str, str] = {}
    unmatched: list[tuple[str, Words]] = []
    for clause in _clauses(text or ""):
        words = _words(clause)
        keys = _match([folded for _, _, folded in words], _PHRASES[language])
        for key in keys:
            found.setdefault(key, clause)
        if not keys:
            unmatched.append((clause, words))
    return language, found, unmatched


def themes_in(text: str, language: str | None = None) -> list[str]:
    """Canonical theme keys the text mentions, in order of first mention. `language` ('en', 'fr',
    'fr-FR'…) picks the lexicon; None or a language without one means detect it from the text."""
    return list(_analyse(text, language)[1])


def _bigrams(words: Words) -> list[tuple[tuple[str, str], str]]:
    """Content bigrams of a clause: (folded pair, readable surface), stopwords and filler removed."""
    content = [(surface, folded) for surface, plain, folded in words
               if plain not in _STOP and len(plain) > 2 and not plain.isdigit()]
    pairs = zip(content, content[1:], strict=False)
    return [((first[1], second[1]), f"{first[0]} {second[0]}") for first, second in pairs]


def _summarise_kind(texts: list[str], kind: str, top: int) -> list[Theme]:
    mentions: dict[str, list[tuple[str, str]]] = defaultdict(list)  # key -> [(language, example)]
    # folded pair -> {text number: (readable surface, clause)}
    bigrams: dict[tuple[str, str], dict[int, tuple[str, str]]] = defaultdict(dict)
    for number, text in enumerate(texts):
        if not text or not text.strip():
            continue
        language, found, unmatched = _analyse(text)
        for key, clause in found.items():
            mentions[key].append((language, clause))
        for clause, words in unmatched:
            for pair, surface in _bigrams(words):
                bigrams[pair].setdefault(number, (surface, clause))
    themes = []
    for key, seen in mentions.items():
        languages = Counter(language for language, _ in seen)
        label = LEXICON[key][0] if languages["fr"] > languages["en"] else key
        themes.append(Theme(key, label, kind, len(seen), tuple(clause for _, clause in seen[:MAX_EXAMPLES])))
    # A repeated phrase of three words gives two bigrams over the same texts ("kanban board", "board
    # view"): keep the first, drop the ones sharing a word with it and seen in no other text.
    kept: list[tuple[tuple[str, str], dict[int, tuple[str, str]]]] = []
    for pair, seen in sorted(bigrams.items(), key=lambda item: -len(item[1])):
        if len(seen) < MIN_FALLBACK_TEXTS:
            break
        if any(set(pair) & set(other) and seen.keys() <= other_seen.keys() for other, other_seen in kept):
            continue
        kept.append((pair, seen))
        first = seen[min(seen)][0]
        if first not in mentions:
            examples = tuple(clause for _, clause in list(seen.values())[:MAX_EXAMPLES])
            themes.append(Theme(first, first, kind, len(seen), examples))
    return sorted(themes, key=lambda theme: (-theme.count, theme.key))[:max(top, 0)]


def summarise(pros: list[str], cons: list[str], *, top: int = 10) -> list[Theme]:
    """Praise themes from the pros, then ask themes from the cons; each sorted by the number of texts
    mentioning it (most first), then key; at most `top` of each kind."""
    return _summarise_kind(list(pros), PRAISE, top) + _summarise_kind(list(cons), ASK, top)
