"""Themes: a lexicon in both languages, folded accents and plurals, leftmost-longest phrases, counts per
text, and a bigram fallback for what the lexicon does not know."""

from __future__ import annotations

import pytest

from models.reviews.themes import ASK, LEXICON, PRAISE, Theme, detect_language, summarise, themes_in

PROS = [
    "Great customer support, the support team answers within the hour.",
    "Very easy to use and intuitive. Customer service is always helpful.",
    "Easy to set up. The Kanban board view saves us hours every week.",
    "Reporting dashboards are clear and the price is fair.",
    "Love the Kanban board view!",
    "Integrations with Slack and HubSpot work well; good value for money.",
    "Le support client est très réactif et à l'écoute.",
    "Logiciel très intuitif et prise en main rapide.",
    "Les intégrations avec notre CRM sont nombreuses.",
    "Excellent rapport qualité-prix, et l'équipe support est disponible.",
]
CONS = [
    "The mobile app is slow and crashes often.",
    "Pricing is expensive for small teams. We would like more integrations.",
    "Steep learning curve for new users.",
    "No offline mode on the desktop.",
    "Offline mode would help a lot when travelling.",
    "Reports are too basic and customer support is slow to respond.",
    "L'application mobile est lente et les mises à jour cassent des choses.",
    "Trop cher pour une petite équipe, et il manque des intégrations.",
    "Difficile à prendre en main au début, courbe d'apprentissage longue.",
]


def by_key(themes: list[Theme], kind: str) -> dict[str, Theme]:
    return {theme.key: theme for theme in themes if theme.kind == kind}


def test_known_corpus_praise_themes_and_counts():
    praise = [(theme.key, theme.count) for theme in summarise(PROS, CONS) if theme.kind == PRAISE]
    assert praise == [
        ("customer support", 4),  # two English texts, two French ones
        ("price", 3),
        ("ease of use", 2),
        ("integrations", 2),
        ("kanban board", 2),  # fallback: not in the lexicon, said twice
        ("onboarding", 1),
        ("reporting", 1),
    ]


def test_known_corpus_ask_themes_and_counts():
    asks = [(theme.key, theme.count) for theme in summarise(PROS, CONS) if theme.kind == ASK]
    assert asks == [
        ("integrations", 2),
        ("learning curve", 2),
        ("mobile app", 2),
        ("offline mode", 2),
        ("performance", 2),
        ("price", 2),
        ("customer support", 1),
        ("reliability", 1),
        ("reporting", 1),
        ("updates", 1),
    ]


def test_praise_come_before_asks_and_each_kind_is_sorted():
    themes = summarise(PROS, CONS)
    kinds = [theme.kind for theme in themes]
    assert kinds == sorted(kinds, key=[PRAISE, ASK].index)
    for kind in (PRAISE, ASK):
        ranked = [(-theme.count, theme.key) for theme in themes if theme.kind == kind]
        assert ranked == sorted(ranked)


def test_longer_phrase_counts_once_and_is_not_also_its_words():
    text = "Customer support is great and the support team is friendly. Support rocks."
    assert themes_in(text) == ["customer support"]
    assert [(t.key, t.count) for t in summarise([text], [])] == [("customer support", 1)]
    assert themes_in("Easy to set up.") == ["onboarding"]  # not also "ease of use" for "easy"
    assert themes_in("Difficile à prendre en main.") == ["learning curve"]
    assert themes_in("Facile à prendre en main.") == ["ease of use"]
    assert themes_in("Bon rapport qualité-prix.") == ["price"]  # not reporting for "rapport"
    assert themes_in("Support is slow to respond.") == ["customer support"]  # not performance


def test_accents_and_plurals_fold():
    assert themes_in("Les intégrations sont top.") == ["integrations"]
    assert themes_in("Integration with Zapier.") == ["integrations"]
    assert themes_in("Une solution coûteuse.") == ["price"]
    assert themes_in("Trop chère pour nous.") == ["price"]
    assert themes_in("Les tableaux de bord sont clairs.") == ["reporting"]
    assert themes_in("LES INTEGRATIONS", language="fr") == ["integrations"]


def test_language_picks_the_lexicon():
    assert themes_in("We built a great rapport with their team.") == []
    assert themes_in("Les rapports sont clairs.") == ["reporting"]
    assert themes_in("Les rapports sont clairs.", language="en") == []
    assert themes_in("rapports hebdomadaires", language="fr-FR") == ["reporting"]
    assert themes_in("rapports hebdomadaires", language="de") == []  # no German lexicon: detected, English


@pytest.mark.parametrize(("text", "expected"), [
    ("The support team is very responsive and the reports are what we need.", "en"),
    ("It is easy to use and we love it.", "en"),
    ("Le support est très réactif et les rapports sont clairs.", "fr"),
    ("Nous utilisons cet outil depuis deux ans pour notre équipe.", "fr"),
    ("Très intuitif", "fr"),  # no stopword vote, the accent decides
    ("", "en"),
    ("Salesforce HubSpot", "en"),
])
def test_detect_language(text, expected):
    assert detect_language(text) == expected


def test_fallback_bigram_needs_two_texts():
    assert summarise(["The Kanban board view is great."], []) == []
    twice = summarise(["The Kanban board view is great.", "Kanban board view saves time."], [])
    assert [(t.key, t.count) for t in twice] == [("kanban board", 2)]  # and not also "board view"
    french = summarise([], ["Il manque la gestion des congés.", "Gestion des congés absente."])
    assert [(t.key, t.label, t.kind, t.count) for t in french] == [
        ("gestion congés", "gestion congés", ASK, 2)]  # readable: the first text's words, accents kept


def test_import_export_is_in_the_lexicon_not_the_fallback():
    themes = summarise([], ["Export to CSV is missing.", "No CSV export."])
    assert [(t.key, t.count) for t in themes] == [("import/export", 2)]


def test_examples_are_short_verbatim_clauses_from_distinct_texts():
    texts = PROS + CONS
    for theme in summarise(PROS, CONS):
        assert 1 <= len(theme.examples) <= 3
        assert len(theme.examples) == min(theme.count, 3)
        sources = [next(n for n, text in enumerate(texts) if example in text) for example in theme.examples]
        assert len(set(sources)) == len(sources)
        assert all(example == example.strip() and len(example) <= 120 for example in theme.examples)
    support = by_key(summarise(PROS, []), PRAISE)["customer support"]
    assert support.examples == (
        "Great customer support, the support team answers within the hour.",
        "Customer service is always helpful.",
        "Le support client est très réactif et à l'écoute.",
    )


def test_long_sentences_give_the_clause_as_example():
    long = ("We evaluated four tools over two months with the whole sales team, the onboarding took one "
            "afternoon, and nobody asked for training afterwards.")
    [theme] = summarise([long], [])
    assert theme.key == "onboarding"
    assert theme.examples == ("the onboarding took one afternoon",)


def test_labels_follow_the_language_of_the_texts():
    asks = by_key(summarise(PROS, CONS), ASK)
    assert asks["updates"].label == "mises à jour"  # only French texts
    assert asks["reliability"].label == "reliability"  # only English texts
    assert asks["price"].label == "price"  # one of each: English
    praise = by_key(summarise(["Le support client est top.", "Support rapide et efficace."], []), PRAISE)
    assert praise["customer support"].label == "support client"


def test_top_limits_each_kind():
    themes = summarise(PROS, CONS, top=2)
    assert [(t.kind, t.key) for t in themes] == [
        (PRAISE, "customer support"), (PRAISE, "price"), (ASK, "integrations"), (ASK, "learning curve")]
    assert summarise(PROS, CONS, top=0) == []


def test_empty_input():
    assert summarise([], []) == []
    assert summarise(["", "   "], ["\n"]) == []
    assert themes_in("") == []
    assert themes_in("Cons: none really.") == []


def test_lexicon_covers_both_languages():
    assert len(LEXICON) >= 20
    for key, (label, english, french) in LEXICON.items():
        assert key and label and english.strip() and french.strip()
