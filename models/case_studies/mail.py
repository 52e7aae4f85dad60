"""The case-study mails (sent by the worker through the outbox, each at most once): the
invitation, and the draft to approve. Both lead to the customer's page, where they act."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import urlsplit

import settings
from models.case_studies.questions import locale_of
from models.case_studies.tables import CaseStudy
from models.core.links import case_study_url
from models.core.mail_addresses import mailbox

MAIL = {
    "en": {
        "invite": ("Would you like to be featured in a {product} case study?",
                   "Hello {first},\n\nThank you for working with {product}. We would love to tell your "
                   "team's story in a case study on our blog — with a link back to your site, so our "
                   "readers find you too.\n\nIt takes a few short answers, written whenever suits you "
                   "(you can save and come back). You will approve the story, word for word, before "
                   "anything is published, and can withdraw it at any time.\n\nYes or no, here:\n"
                   "{link}\n\nThank you,\n{product}\n"),
        "draft": ("Your {product} case study, for your approval",
                  "Hello {first},\n\nThank you for your answers. Here is the story we wrote from them; "
                  "it is published only once you approve it, exactly as it reads:\n\n{link}\n\nYou can "
                  "also ask for changes there.\n\nThank you,\n{product}\n"),
    },
    "fr": {
        "invite": ("Aimeriez-vous figurer dans une étude de cas {product} ?",
                   "Bonjour {first},\n\nMerci de travailler avec {product}. Nous aimerions raconter "
                   "l'histoire de votre équipe dans une étude de cas sur notre blog — avec un lien vers "
                   "votre site, pour que nos lecteurs vous découvrent aussi.\n\nIl suffit de quelques "
                   "réponses courtes, quand cela vous convient (vous pouvez enregistrer et revenir). Vous "
                   "approuverez le texte, mot pour mot, avant toute publication, et pourrez le retirer "
                   "à tout moment.\n\nOui ou non, ici :\n{link}\n\nMerci,\n{product}\n"),
        "draft": ("Votre étude de cas {product}, pour approbation",
                  "Bonjour {first},\n\nMerci pour vos réponses. Voici le texte que nous en avons tiré ; "
                  "il n'est publié qu'une fois approuvé par vous, tel quel :\n\n{link}\n\nVous pouvez "
                  "aussi y demander des modifications.\n\nMerci,\n{product}\n"),
    },
}

CLAIM = {
    "invite": ("UPDATE case_study SET invite_mailed_at = now() WHERE id = {} AND status = 'invited' "
               "AND invite_mailed_at IS NULL RETURNING id"),
    "draft": ("UPDATE case_study SET draft_mailed_at = now() WHERE id = {} AND status = 'drafted' "
              "AND (draft_mailed_at IS NULL OR draft_mailed_at < drafted_at) RETURNING id"),
}
RELEASE = {"invite": "UPDATE case_study SET invite_mailed_at = NULL WHERE id = {}",
           "draft": "UPDATE case_study SET draft_mailed_at = NULL WHERE id = {}"}


async def claim_mail(case_study_id: int, kind: str) -> bool:
    """True for the one run that should send this mail; a rerun, or a story that moved on, gets False.
    The address must still be mailable."""
    if kind not in CLAIM:
        return False
    rows = await CaseStudy.raw(
        "SELECT c.email_status FROM case_study s JOIN customer c ON c.id = s.customer WHERE s.id = {}",
        case_study_id)
    if not rows or rows[0]["email_status"] != "ok":
        return False
    return bool(await CaseStudy.raw(CLAIM[kind], case_study_id))


async def release_mail(case_study_id: int, kind: str) -> None:
    await CaseStudy.raw(RELEASE[kind], case_study_id)


async def compose_mail(case_study_id: int, kind: str) -> EmailMessage:
    row = (await CaseStudy.raw(
        "SELECT s.id, s.locale, c.first_name, c.last_name, c.email, p.name AS product FROM case_study s "
        "JOIN customer c ON c.id = s.customer JOIN product p ON p.id = s.product WHERE s.id = {}",
        case_study_id))[0]
    subject, body = MAIL[locale_of(row["locale"])][kind]
    values = {"first": row["first_name"] or "", "product": row["product"], "link": case_study_url(row["id"])}
    message = EmailMessage()
    message["Subject"] = subject.format(**values)
    message["From"] = settings.SETTINGS.mail_from
    message["To"] = mailbox(f"{row['first_name']} {row['last_name']}".strip(), row["email"])
    host = urlsplit(settings.SETTINGS.public_base_url).hostname or "plaudit.localhost"
    message["Message-ID"] = make_msgid(f"case-study.{kind}.{row['id']}", domain=host)
    message.set_content(body.format(**values))
    return message
