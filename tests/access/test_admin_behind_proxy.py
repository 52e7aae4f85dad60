"""The admin console as production runs it: behind a TLS-terminating proxy, with security headers.

Issue 10, High 3: with `X-Forwarded-Proto: https` every admin POST (login included) was 403
"Referer or origin is incorrect". Here the app is wrapped in uvicorn's own ProxyHeadersMiddleware
with the trusted-proxy setting, as `plaudit serve` runs it, and driven as a browser would over
HTTPS: the proxy's hop is plain HTTP, the scheme comes from the forwarded header.
"""

from __future__ import annotations

import dataclasses
from contextlib import asynccontextmanager

import httpx
import pytest
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

import settings
from tests.access.test_admin_http import CREATE_FORM, PASSWORD, USERNAME, create_admin_user, csrf_token

PUBLIC_HOST = "admin.example.com"
PROXY = ("10.0.0.7", 41234)  # the proxy's own address, as the app sees the connection


def forwarded(client_ip: str = "203.0.113.9", origin: str = f"https://{PUBLIC_HOST}") -> dict:
    return {"X-Forwarded-Proto": "https", "X-Forwarded-For": client_ip, "Origin": origin}


@pytest.fixture
def tune(monkeypatch):
    def apply(**values):
        monkeypatch.setattr(settings, "SETTINGS", dataclasses.replace(settings.SETTINGS, **values))

    return apply


@asynccontextmanager
async def behind_proxy(redis):
    """The app as served in production: uvicorn's proxy-header handling in front."""
    from api.app import create_app
    from jobs.outbox import Relay

    app = create_app(manage_pool=False)
    app.state.relay = Relay(redis, settings.SETTINGS.queue_name)
    served = ProxyHeadersMiddleware(app, trusted_hosts=settings.SETTINGS.trusted_proxies)
    transport = httpx.ASGITransport(app=served, client=PROXY)
    async with httpx.AsyncClient(transport=transport, base_url=f"http://{PUBLIC_HOST}") as client:
        yield client


def cookie(response: httpx.Response, name: str) -> tuple[str, str]:
    """(value, the whole Set-Cookie line) — read by hand: the jar would not send a Secure
    cookie back over the proxy's plain-HTTP hop."""
    for line in response.headers.get_list("set-cookie"):
        if line.startswith(f"{name}="):
            return line.split(";", 1)[0].split("=", 1)[1], line
    raise AssertionError(f"no {name} cookie in {response.headers.get_list('set-cookie')}")


async def sign_in(client, client_ip: str = "203.0.113.9") -> dict:
    page = await client.get("/admin/", headers=forwarded(client_ip))
    assert page.status_code == 200
    csrf = client.cookies.get("csrftoken") or cookie(page, "csrftoken")[0]
    login = await client.post("/admin/public/login/", json={"username": USERNAME, "password": PASSWORD},
                              headers={**forwarded(client_ip), "X-CSRFToken": csrf,
                                       "Cookie": f"csrftoken={csrf}"})
    assert login.status_code == 200, login.text
    session, line = cookie(login, "id")
    assert "httponly" in line.lower()
    assert ("secure" in line.lower()) == settings.SETTINGS.admin_production
    return {"X-CSRFToken": csrf, "Cookie": f"csrftoken={csrf}; id={session}"}


async def test_login_and_forms_work_over_https_behind_the_proxy(redis, tune):
    tune(allowed_hosts=(PUBLIC_HOST,), trusted_proxies=PROXY[0], admin_production=True,
         secret_key="k" * 48)
    await create_admin_user()
    async with behind_proxy(redis) as client:
        page = await client.get("/admin/", headers=forwarded())
        _, csrf_line = cookie(page, "csrftoken")
        assert "secure" in csrf_line.lower()  # production: never sent over plain HTTP
        session = await sign_in(client)
        form = {"name": "Billing sync", "scopes": "customers:read", "product_slug": "",
                "expires_in_days": 0}
        created = await client.post(CREATE_FORM, json=form, headers={**forwarded(), **session})
        assert created.status_code == 200, created.text
        assert "pld_" in created.json()["custom_form_success"]
        # The Origin check runs (the scheme is https): another site's page cannot post.
        forged = await client.post(CREATE_FORM, json=form,
                                   headers={**forwarded(origin="https://evil.example"), **session})
        assert forged.status_code == 403


async def test_without_the_public_host_the_proxy_path_is_refused(redis, tune):
    """What production saw before the setting existed: every POST 403 over HTTPS."""
    tune(allowed_hosts=(), public_base_url="https://elsewhere.example", trusted_proxies=PROXY[0])
    await create_admin_user()
    async with behind_proxy(redis) as client:
        page = await client.get("/admin/", headers=forwarded())
        csrf, _ = cookie(page, "csrftoken")
        login = await client.post("/admin/public/login/",
                                  json={"username": USERNAME, "password": PASSWORD},
                                  headers={**forwarded(), "X-CSRFToken": csrf, "Cookie": f"csrftoken={csrf}"})
        assert login.status_code == 403
    # PUBLIC_BASE_URL's host is allowed by default.
    tune(allowed_hosts=(), public_base_url=f"https://{PUBLIC_HOST}", trusted_proxies=PROXY[0])
    async with behind_proxy(redis) as client:
        await sign_in(client)


async def test_an_untrusted_peer_cannot_claim_https_or_another_address(redis, tune):
    tune(allowed_hosts=(PUBLIC_HOST,), trusted_proxies="192.0.2.1")  # not our PROXY
    async with behind_proxy(redis) as client:
        response = await client.get("/graphql", params={"query": "{ __typename }"},
                                    headers=forwarded())
        assert response.status_code == 200
        # HSTS only with production; the forwarded scheme was not believed either way.
        assert "strict-transport-security" not in response.headers


async def test_the_login_limit_says_when_to_retry(redis, tune):
    tune(allowed_hosts=(PUBLIC_HOST,), trusted_proxies=PROXY[0])
    await create_admin_user()
    async with behind_proxy(redis) as client:
        page = await client.get("/admin/", headers=forwarded("198.51.100.4"))
        csrf, _ = cookie(page, "csrftoken")
        headers = {**forwarded("198.51.100.4"), "X-CSRFToken": csrf, "Cookie": f"csrftoken={csrf}"}
        statuses = []
        for _ in range(22):
            response = await client.post("/admin/public/login/", headers=headers,
                                         json={"username": USERNAME, "password": "wrong"})
            statuses.append(response.status_code)
        assert statuses[-1] == 429
        assert 1 <= int(response.headers["retry-after"]) <= 301
        # Counted per client (X-Forwarded-For from the trusted proxy), not per proxy.
        await sign_in(client, client_ip="198.51.100.5")


async def test_the_consent_page_runs_no_script_and_cannot_be_framed(http, candidate):
    from models.core.links import make_token

    page = await http.get(f"/consent/{make_token('consent', candidate.id)}")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy
    assert "frame-ancestors 'none'" in policy and page.headers["x-frame-options"] == "DENY"


async def test_security_headers(http, tune):
    graphiql = await http.get("/graphql", headers={"Accept": "text/html"})
    assert graphiql.status_code == 200 and graphiql.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in graphiql.headers["content-security-policy"]
    admin = await http.get("/admin/")
    policy = admin.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy
    demo = await http.get("/demo")
    script_src = next(p for p in demo.headers["content-security-policy"].split(";") if "script-src" in p)
    assert "'sha256-" in script_src and "unsafe-inline" not in script_src
    api = await http.post("/graphql", json={"query": "{ __typename }"})
    for response in (graphiql, admin, demo, api):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "strict-transport-security" not in response.headers
    assert "content-security-policy" not in api.headers  # JSON: nothing to frame or script
    tune(admin_production=True, secret_key="k" * 48)
    assert (await http.post("/graphql", json={"query": "{ __typename }"})).headers[
        "strict-transport-security"].startswith("max-age=")


@pytest.fixture
async def console(http) -> str:
    """`http` signed in to the admin (plain HTTP, as in development); the CSRF token."""
    await create_admin_user()
    csrf = await csrf_token(http)
    response = await http.post("/admin/public/login/", json={"username": USERNAME, "password": PASSWORD},
                               headers={"X-CSRFToken": csrf})
    assert response.status_code == 200
    return csrf


async def test_csv_export_cells_cannot_become_formulas(http, console, product):
    from models.core.actors import SYSTEM
    from models.people.customers import upsert_customers

    await upsert_customers(SYSTEM, product.id, [{
        "external_id": "evil", "email": "evil@example.com", "company": '=HYPERLINK("http://x","y")',
        "first_name": "+1 555", "last_name": "@SUM(A1)"}])
    headers = {"X-CSRFToken": console}
    export = await http.get("/admin/api/tables/customer/", headers=headers,
                            params={"__page_size": 1000, "__readable": "true", "__page": 1})
    row = export.json()["rows"][0]
    assert row["company"] == "'=HYPERLINK(\"http://x\",\"y\")"
    assert (row["first_name"], row["last_name"]) == ("'+1 555", "'@SUM(A1)")
    assert int(export.headers["content-length"]) == len(export.content)
    view = await http.get("/admin/api/tables/customer/", headers=headers,
                          params={"__page_size": 15, "__readable": "true", "__page": 1})
    assert view.json()["rows"][0]["company"] == '=HYPERLINK("http://x","y")'  # shown as stored
