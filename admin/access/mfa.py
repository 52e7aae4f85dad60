"""Multi-factor sign-in for the admin: an authenticator app (TOTP), Piccolo Admin's own provider.

Each admin enrols from the user menu (MFA setup); once enrolled, the login asks for the code.
With PLAUDIT_ADMIN_REQUIRE_MFA=true (recommended in production) an admin who has not enrolled
can do nothing but enrol: every other admin API call answers 403 until they have.
The TOTP secrets are stored encrypted (Fernet) with a key derived from PLAUDIT_SECRET_KEY.
"""

from __future__ import annotations

import base64
import hashlib
import json

import settings

ALLOWED_WITHOUT_MFA = (b"/api/mfa-setup", b"/api/user", b"/api/meta", b"/api/translations",
                       b"/auth/", b"/public/", b"/api/csrf", b"/assets/")


def provider():
    from piccolo_api.encryption.providers import FernetProvider
    from piccolo_api.mfa.authenticator.provider import AuthenticatorProvider

    key = base64.urlsafe_b64encode(hashlib.sha256(b"plaudit-mfa:" + settings.SETTINGS.secret_key.encode())
                                   .digest())
    # valid_window=1: the code of the step before or after is accepted too (RFC 6238's allowance
    # for clock drift and typing time); a code is still usable once (Piccolo refuses replays).
    return AuthenticatorProvider(FernetProvider(encryption_key=key), issuer_name="Plaudit",
                                 valid_window=1)


def require_enrolment(admin_app, mfa_provider):
    """Wraps the admin ASGI app: with PLAUDIT_ADMIN_REQUIRE_MFA, signed-in admins who have not
    enrolled are held at the MFA setup."""

    async def guarded(scope, receive, send):
        path = scope.get("path", "")
        root = scope.get("root_path", "")
        if root and path.startswith(root):  # mounted under /admin: the admin's own path
            path = path[len(root):]
        if (scope["type"] != "http" or not settings.SETTINGS.admin_require_mfa
                or not path.startswith("/api/") or path.encode().startswith(ALLOWED_WITHOUT_MFA)):
            await admin_app(scope, receive, send)
            return
        user_id = await _session_user(scope)
        if user_id is not None:
            from piccolo.apps.user.tables import BaseUser

            user = await BaseUser.objects().get(BaseUser.id == user_id)
            if user is not None and not await mfa_provider.is_user_enrolled(user):
                body = json.dumps({"detail": "Set up multi-factor sign-in first: user menu → MFA "
                                             "setup (an authenticator app)."}).encode()
                await send({"type": "http.response.start", "status": 403,
                            "headers": [(b"content-type", b"application/json")]})
                await send({"type": "http.response.body", "body": body})
                return
        await admin_app(scope, receive, send)

    return guarded


async def _session_user(scope) -> int | None:
    from piccolo_api.session_auth.tables import SessionsBase

    cookies = dict(scope["headers"]).get(b"cookie", b"").decode("latin-1")
    token = next((part.split("=", 1)[1] for part in cookies.split("; ") if part.startswith("id=")), None)
    if not token:
        return None
    return await SessionsBase.get_user_id(token)
