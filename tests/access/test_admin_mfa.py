"""Multi-factor sign-in for admins: an enrolled admin needs the authenticator code to log in,
and with PLAUDIT_ADMIN_REQUIRE_MFA an admin who has not enrolled can only enrol."""

from __future__ import annotations

import dataclasses

import pyotp
from piccolo.apps.user.tables import BaseUser
from piccolo_api.mfa.authenticator.tables import AuthenticatorSecret
from piccolo_api.session_auth.tables import SessionsBase

import settings
from admin.access.mfa import provider

USERNAME, PASSWORD = "grace", "correct-horse-battery-staple"


async def login(http, **extra):
    await http.get("/admin/")
    return await http.post("/admin/public/login/",
                           json={"username": USERNAME, "password": PASSWORD, **extra},
                           headers={"X-CSRFToken": http.cookies["csrftoken"]})


async def test_an_enrolled_admin_needs_the_code(http):
    user = await BaseUser.create_user(username=USERNAME, password=PASSWORD, admin=True,
                                      superuser=True, active=True)
    secret, recovery = await AuthenticatorSecret.create_new(
        user_id=user.id, encryption_provider=provider().encryption_provider)
    stored = await AuthenticatorSecret.select(AuthenticatorSecret.secret).first()
    plain = provider().encryption_provider.decrypt(stored["secret"])
    assert stored["secret"] != plain  # encrypted at rest

    without = await login(http)
    assert "id" not in http.cookies and without.status_code == 401
    assert without.json()["detail"] == "MFA code required"
    wrong = await login(http, mfa_code="000000")
    assert "id" not in http.cookies and wrong.status_code >= 400
    # The previous step's code (a code typed as the step turned) is accepted, once.
    import time

    previous = pyotp.TOTP(plain).at(time.time() - 30)
    right = await login(http, mfa_code=previous)
    assert right.status_code in (200, 303), right.text
    assert "id" in http.cookies
    http.cookies.clear()
    replayed = await login(http, mfa_code=previous)
    assert replayed.status_code >= 400 and "id" not in http.cookies
    stale = await login(http, mfa_code=pyotp.TOTP(plain).at(time.time() - 120))
    assert stale.status_code >= 400 and "id" not in http.cookies
    assert len(recovery) == 8


async def test_required_mfa_holds_unenrolled_admins_at_the_setup(http, monkeypatch):
    monkeypatch.setattr(settings, "SETTINGS", dataclasses.replace(settings.SETTINGS,
                                                                  admin_require_mfa=True))
    user = await BaseUser.create_user(username=USERNAME, password=PASSWORD, admin=True,
                                      superuser=True, active=True)
    await http.get("/admin/")
    session = await SessionsBase.create_session(user_id=user.id)
    http.cookies.set("id", session.token)
    refused = await http.get("/admin/api/tables/")
    assert refused.status_code == 403 and "MFA setup" in refused.json()["detail"]
    assert (await http.get("/admin/api/user/")).status_code == 200
    setup = await http.get("/admin/api/mfa-setup/")
    assert setup.status_code == 200 and "<button>Enable</button>" in setup.text
    await AuthenticatorSecret.create_new(user_id=user.id,
                                         encryption_provider=provider().encryption_provider)
    assert (await http.get("/admin/api/tables/")).status_code == 200
