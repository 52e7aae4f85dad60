"""The reviewer's consent page: grant or decline each placement, allow the photo, revoke later.
The link's HMAC token is the credential (no account); models/quotes/consent.py holds every rule."""

from __future__ import annotations

import html

from litestar import Request, Response, get, post
from litestar.params import FromPath

from api.asking.links import NOT_FOUND, _page
from api.quotes.showcase_cache import clear_local_caches
from models.core.links import read_token
from models.quotes.consent import ConsentView, consent_view, decide_consent, labels, revoke_consent

TEXT = {
    "en": {"title": "May we quote you?", "intro": "{product} would like to share your words:",
           "ask": "Where may we show them?", "yes": "Yes", "no": "No",
           "photo": "Show my photo with it", "save": "Save my choices",
           "granted": "You allowed: {places}.", "revoke": "Withdraw my consent everywhere",
           "revoke_note": "Withdrawing takes the quote down at once.",
           "closed": "This quote is no longer in use. Thank you!",
           "saved": "Thank you, your choices are saved.", "none": "Nothing is pending.",
           "withdrawn": "You withdrew your consent: the quote is not shown anywhere."},
    "fr": {"title": "Pouvons-nous vous citer ?", "intro": "{product} aimerait partager vos mots :",
           "ask": "Où pouvons-nous les afficher ?", "yes": "Oui", "no": "Non",
           "photo": "Afficher ma photo", "save": "Enregistrer mes choix",
           "granted": "Vous avez accepté : {places}.", "revoke": "Retirer mon accord partout",
           "revoke_note": "Le retrait supprime la citation immédiatement.",
           "closed": "Cette citation n'est plus utilisée. Merci !",
           "saved": "Merci, vos choix sont enregistrés.", "none": "Rien n'est en attente.",
           "withdrawn": "Vous avez retiré votre accord : la citation n'est plus affichée."},
}


def _render(token: str, view: ConsentView, notice: str = "", status: int = 200) -> Response:
    locale = "fr" if (view.locale or "").startswith("fr") else "en"
    t, names = TEXT[locale], labels(locale)
    e = html.escape
    parts = [f"<h1>{e(t['title'])}</h1>"]
    if notice:
        parts.append(f'<p role="status"><strong>{e(notice)}</strong></p>')
    parts.append(f"<p>{e(t['intro'].format(product=view.product))}</p>"
                 f"<blockquote>“{e(view.text)}”<br>— {e(view.attribution)}</blockquote>")
    if view.closed:
        parts.append(f"<p>{e(t['closed'])}</p>")
        return _page(t["title"], "".join(parts), status)
    pending = [p for p, s in view.states.items() if s == "requested"]
    action = f"/consent/{e(token)}"
    if pending:
        rows = "".join(
            f'<fieldset><legend>{e(names[p])}</legend>'
            f'<label><input type="radio" name="{p}" value="yes" required> {t["yes"]}</label> '
            f'<label><input type="radio" name="{p}" value="no"> {t["no"]}</label></fieldset>'
            for p in pending)
        photo = ""
        if view.photo_url:
            photo = (f'<p><img src="{e(view.photo_url)}" alt="" width="64" height="64"> <label>'
                     f'<input type="checkbox" name="photo" value="yes"> {e(t["photo"])}</label></p>')
        parts.append(f'<form method="post" action="{action}"><input type="hidden" name="action" '
                     f'value="decide"><p>{e(t["ask"])}</p>{rows}{photo}'
                     f'<button type="submit">{e(t["save"])}</button></form>')
    granted = [names[p] for p, s in view.states.items() if s == "granted"]
    if granted:
        parts.append(f"<p>{e(t['granted'].format(places=', '.join(granted)))}</p>"
                     f'<form method="post" action="{action}"><input type="hidden" name="action" '
                     f'value="revoke"><p>{e(t["revoke_note"])}</p>'
                     f'<button type="submit">{e(t["revoke"])}</button></form>')
    if not pending and not granted:
        withdrawn = "revoked" in view.states.values()
        parts.append(f"<p>{e(t['withdrawn' if withdrawn else 'none'])}</p>")
    return _page(t["title"], "".join(parts), status)


@get("/consent/{token:str}", include_in_schema=False)
async def consent_page(token: FromPath[str]) -> Response:
    quote_id = read_token("consent", token)
    view = await consent_view(quote_id) if quote_id is not None else None
    return NOT_FOUND if view is None else _render(token, view)


@post("/consent/{token:str}", include_in_schema=False, status_code=200)
async def consent_answer(request: Request, token: FromPath[str]) -> Response:
    quote_id = read_token("consent", token)
    if quote_id is None:
        return NOT_FOUND
    form = await request.form()
    if form.get("action") == "revoke":
        outcome = await revoke_consent(quote_id)
    else:
        decisions = {key: value == "yes" for key, value in form.items()
                     if key not in ("action", "photo") and value in ("yes", "no")}
        outcome = await decide_consent(quote_id, decisions, form.get("photo") == "yes")
    clear_local_caches()
    view = await consent_view(quote_id)
    if view is None:
        return NOT_FOUND
    if not outcome.ok:
        return _render(token, view, "; ".join(e.message for e in outcome.errors), status=400)
    locale = "fr" if (view.locale or "").startswith("fr") else "en"
    return _render(token, view, TEXT[locale]["saved"])


ROUTES = [consent_page, consent_answer]
