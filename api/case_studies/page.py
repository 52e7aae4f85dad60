"""The customer's case-study page: accept or decline, answer over several visits, approve the
draft exactly as written or ask for changes, withdraw. The link's HMAC token is the credential
(no account); models/case_studies/stories.py holds every rule."""

from __future__ import annotations

import html

from litestar import Request, Response, get, post
from litestar.params import FromPath

from api.asking.links import NOT_FOUND, _page
from api.quotes.showcase_cache import clear_local_caches
from models.case_studies.queries import PageView, page_view
from models.case_studies.stories import MAX_ANSWER, MAX_FEEDBACK, customer_action
from models.core.links import read_token

MAX_FORM_BYTES = 128 * 1024
TEXT = {
    "en": {"title": "Your {product} case study", "invite": "{product} would like to tell your team's story "
           "in a case study, with a link to your site. You answer a few questions (save and come back "
           "whenever you like), approve the story word for word, and can withdraw it at any time.",
           "accept": "Yes, I'm in", "decline": "No, thank you", "save": "Save for later",
           "submit": "Send my answers", "saved": "Saved. Come back to this page whenever you like.",
           "answered": "Thank you! We are writing your story and will send it to you for approval.",
           "draft": "Here is the story, exactly as it would be published:",
           "approve": "Approve this text", "changes": "Ask for changes", "what": "What should change?",
           "approved": "You approved this story.", "published": "Your story is published.",
           "declined": "You declined: we will not ask again for a year.",
           "withdrawn": "This case study is withdrawn: nothing is published.",
           "withdraw": "Withdraw my case study", "done": "Thank you, that is noted."},
    "fr": {"title": "Votre étude de cas {product}", "invite": "{product} aimerait raconter l'histoire de "
           "votre équipe dans une étude de cas, avec un lien vers votre site. Vous répondez à quelques "
           "questions (enregistrez et revenez quand vous voulez), approuvez le texte mot pour mot, et "
           "pouvez le retirer à tout moment.", "accept": "Oui, avec plaisir", "decline": "Non merci",
           "save": "Enregistrer pour plus tard", "submit": "Envoyer mes réponses",
           "saved": "Enregistré. Revenez sur cette page quand vous voulez.",
           "answered": "Merci ! Nous rédigeons votre histoire et vous l'enverrons pour approbation.",
           "draft": "Voici le texte, tel qu'il serait publié :", "approve": "J'approuve ce texte",
           "changes": "Demander des modifications", "what": "Que faut-il changer ?",
           "approved": "Vous avez approuvé ce texte.", "published": "Votre étude de cas est publiée.",
           "declined": "Vous avez refusé : nous ne vous le redemanderons pas avant un an.",
           "withdrawn": "Cette étude de cas est retirée : rien n'est publié.",
           "withdraw": "Retirer mon étude de cas", "done": "Merci, c'est noté."},
}


def _form(action: str, token: str, inner: str, label: str, name: str = "action") -> str:
    e = html.escape
    return (f'<form method="post" action="/case-study/{e(token)}">{inner}'
            f'<button type="submit" name="{name}" value="{e(action)}">{e(label)}</button></form>')


def _story(view: PageView) -> str:
    e = html.escape
    parts = [f"<article><h2>{e(view.title)}</h2>"]
    if view.logo_url:
        parts.append(f'<p><img src="{e(view.logo_url)}" alt="{e(view.company)}" height="48"></p>')
    for section in view.sections:
        if section.heading:
            parts.append(f"<h3>{e(section.heading)}</h3>")
        if section.body:
            parts.append("".join(f"<p>{e(p)}</p>" for p in section.body.split("\n") if p.strip()))
        if section.quote:
            parts.append(f"<blockquote>“{e(section.quote)}”<br>— {e(view.attribution)}</blockquote>")
    parts.append(f'<p>{e(view.company)} — <a href="{e(view.backlink_url)}" rel="noopener">'
                 f"{e(view.backlink_url)}</a></p></article>")
    return "".join(parts)


def render(token: str, view: PageView, notice: str = "", status: int = 200) -> Response:
    t = TEXT["fr" if view.locale.startswith("fr") else "en"]
    e = html.escape
    title = t["title"].format(product=view.product)
    parts = [f"<h1>{e(title)}</h1>"]
    if notice:
        parts.append(f'<p role="status"><strong>{e(notice)}</strong></p>')
    if view.status == "invited":
        parts.append(f"<p>{e(t['invite'].format(product=view.product))}</p>")
        parts.append(_form("accept", token, "", t["accept"]) + _form("decline", token, "", t["decline"]))
    elif view.status == "accepted":
        fields = "".join(
            f'<p><label for="a{i}">{e(q)}</label><br><textarea id="a{i}" name="answer_{i}" rows="5" '
            f'cols="60" maxlength="{MAX_ANSWER}">{e(view.answers.get(str(i), ""))}</textarea></p>'
            for i, q in enumerate(view.questions))
        parts.append(f'<form method="post" action="/case-study/{e(token)}">{fields}'
                     f'<button type="submit" name="action" value="save">{e(t["save"])}</button> '
                     f'<button type="submit" name="action" value="submit">{e(t["submit"])}</button></form>')
    elif view.status == "answered":
        parts.append(f"<p>{e(t['answered'])}</p>")
    elif view.status == "drafted":
        digest = f'<input type="hidden" name="digest" value="{e(view.digest)}">'
        parts.append(f"<p>{e(t['draft'])}</p>{_story(view)}")
        parts.append(_form("approve", token, digest, t["approve"]))
        parts.append(_form("request_changes", token, digest + f'<p><label for="fb">{e(t["what"])}</label>'
                           f'<br><textarea id="fb" name="feedback" rows="4" cols="60" '
                           f'maxlength="{MAX_FEEDBACK}"></textarea></p>', t["changes"]))
    elif view.status in ("approved", "published"):
        parts.append(f"<p>{e(t[view.status])}</p>{_story(view)}")
    else:
        parts.append(f"<p>{e(t[view.status])}</p>")
    if view.status not in ("declined", "withdrawn", "invited"):
        parts.append(_form("withdraw", token, "", t["withdraw"]))
    return _page(title, "".join(parts), status)


@get("/case-study/{token:str}", include_in_schema=False)
async def case_study_page(token: FromPath[str]) -> Response:
    case_study_id = read_token("case_study", token)
    view = await page_view(case_study_id) if case_study_id is not None else None
    return NOT_FOUND if view is None else render(token, view)


@post("/case-study/{token:str}", include_in_schema=False, status_code=200,
      request_max_body_size=MAX_FORM_BYTES)
async def case_study_answer(request: Request, token: FromPath[str]) -> Response:
    case_study_id = read_token("case_study", token)
    if case_study_id is None:
        return NOT_FOUND
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    outcome = await customer_action(case_study_id, fields.get("action", ""), fields)
    clear_local_caches()
    view = await page_view(case_study_id)
    if view is None:
        return NOT_FOUND
    t = TEXT["fr" if view.locale.startswith("fr") else "en"]
    if not outcome.ok:
        return render(token, view, "; ".join(e.message for e in outcome.errors), status=400)
    return render(token, view, t["saved"] if fields.get("action") == "save" else t["done"])


ROUTES = [case_study_page, case_study_answer]
