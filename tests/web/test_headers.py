"""Security headers on every response, and the cookie flags a browser receives."""

from __future__ import annotations

from pathlib import Path

import pytest

from coopshop import create_app
from tests.support.factories import PASSWORD, UserFactory
from tests.web.test_config import production_env  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "path", ["/", "/auth/login", "/boyle-bir-sayfa-yok", "/healthz", "/api/v1/products"]
)
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in response.headers  # not over plain http in tests


def test_production_sends_hsts_and_secure_remember_cookies(production_env):  # noqa: F811
    app = create_app(production_env)
    response = app.test_client().get("/auth/login", base_url="https://shop.example")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert app.config["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_DURATION"] == 30 * 24 * 3600


def test_the_remember_cookie_is_httponly_and_samesite(client):
    user = UserFactory()
    response = client.post(
        "/auth/login", data={"email": user.email, "password": PASSWORD, "remember": "y"}
    )
    cookies = response.headers.getlist("Set-Cookie")
    remember = next(c for c in cookies if c.startswith("remember_token="))
    session = next(c for c in cookies if c.startswith("session="))
    for cookie in (remember, session):
        assert "; HttpOnly" in cookie
        assert "; SameSite=Lax" in cookie


def test_no_template_has_inline_script_or_style():
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        for needle in (" style=", "<style", " onclick=", " onload=", " onchange=", " onsubmit="):
            if needle in text:
                offenders.append(f"{path.relative_to(ROOT)}: {needle.strip()}")
        for chunk in text.split("<script")[1:]:
            opening = chunk.split(">", 1)[0]
            # A JSON data block is never run by the browser (the CSP has nothing to allow).
            if "src=" not in opening and 'type="application/json"' not in opening:
                offenders.append(f"{path.relative_to(ROOT)}: inline <script>")
    assert offenders == []


@pytest.mark.parametrize("role", ["guest", "admin", "producer"])
def test_rendered_pages_have_no_inline_script_or_style_attribute(client, role):
    from tests.web.test_roles import log_in_as

    log_in_as(client, role)
    paths = {"guest": ["/", "/auth/login", "/cart"], "admin": ["/admin/", "/admin/reports"]}
    for path in paths.get(role, ["/producer/", "/producer/products"]):
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        assert " style=" not in html, path
        assert " onclick=" not in html, path
        for chunk in html.split("<script")[1:]:
            assert "src=" in chunk.split(">", 1)[0], path
