"""Sessions that can be ended, throttled logins, and links that never come from the Host header."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from coopshop.db import db
from coopshop.models import OutboxMessage, User, utcnow
from coopshop.services.members import membership, signin
from tests.support.factories import PASSWORD, ProducerFactory, UserFactory
from tests.web.test_api_limits import limited_app  # noqa: F401, F811  (fixture)

NEW_PASSWORD = "yeni-parola-5678"


def log_in(client, user, password=PASSWORD, remember=False):
    data = {"email": user.email, "password": password}
    if remember:
        data["remember"] = "y"
    return client.post("/auth/login", data=data)


def copy_of(app, client):
    """A second browser holding the very same cookies (a stolen or forgotten session)."""
    other = app.test_client()
    for cookie in client._cookies.values():
        other.set_cookie(cookie.key, cookie.value, domain=cookie.domain)
    return other


def only_remember_cookie(app, client):
    other = app.test_client()
    cookie = client.get_cookie("remember_token")
    assert cookie is not None
    other.set_cookie("remember_token", cookie.value, domain=cookie.domain)
    return other


def test_logout_ends_a_copied_session_and_the_remember_cookie(app, client):
    user = UserFactory()
    assert log_in(client, user, remember=True).status_code == 302
    stolen = copy_of(app, client)
    remembered = only_remember_cookie(app, client)
    assert stolen.get("/account").status_code == 200
    assert remembered.get("/account").status_code == 200  # the cookie alone logs in

    client.post("/auth/logout")
    assert stolen.get("/account").status_code == 302
    assert remembered.get("/account").status_code == 302
    assert db.session.get(User, user.id).session_generation == 1


def test_sign_out_everywhere_ends_her_other_browsers(app, client):
    user = UserFactory()
    phone = app.test_client()
    log_in(phone, user, remember=True)
    log_in(client, user)
    assert "Tüm cihazlarda çıkış yap" in client.get("/account").get_data(as_text=True)
    response = client.post("/auth/sessions/end")
    assert (response.status_code, response.location) == (302, "/auth/login")
    assert "Tüm cihazlarda oturumunuz kapatıldı." in client.get("/auth/login").get_data(
        as_text=True
    )
    assert phone.get("/account").status_code == 302
    assert client.get("/account").status_code == 302
    assert log_in(phone, user).status_code == 302  # she can log in again
    assert phone.get("/account").status_code == 200


def test_a_password_reset_ends_every_session(app, client):
    user = UserFactory()
    log_in(client, user, remember=True)
    remembered = only_remember_cookie(app, client)
    token = signin.users.make_reset_token(user, app.config["SECRET_KEY"])
    other = app.test_client()
    response = other.post(
        f"/auth/reset/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/account").status_code == 302
    assert remembered.get("/account").status_code == 302


@pytest.mark.parametrize("action", ["suspend", "role"])
def test_suspension_and_a_role_change_end_her_sessions(app, client, action):
    profile = ProducerFactory()
    log_in(client, profile.user, remember=True)
    assert client.get("/producer/").status_code == 200
    if action == "suspend":
        membership.change_status(profile, "suspend", actor_id=None)
    else:
        signin.change_role(profile.user, "customer", actor_id=None)
    db.session.commit()
    assert client.get("/producer/").status_code == 302  # to the login page, not a 403


def test_a_role_change_to_the_same_role_changes_nothing(app):
    user = UserFactory(role="staff")
    signin.change_role(user, "staff", actor_id=None)
    assert user.session_generation == 0


def test_login_starts_a_new_session_with_a_new_csrf_secret(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    user = UserFactory()
    client.get("/auth/login")
    with client.session_transaction() as before:
        before["planted"] = "by an attacker"
        old_secret = before["csrf_token"]
    html = client.get("/auth/login").get_data(as_text=True)
    token = html.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post(
        "/auth/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    with client.session_transaction() as after:
        assert "planted" not in after
        assert after.get("csrf_token") != old_secret
        assert after["_user_id"] == f"{user.id}:0"


def test_an_old_style_session_without_a_generation_is_refused(app, client):
    user = UserFactory()
    with client.session_transaction() as stored:
        stored["_user_id"] = str(user.id)
        stored["_fresh"] = True
    assert client.get("/account").status_code == 302


# --- throttling -------------------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_account_and_mail_her(app, client):
    user = UserFactory(email="emine@example.org", name="Emine Arslan")
    for _ in range(4):
        assert log_in(client, user, "yanlis-parola").status_code == 200
    response = log_in(client, user, "yanlis-parola")
    assert response.status_code == 429
    assert "Çok fazla yanlış deneme." in response.get_data(as_text=True)
    # Locked: even the right password is refused, from any address.
    other = app.test_client()
    response = other.post(
        "/auth/login",
        data={"email": user.email, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
    )
    assert response.status_code == 429
    assert other.get("/account").status_code == 302
    notices = db.session.scalars(select(OutboxMessage)).all()
    assert [(m.to, m.subject) for m in notices] == [
        ("emine@example.org", "Hesabınıza çok sayıda hatalı giriş denemesi")
    ]
    assert "Merhaba Emine Arslan," in notices[0].body

    # When the lock has run out the right password works and the count starts again.
    stored = db.session.get(User, user.id)
    stored.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert log_in(other, user).status_code == 302
    assert db.session.get(User, user.id).failed_logins == 0


def test_the_lock_grows_with_each_further_wrong_password():
    assert [signin.lock_for(n) for n in (1, 4)] == [None, None]
    assert [signin.lock_for(n) for n in (5, 6, 7, 10)] == [
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
        timedelta(minutes=32),
    ]
    assert signin.lock_for(40) == timedelta(hours=24)
    assert signin.lock_for(10_000) == timedelta(hours=24)


def test_an_unknown_address_locks_nothing_and_mails_no_one(app, client):
    for _ in range(8):
        response = client.post(
            "/auth/login", data={"email": "kimse@example.org", "password": "yanlis-parola"}
        )
        assert response.status_code == 200
        assert "E-posta ya da parola yanlış." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_the_address_limit_answers_429(limited_app):  # noqa: F811
    client = limited_app.test_client()
    codes = [
        client.post(
            "/auth/login", data={"email": f"u{i}@example.org", "password": "yanlis-parola"}
        ).status_code
        for i in range(11)
    ]
    assert codes == [200] * 10 + [429]


# --- links from the configured base, not the Host header -----------------------------------------


def test_the_reset_link_ignores_the_host_header(app, client):
    user = UserFactory()
    response = client.post(
        "/auth/forgot", data={"email": user.email}, headers={"Host": "evil.example"}
    )
    response.close()
    body = db.session.scalar(select(OutboxMessage.body))
    assert "evil.example" not in body
    assert "http://localhost/auth/reset/" in body


def test_the_reset_link_uses_public_base_url(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://dukkan.example.org")
    user = UserFactory()
    client.post("/auth/forgot", data={"email": user.email}, base_url="http://evil.example").close()
    body = db.session.scalar(select(OutboxMessage.body))
    assert "https://dukkan.example.org/auth/reset/" in body
    assert "evil.example" not in body


# --- huge fields ------------------------------------------------------------------------------


def test_a_long_name_is_refused_without_being_echoed(client):
    response = client.post(
        "/auth/register",
        data={
            "name": "A" * 50_000,
            "email": "uzun@example.org",
            "password": "guclu-parola-42",
            "confirm": "guclu-parola-42",
        },
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "A" * 122 not in html
    assert len(html) < 20_000
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_a_body_over_the_limit_answers_413_without_echoing(client):
    response = client.post(
        "/auth/login", data={"email": "x@example.org", "password": "p" * 600_000}
    )
    assert response.status_code == 413
    assert len(response.get_data()) < 20_000


def test_a_multipart_text_field_over_the_limit_answers_413(client):
    response = client.post(
        "/auth/login",
        data={"email": "x@example.org", "password": "p" * 200_000},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
