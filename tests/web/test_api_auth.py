"""API authentication, roles and the error shape: bearer tokens only (never the session cookie),
a token acts with its user's role, every error under /api/v1 is JSON with a string code."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from coopshop.db import db
from coopshop.models import ApiToken, AuditEvent
from coopshop.services.members import users
from tests.support.factories import PASSWORD, UserFactory
from tests.support.sql_counter import count_queries
from tests.web.api_helpers import assert_error, bearer, caller, token_for

ROLES = ("guest", "customer", "producer", "staff", "admin")

# (method, path, JSON body) for every protected operation, and who may call it. Ids that do not
# exist are fine: a caller who is let through gets 404/409/422, never 401 or 403.
PROTECTED = [
    (
        "POST",
        "/api/v1/sales",
        {"channel": "bazaar", "payment_method": "cash", "lines": [{"code": "YOK", "quantity": 1}]},
        {"staff", "admin"},
    ),
    ("GET", "/api/v1/orders/999", None, {"staff", "admin"}),
    (
        "POST",
        "/api/v1/orders/999/refunds",
        {"lines": [{"line_id": 1, "amount_kurus": 100}]},
        {"admin"},
    ),
    ("GET", "/api/v1/me/balance", None, {"producer"}),
    ("GET", "/api/v1/me/sales", None, {"producer"}),
    ("GET", "/api/v1/producers/999/balance", None, {"admin"}),
    ("GET", "/api/v1/ledger/check", None, {"admin"}),
    ("POST", "/api/v1/payouts", {"cutoff": "2025-01-31T23:59:59+03:00"}, {"admin"}),
    ("GET", "/api/v1/payouts/999", None, {"admin"}),
    ("POST", "/api/v1/payouts/999/approve", None, {"admin"}),
    ("POST", "/api/v1/payouts/999/lines/1/paid", {"reference": "EFT-1"}, {"admin"}),
    ("POST", "/api/v1/payouts/999/lines/1/failed", {"reason": "IBAN hatalı"}, {"admin"}),
]
PUBLIC = ["/api/v1/products", "/api/v1/collections"]


def _call(client, method, path, body, headers):
    return client.open(path, method=method, json=body, headers=headers or {})


@pytest.mark.parametrize("role", ROLES)
def test_roles_and_operations(client, role):
    headers = None if role == "guest" else caller(role)[1]
    for method, path, body, allowed in PROTECTED:
        response = _call(client, method, path, body, headers)
        if role == "guest":
            assert_error(response, 401, "unauthorized")
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
        elif role not in allowed:
            assert_error(response, 403, "forbidden")
        else:
            assert response.status_code not in (401, 403), (method, path, response.get_json())
            assert response.is_json
    for path in PUBLIC:
        response = client.get(path, headers=headers or {})
        assert response.status_code == 200, path


def test_a_logged_in_session_does_not_authenticate_the_api(client, login):
    admin = UserFactory(role="admin")
    login(admin)
    assert client.get("/admin/").status_code == 200  # the cookie works for the pages
    response = client.get("/api/v1/ledger/check")
    assert_error(response, 401, "unauthorized")
    # and a POST with the cookie and no CSRF token is refused for the same reason, not by CSRF
    response = client.post("/api/v1/payouts", json={"cutoff": "2025-01-31T00:00:00+03:00"})
    assert_error(response, 401, "unauthorized")


@pytest.mark.parametrize(
    ("header", "code"),
    [
        ("Bearer ", "unauthorized"),
        ("Basic dXNlcjpwYXNz", "unauthorized"),
        ("Token abc", "unauthorized"),
        ("Bearer cs_wrong", "invalid_token"),
        ("Bearer " + "x" * 500, "invalid_token"),
    ],
)
def test_bad_authorization_headers_are_refused(client, header, code):
    response = client.get("/api/v1/products", headers={"Authorization": header})
    assert_error(response, 401, code)
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="coopshop"'


def test_a_revoked_token_and_a_deactivated_user_are_refused(client):
    user, headers = caller("admin")
    assert client.get("/api/v1/ledger/check", headers=headers).status_code == 200
    row = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    row.revoked_at = row.created_at
    db.session.commit()
    assert_error(client.get("/api/v1/ledger/check", headers=headers), 401, "invalid_token")

    other, other_headers = caller("admin")
    other.active = False
    db.session.commit()
    assert_error(client.get("/api/v1/ledger/check", headers=other_headers), 401, "invalid_token")


def test_a_token_acts_with_its_users_role_at_the_time_of_the_call(client):
    user, headers = caller("staff")
    assert_error(client.get("/api/v1/ledger/check", headers=headers), 403, "forbidden")
    user.role = "admin"
    db.session.commit()
    assert client.get("/api/v1/ledger/check", headers=headers).status_code == 200


def test_a_call_records_when_the_token_was_last_used(client):
    user, headers = caller("customer")
    row = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert row.last_used_at is None
    client.get("/api/v1/products", headers=headers)
    db.session.refresh(row)
    assert row.last_used_at is not None


def test_errors_are_json_with_string_codes_everywhere_under_the_api(client):
    _, headers = caller("admin")
    assert_error(client.get("/api/v1/no-such-thing", headers=headers), 404, "not_found")
    assert_error(client.get("/api/v1/orders/0", headers=headers), 404, "not_found")
    assert_error(client.get("/api/v1/orders/abc", headers=headers), 404, "not_found")
    assert_error(client.get(f"/api/v1/orders/{10**30}", headers=headers), 404, "not_found")
    response = client.delete("/api/v1/products", headers=headers)
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]
    error = assert_error(client.get("/api/v1/orders/4242", headers=headers), 404, "not_found")
    assert error["message"] == "Sipariş bulunamadı."


def test_error_messages_follow_accept_language(client):
    _, headers = caller("admin")
    response = client.get(
        "/api/v1/orders/4242", headers={**headers, "Accept-Language": "en-GB,en;q=0.8"}
    )
    assert assert_error(response, 404, "not_found")["message"] == "Order not found."


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (b"", None, "İstek gövdesi geçerli JSON değil."),
        (b"{not json", None, "İstek gövdesi geçerli JSON değil."),
        (b"[]", None, "JSON nesnesi olmalı."),
        (b'{"cutoff": "2025-01-31T10:00:00"}', "cutoff", None),
        ('{"cutoff": "dün"}'.encode(), "cutoff", None),
        (b'{"cutoff": "0001-01-01T00:00:00+01:00"}', "cutoff", "2000 ile 2100 arasında"),
        (b'{"cutoff": 1738281600}', "cutoff", None),
        (b'{"cutoff": "2025-01-31T10:00:00+03:00", "extra": 1}', "extra", "Bilinmeyen alan."),
        (b"{}", "cutoff", "Bu alan gerekli."),
    ],
)
def test_bad_input_is_a_400_naming_the_field(client, body, field, message):
    _, headers = caller("admin")
    response = client.post(
        "/api/v1/payouts", data=body, headers={**headers, "Content-Type": "application/json"}
    )
    error = assert_error(response, 400, "validation_error", field)
    if message:
        assert message in error["message"]


def test_tokens_page_creates_shows_once_lists_and_revokes(client, login):
    user = UserFactory(role="producer", name="Ayşe Demir")
    login(user)
    assert 'href="/account/tokens"' in client.get("/account").get_data(as_text=True)
    page = client.get("/account/tokens")
    assert page.status_code == 200
    assert "Henüz bir API anahtarınız yok." in page.get_data(as_text=True)

    created = client.post("/account/tokens", data={"name": "Pazar tableti"})
    assert created.status_code == 302
    html = client.get("/account/tokens").get_data(as_text=True)
    row = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    token = html.split('id="new-token" type="text" readonly value="')[1].split('"')[0]
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert "Pazar tableti" in html
    assert "hiç kullanılmadı" in html
    # shown once only
    assert token not in client.get("/account/tokens").get_data(as_text=True)

    assert client.get("/api/v1/me/balance", headers=bearer(token)).status_code in (200, 403)
    assert "hiç kullanılmadı" not in client.get("/account/tokens").get_data(as_text=True)

    revoked = client.post(f"/account/tokens/{row.id}/revoke")
    assert revoked.status_code == 302
    assert "İptal edildi" in client.get("/account/tokens").get_data(as_text=True)
    assert_error(client.get("/api/v1/products", headers=bearer(token)), 401, "invalid_token")
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"api_token.created", "api_token.revoked"} <= actions


def test_tokens_page_refuses_a_long_name_and_anothers_token(client, login):
    owner = UserFactory()
    token_for(owner)
    other_token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == owner.id))
    login(UserFactory())
    response = client.post("/account/tokens", data={"name": "x" * 81})
    assert response.status_code == 400
    assert db.session.scalar(select(ApiToken).where(ApiToken.user_id != owner.id)) is None
    assert client.post(f"/account/tokens/{other_token.id}/revoke").status_code == 404
    db.session.refresh(other_token)
    assert other_token.revoked_at is None


def test_tokens_page_needs_a_login(client):
    response = client.get("/account/tokens")
    assert response.status_code == 302
    assert "/auth/login" in response.location


def test_a_token_from_the_command_line_works(app, client):
    user = UserFactory(email="muhasebe@example.org", role="admin")
    result = app.test_cli_runner().invoke(args=["users", "token", user.email])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert client.get("/api/v1/ledger/check", headers=bearer(token)).get_json()["ok"] is True


def test_the_login_form_still_takes_the_password(client):
    # sanity: the API's token auth did not change how the pages log in
    user = UserFactory()
    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302


def test_an_unexpected_failure_is_a_json_500(app, client, monkeypatch):
    from coopshop.services.books import ledger_check

    def broken():
        raise RuntimeError("boom")

    _, headers = caller("admin")
    monkeypatch.setattr(ledger_check, "check", broken)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    response = client.get("/api/v1/ledger/check", headers=headers)
    error = assert_error(response, 500, "internal_error")
    assert "boom" not in error["message"]


def test_the_api_needs_no_csrf_token_but_the_pages_still_do(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    _, headers = caller("admin")
    response = client.post(
        "/api/v1/payouts", json={"cutoff": "2025-01-31T00:00:00+03:00"}, headers=headers
    )
    assert response.status_code == 200, response.get_json()  # nothing to pay, no CSRF refusal
    user = UserFactory()
    client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert client.post("/account/tokens", data={"name": "x"}).status_code == 400


def test_the_last_use_is_written_at_most_once_in_a_few_minutes(client):
    user, headers = caller("customer")
    row = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    client.get("/api/v1/products", headers=headers)
    db.session.refresh(row)
    first = row.last_used_at
    with count_queries() as statements:
        client.get("/api/v1/products", headers=headers)
    assert not [s for s in statements if s.lstrip().upper().startswith("UPDATE")]
    db.session.refresh(row)
    assert row.last_used_at == first
    row.last_used_at = first - users.TOKEN_USE_GRANULARITY
    db.session.commit()
    client.get("/api/v1/products", headers=headers)
    db.session.refresh(row)
    assert row.last_used_at >= first  # written again once the granularity had passed
