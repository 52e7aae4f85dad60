"""Who a customer's words name, and how: accents and case, both languages, first names that are
common words, someone else with the same first name, and the polarity of the sentence."""

import pytest

from models.team.mentions import Member, find_mentions

MARIE = Member(1, "Marie Dupont", ("Mimi",), "Support")
HELENE = Member(2, "Hélène Laurent", (), "Customer success")
WILL = Member(3, "Will Parker", (), "Onboarding")
GRACE = Member(4, "Grace Kim", (), "Sales")
MARIE_SALES = Member(5, "Marie Leroy", (), "Sales")
PIERRE = Member(6, "Pierre Martin", (), "Support")
ROSTER = [MARIE, HELENE, WILL, GRACE, PIERRE]


def named(text, roster=ROSTER, field="body", lane=None):
    return {(m.member, m.polarity) for m in find_mentions({field: text}, roster, lane)}


@pytest.mark.parametrize("text,expected", [
    ("Marie in support was amazing.", {(1, "positive")}),
    ("MARIE DUPONT fixed our import in an hour, thanks!", {(1, "positive")}),
    ("Merci à Hélène pour sa patience, elle est géniale.", {(2, "positive")}),
    ("Merci à helene de l'équipe succès.", set()),  # not written as a name
    ("Big thanks to Helene!", {(2, "positive")}),  # accents folded
    ("Mimi answered every question, super helpful.", {(1, "positive")}),  # an alias
    ("Will from onboarding walked us through it. Great.", {(3, "neutral")}),
    ("Will you fix the export? It has been weeks.", set()),  # the verb, not Will
    ("We will recommend it, the support team is great.", set()),
    ("Grâce à l'équipe, tout marche.", set()),  # "thanks to", not Grace
    ("Grâce à Marie du support, tout marche.", {(1, "positive")}),
    ("I called Grace in sales and she sorted the invoice, thank you.", {(4, "positive")}),
    ("The mark of a great tool.", set()),
    ("Marie Curie would have loved the charts.", set()),  # another Marie
    # "pierre" (stone) is a common French word: a person only beside a team word or his role.
    ("Pierre est très réactif, merci.", set()),
    ("Pierre du support est très réactif, merci.", {(6, "positive")}),
])
def test_who_is_named(text, expected):
    assert named(text) == expected


def test_polarity_follows_the_field_the_words_and_then_the_rating():
    assert named("Marie never answered our tickets.", lane="praise") == {(1, "negative")}
    assert named("Marie was not helpful at all.") == {(1, "negative")}
    assert named("Marie n'était pas aimable.") == {(1, "negative")}
    assert named("Marie handled the migration.", lane="improve") == {(1, "negative")}
    assert named("Marie handled the migration.", lane="outreach") == {(1, "neutral")}
    assert named("Marie handled the migration.", field="pros", lane="improve") == {(1, "positive")}
    assert named("Marie handled the migration.", field="cons", lane="praise") == {(1, "negative")}


def test_praised_in_the_pros_but_blamed_in_the_cons_is_negative():
    mentions = find_mentions({"pros": "Marie set us up in a day.", "cons": "Marie then ignored us."},
                             ROSTER, "praise")
    assert [(m.member, m.polarity, m.words) for m in mentions] == [(1, "negative", "Marie then ignored us.")]


def test_two_members_with_one_first_name():
    roster = [MARIE, MARIE_SALES]
    assert named("Marie was great.", roster) == set()  # which Marie? nobody
    assert named("Marie in sales was great.", roster) == {(5, "positive")}
    assert named("Marie Dupont was great.", roster) == {(1, "positive")}


def test_the_sentence_is_kept_verbatim_and_bounded():
    mention = find_mentions({"body": "Setup was long. Hélène, from support, saved us! Five stars."},
                            ROSTER)[0]
    assert (mention.written, mention.words) == ("Hélène", "Hélène, from support, saved us!")
    long = find_mentions({"body": "Marie " + "very " * 400 + "good."}, ROSTER)[0]
    assert len(long.words) == 500
