"""Message rules: what the playbook asks of a review request, checked before a campaign starts."""

from __future__ import annotations

import dataclasses

import pytest

from models.asking.messages import (
    CTA,
    PLACEHOLDERS,
    WORDS_ERROR,
    WORDS_WARN,
    Incentive,
    MessageDraft,
    UnknownPlaceholder,
    has_errors,
    lint,
    placeholders_in,
    render,
    render_message,
)

EN = MessageDraft(
    subject="Do you have a minute to review {{ product }} on {{ platform }}?",
    body=(
        "Hi {{ first_name }},\n\n"
        "First, thank you for using {{ product }} at {{ company }}. I'm {{ sender_name }}, "
        "{{ sender_title }}.\n\n"
        "Could you spare 2-3 minutes to review {{ product }} on {{ platform }}? Your honest review "
        "helps us improve, and helps teams like yours choose well.\n\n"
        "Here is the link: {{ review_link }}\n\n"
        "Thanks again for your time, whatever you write.\n\n"
        "Regards,\n{{ sender_name }}\n{{ sender_title }}"
    ),
    locale="en", sender_name="Claire Martin", sender_title="CEO",
)
FR = MessageDraft(
    subject="Avez-vous une minute pour évaluer {{ product }} sur {{ platform }} ?",
    body=(
        "Bonjour {{ first_name }},\n\n"
        "Tout d’abord, laissez-moi vous remercier d’utiliser {{ product }} chez {{ company }}. "
        "Je suis {{ sender_name }}, {{ sender_title }}.\n\n"
        "Pourriez-vous prendre 2-3 minutes pour donner votre avis sur {{ platform }} ? Cela compterait "
        "beaucoup, car votre avis honnête nous aidera à améliorer notre produit.\n\n"
        "Voici le lien : {{ review_link }}\n\n"
        "Merci encore de prendre le temps d’écrire un avis.\n\n"
        "Cordialement,\n{{ sender_name }}"
    ),
    locale="fr", sender_name="Claire Martin", sender_title="PDG",
)
VALUES = {name: name.replace("_", " ").title() for name in PLACEHOLDERS} | {
    CTA: "https://plaudit.example/r/abc?x=1&y=2"}


def rules(draft: MessageDraft, **changes) -> dict[tuple[str, str], str]:
    """(rule, field) -> severity of every finding, for the draft with these changes."""
    return {(f.rule, f.field): f.severity for f in lint(dataclasses.replace(draft, **changes))}


def messages(draft: MessageDraft, rule: str, **changes) -> list[str]:
    return [f.message for f in lint(dataclasses.replace(draft, **changes)) if f.rule == rule]


@pytest.mark.parametrize("draft", [EN, FR], ids=["en", "fr"])
def test_a_playbook_message_is_clean(draft):
    words = len(render(draft.body, VALUES).split())
    assert words < WORDS_WARN
    assert lint(draft) == []
    assert not has_errors(lint(draft))


def test_placeholders_in_order_with_repeats_and_optional_spaces():
    assert placeholders_in("{{first_name}} {{ company }} {{  first_name  }}") == [
        "first_name", "company", "first_name"]


# --- 1. ONE_CTA -------------------------------------------------------------------------------

@pytest.mark.parametrize(("draft", "old", "new", "field", "expect"), [
    (EN, "{{ review_link }}", "our profile", "body", "has no"),
    (EN, "{{ review_link }}", "{{ review_link }} or {{review_link}}", "body", "2"),
    (EN, "{{ review_link }}", "{{ review_link }} (docs: https://docs.example.com)", "body",
     "https://docs.example.com"),
    (FR, "{{ review_link }}", "{{ review_link }}, ou www.example.fr", "body", "www.example.fr"),
])
def test_one_call_to_action(draft, old, new, field, expect):
    found = messages(draft, "ONE_CTA", body=draft.body.replace(old, new))
    assert len(found) == 1 and expect in found[0]
    assert rules(draft, body=draft.body.replace(old, new))[("ONE_CTA", field)] == "error"


def test_links_in_the_subject_are_refused():
    found = rules(EN, subject="Review us at {{ review_link }} or http://x.example")
    assert found[("ONE_CTA", "subject")] == "error"
    assert len(messages(EN, "ONE_CTA", subject="Review us at {{ review_link }} or http://x.example")) == 2


# --- 2. LENGTH --------------------------------------------------------------------------------

@pytest.mark.parametrize(("words", "severity"), [
    (WORDS_WARN, None), (WORDS_WARN + 1, "warning"), (WORDS_ERROR, "warning"), (WORDS_ERROR + 1, "error"),
])
def test_length_thresholds(words, severity):
    assert (WORDS_WARN, WORDS_ERROR) == (90, 150)
    # A placeholder counts as one word, lone punctuation as none.
    body = "{{ first_name }} — " + " ".join(["word"] * (words - 1))
    assert rules(EN, body=body).get(("LENGTH", "body")) == severity


# --- 3. SUBJECT_SAYS_WHAT ---------------------------------------------------------------------

@pytest.mark.parametrize(("subject", "ok"), [
    ("", False),
    ("News from {{ product }}", False),
    ("A quick question", False),
    ("We'd love to hear from you", True),
    ("Help us improve with your feedback", True),
    ("How is your experience with {{ product }}?", True),
    ("Nous aimerions avoir de vos nouvelles", True),
    ("Aidez-nous à nous améliorer avec votre AVIS", True),
    ("Comment est votre expérience avec {{ product }} ?", True),
    ("Les nouveautés de {{ product }}", False),
])
def test_subject_says_what_it_asks(subject, ok):
    assert (("SUBJECT_SAYS_WHAT", "subject") not in rules(EN, subject=subject)) is ok


def test_the_review_link_placeholder_name_is_not_a_subject_keyword():
    assert ("SUBJECT_SAYS_WHAT", "subject") in rules(EN, subject="{{ company }}: {{ review_link }}")


# --- 4. NAMED_SENDER --------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "title", "count"), [("", "CEO", 1), ("Claire", "  ", 1), ("", "", 2)])
def test_sent_by_a_named_person_with_a_title(name, title, count):
    assert len(messages(EN, "NAMED_SENDER", sender_name=name, sender_title=title)) == count
    assert rules(EN, sender_name=name, sender_title=title)[("NAMED_SENDER", "sender")] == "error"


# --- 5. REASON --------------------------------------------------------------------------------

@pytest.mark.parametrize(("draft", "old", "new", "ok"), [
    (EN, "Your honest review helps us improve, and helps teams like yours choose well.",
     "Your honest review is welcome.", False),
    (EN, "Your honest review helps us improve, and helps teams like yours choose well.",
     "We ask because other teams read these reviews.", True),
    (FR, "Cela compterait beaucoup, car votre avis honnête nous aidera à améliorer notre produit.",
     "Votre avis honnête est le bienvenu.", False),
    (FR, "Cela compterait beaucoup, car votre avis honnête nous aidera à améliorer notre produit.",
     "Parce qu’il guide d’autres équipes, votre avis compte.", True),
])
def test_a_reason_is_given(draft, old, new, ok):
    assert old in draft.body
    assert (("REASON", "body") not in rules(draft, body=draft.body.replace(old, new))) is ok


# --- 6. THANKS --------------------------------------------------------------------------------

@pytest.mark.parametrize(("draft", "replacements", "severity"), [
    (EN, [("thank you for using", "you use"), ("Thanks again for your time", "Have a good day")], "error"),
    (EN, [("Thanks again for your time", "Have a good day")], "warning"),
    (EN, [("thank you for using", "you use")], "warning"),
    (FR, [("laissez-moi vous remercier d’utiliser", "vous utilisez"), ("Merci encore de", "Pensez à")],
     "error"),
    (FR, [("Merci encore de", "Pensez à")], "warning"),
])
def test_thanks_at_start_and_end(draft, replacements, severity):
    body = draft.body
    for old, new in replacements:
        assert old in body
        body = body.replace(old, new)
    assert rules(draft, body=body)[("THANKS", "body")] == severity


def test_thanks_in_a_closing_line_counts_but_a_bare_signature_is_ignored():
    body = EN.body.replace("Thanks again for your time, whatever you write.\n\nRegards,", "Thanks,")
    assert ("THANKS", "body") not in rules(EN, body=body)


# --- 7. NO_POSITIVE_REQUEST -------------------------------------------------------------------

@pytest.mark.parametrize(("draft", "sentence", "phrase"), [
    (EN, "Please leave us a 5-star review.", "5-star"),
    (EN, "A Five Star rating would be lovely.", "Five Star"),
    (EN, "We hope for a glowing write-up.", "glowing"),
    (EN, "Leave a positive review only if you're happy with us.", "positive review"),
    (EN, "Only if you are satisfied, please review us.", "Only if you are satisfied"),
    (FR, "Laissez-nous 5 étoiles.", "5 étoiles"),
    (FR, "Un avis positif nous ferait plaisir.", "avis positif"),
    (FR, "Si vous êtes satisfait, laissez un avis.", "Si vous êtes satisfait"),
    (FR, "SI VOUS ETES CONTENT, dites-le.", "SI VOUS ETES CONTENT"),
    (EN, "If you're happy to share your experience, it takes two minutes.", None),  # willing, not gating
])
def test_no_request_for_a_positive_review(draft, sentence, phrase):
    body = draft.body.replace("{{ review_link }}", "{{ review_link }}\n" + sentence)
    found = messages(draft, "NO_POSITIVE_REQUEST", body=body)
    assert found == [] if phrase is None else len(found) == 1 and f'"{phrase}"' in found[0]


def test_a_positive_request_in_the_subject_is_refused_too():
    assert rules(EN, subject="Got a minute for a good review?")[("NO_POSITIVE_REQUEST", "subject")] == "error"


# --- 8. NO_RATING_INCENTIVE and INCENTIVE_DISCLOSURE ------------------------------------------

@pytest.mark.parametrize(("draft", "sentence", "tied"), [
    (EN, "Rate us 5 stars and get a €20 gift card.", True),
    (EN, "A positive rating earns you a free month.", True),
    (EN, "Every reviewer gets a €5 gift card.", False),
    (EN, "Every reviewer gets a €20 gift card, whatever their rating.", False),
    (EN, "Good news: it takes 5 minutes, and every review, positive or negative, earns a gift card.", False),
    (FR, "Donnez-nous cinq étoiles et recevez une carte cadeau.", True),
    (FR, "Une bonne note vous vaudra une réduction de 15 %.", True),
    (FR, "Chaque avis reçoit une carte cadeau de 20 €, quelle que soit la note.", False),
])
def test_no_reward_tied_to_the_rating(draft, sentence, tied):
    body = draft.body.replace("{{ review_link }}", "{{ review_link }}\n" + sentence)
    found = rules(draft, body=body, incentive=Incentive("a gift card"))
    assert (("NO_RATING_INCENTIVE", "body") in found) is tied
    assert ("INCENTIVE_DISCLOSURE", "body") not in found


def test_an_incentive_conditional_on_the_rating_is_refused():
    found = rules(EN, incentive=Incentive("a €20 gift card", conditional_on_rating=True))
    assert found[("NO_RATING_INCENTIVE", "incentive")] == "error"


@pytest.mark.parametrize("draft", [EN, FR], ids=["en", "fr"])
def test_an_incentive_must_be_disclosed(draft):
    assert rules(draft, incentive=Incentive("a €20 gift card")) == {
        ("INCENTIVE_DISCLOSURE", "body"): "warning"}


# --- 9. UNKNOWN_PLACEHOLDER -------------------------------------------------------------------

@pytest.mark.parametrize(("field", "template", "expect"), [
    ("subject", "A minute to review {{ produit }}?", "{{ produit }}"),
    ("body", "{{ customer.email }}", "{{ customer.email }}"),
    ("body", "{{ 7*7 }}", "{{ 7*7 }}"),
    ("body", "{{ first_name }", "Unbalanced"),
])
def test_unknown_placeholders_are_named(field, template, expect):
    draft = EN if field == "subject" else dataclasses.replace(EN, body=EN.body + "\n" + template)
    found = lint(dataclasses.replace(draft, subject=template) if field == "subject" else draft)
    mine = [f for f in found if f.rule == "UNKNOWN_PLACEHOLDER"]
    assert len(mine) == 1 and mine[0].field == field and expect in mine[0].message


def test_findings_come_in_rule_then_field_order():
    draft = dataclasses.replace(EN, subject="Hello {{ x }} https://a.example", body="{{ y }} https://b.example",
                                sender_name="")
    assert [(f.rule, f.field) for f in lint(draft)] == [
        ("ONE_CTA", "subject"), ("ONE_CTA", "body"), ("ONE_CTA", "body"),
        ("SUBJECT_SAYS_WHAT", "subject"), ("NAMED_SENDER", "sender"), ("REASON", "body"),
        ("THANKS", "body"), ("UNKNOWN_PLACEHOLDER", "subject"), ("UNKNOWN_PLACEHOLDER", "body"),
    ]
    assert has_errors(lint(draft))


# --- rendering --------------------------------------------------------------------------------

def test_values_are_escaped_in_html_and_left_alone_in_text():
    template = "Hi {{ first_name }} & co"
    values = {"first_name": "<script>alert(1)</script>"}
    assert render(template, values) == "Hi <script>alert(1)</script> & co"
    assert render(template, values, html=True) == "Hi &lt;script&gt;alert(1)&lt;/script&gt; &amp; co"


def test_a_value_is_never_expanded_again():
    values = VALUES | {"company": "{{ review_link }}", "first_name": "{{first_name}}"}
    assert render("{{ first_name }} at {{company}}", values) == "{{first_name}} at {{ review_link }}"
    message = render_message(EN, values)
    assert message.text.count("plaudit.example") == 1
    assert message.html.count("<a ") == 1


@pytest.mark.parametrize(("template", "values"), [
    ("Hi {{ nickname }}", {"nickname": "Bob"}),
    ("Hi {{ first_name.upper }}", {"first_name": "Bob"}),
    ("Hi {{ first_name }}", {}),
])
def test_unknown_or_missing_placeholders_raise(template, values):
    with pytest.raises(UnknownPlaceholder):
        render(template, values)


def test_render_message_has_one_link_to_the_review_form():
    values = VALUES | {"first_name": "<b>Ann</b>", "company": "https://evil.example"}
    message = render_message(EN, values)
    assert message.subject == "Do you have a minute to review Product on Platform?"
    assert "<b>Ann</b>" in message.text and "https://plaudit.example/r/abc?x=1&y=2" in message.text
    html = message.html
    assert html.count("<a ") == 1 and html.count("href=") == 1
    assert '<a href="https://plaudit.example/r/abc?x=1&amp;y=2">' in html
    assert "&lt;b&gt;Ann&lt;/b&gt;" in html
    assert html.startswith("<p>Hi ") and html.count("<p>") == 6
    assert "Regards,<br>" in html


def test_the_subject_stays_on_one_line_and_the_link_must_be_http():
    message = render_message(EN, VALUES | {"product": "X\r\nBcc: all@example.com"})
    assert "\n" not in message.subject and "\r" not in message.subject
    with pytest.raises(ValueError, match="http"):
        render_message(EN, VALUES | {CTA: "javascript:alert(1)"})
