"""Fixture plugin (tests/conftest.py): `console`, an admin session on the Piccolo Admin console,
and `submit`, which posts one of its forms and returns the message it shows."""

from __future__ import annotations

import pytest
from piccolo.apps.user.tables import BaseUser
from piccolo_api.session_auth.tables import SessionsBase


@pytest.fixture
async def console(http):
    """`http` with an admin session, created directly (logins are rate-limited); returns the CSRF
    headers writes need."""
    user = await BaseUser.create_user(username="grace", password="correct-horse-battery-staple",
                                      admin=True, superuser=True, active=True)
    assert (await http.get("/admin/")).status_code == 200
    session = await SessionsBase.create_session(user_id=user.id)
    http.cookies.set("id", session.token)
    return {"X-CSRFToken": http.cookies["csrftoken"]}


async def submit(http, headers, form: str, data: dict, status: int = 200) -> str:
    """Posts the console form named `form` (its slug); the success or error message shown."""
    response = await http.post(f"/admin/api/forms/{form}/", json=data, headers=headers)
    assert response.status_code == status, response.text
    body = response.json()
    return body["custom_form_success"] if status == 200 else body["custom_form_error"]
