"""Logging in and out, registering, applying for membership, resetting a password, CSRF and the
language switch, through the test client: what the visitor sees and what the database keeps."""

from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from coopshop.db import db
from coopshop.models import AuditEvent, OutboxMessage, ProducerProfile, User
from tests.support.factories import PASSWORD, ProducerFactory, UserFactory

NEW_PASSWORD = "yeni-parola-5678"
WRONG_CREDENTIALS = "E-posta ya da parola yanlış."
RESET_SENT = "Bu adresle bir hesap varsa, parola sıfırlama bağlantısı gönderildi."


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def page(response) -> str:
    return response.get_data(as_text=True)


def answered(response):
    """Close the response as a WSGI server does once it is sent: mail queued by an
    enumeration-sensitive page goes out only then (coopshop.web.uow, after_response)."""
    response.close()
    return response


REGISTERED = "Kaydınızı aldık. E-posta adresinize bir mesaj gönderdik; giriş yaparak devam edin."


def post_login(client, email_address: str, password: str, **query):
    return client.post(
        "/auth/login", data={"email": email_address, "password": password}, query_string=query
    )


def assert_stays_on_site(location: str) -> None:
    """A browser given this Location stays on this site: a path, not //host or /\\host.
    (Werkzeug percent-encodes a backslash, so "/\\evil" arrives as the harmless "/%5Cevil".)"""
    parts = urlsplit(location)
    assert (parts.scheme, parts.netloc) == ("", ""), location
    assert location.startswith("/"), location
    assert not location.startswith(("//", "/\\")), location
    assert not any(ch in location for ch in "\t\r\n\\"), location


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no CSRF token on the page"
    return match.group(1)


# --- logging in and out -----------------------------------------------------------------------


def test_login_page_renders_in_turkish(client):
    response = client.get("/auth/login")
    assert response.status_code == 200
    html = page(response)
    assert '<html lang="tr">' in html
    assert "Giriş yap" in html
    assert "Parolamı unuttum" in html


def test_login_with_the_right_password(client):
    user = UserFactory(name="Ayşe Yılmaz")
    response = post_login(client, user.email, PASSWORD)
    assert response.status_code == 302
    assert response.location == "/account"
    html = page(client.get("/account"))
    assert "Hoş geldiniz, Ayşe Yılmaz." in html
    assert user.email in html
    assert db.session.get(User, user.id).last_login_at is not None


def test_login_ignores_the_case_of_the_email(client):
    UserFactory(email="ayse@example.org")
    assert post_login(client, "  AYSE@Example.org ", PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("email_address", "password"),
    [("user-known", "yanlis-parola-1"), ("kimse@example.org", PASSWORD)],
    ids=["wrong password", "unknown e-mail"],
)
def test_login_refused_with_one_message_for_both_mistakes(client, email_address, password):
    user = UserFactory()
    email_address = user.email if email_address == "user-known" else email_address
    response = post_login(client, email_address, password)
    assert response.status_code == 200
    assert WRONG_CREDENTIALS in page(response)
    assert client.get("/account").status_code == 302  # still a guest


def test_login_with_missing_fields_says_so_in_turkish(client):
    response = client.post("/auth/login", data={})
    assert response.status_code == 200
    assert page(response).count("Bu alan zorunlu.") == 2


def test_a_deactivated_user_cannot_log_in(client):
    user = UserFactory(active=False)
    response = post_login(client, user.email, PASSWORD)
    assert response.status_code == 200
    assert WRONG_CREDENTIALS in page(response)
    assert client.get("/account").status_code == 302


def test_a_deactivated_user_is_logged_out_on_the_next_request(client, login):
    user = UserFactory()
    login(user)
    assert client.get("/account").status_code == 200
    user.active = False
    db.session.commit()
    response = client.get("/account")
    assert response.status_code == 302
    assert response.location.startswith("/auth/login")


def test_logout_is_post_only(client, login):
    login(UserFactory())
    response = client.get("/auth/logout")
    assert response.status_code == 405
    assert "Bu işlem yapılamaz" in page(response)
    assert client.get("/account").status_code == 200  # the GET did not log anyone out

    response = client.post("/auth/logout")
    assert response.status_code == 302
    assert response.location == "/"
    assert "Çıkış yaptınız." in page(client.get("/"))
    assert client.get("/account").status_code == 302


def test_the_login_page_sends_a_logged_in_user_home(client, login):
    login(UserFactory(role="staff"))
    response = client.get("/auth/login")
    assert response.status_code == 302
    assert response.location == "/staff/"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "\\\\evil.example/",
        "/\t/evil.example/",
        "javascript:alert(1)",
        "evil.example",
        "http:/evil.example",
    ],
)
def test_login_refuses_to_redirect_off_site(client, target):
    user = UserFactory()
    response = post_login(client, user.email, PASSWORD, next=target)
    assert response.status_code == 302
    assert_stays_on_site(response.location)


def test_login_follows_a_local_next(client):
    user = UserFactory()
    response = post_login(client, user.email, PASSWORD, next="/account?tab=orders")
    assert response.location == "/account?tab=orders"


def test_a_guest_sent_to_login_comes_back_after(client):
    user = UserFactory(role="producer")
    ProducerFactory(user=user)
    response = client.get("/producer/")
    assert response.status_code == 302
    assert response.location.startswith("/auth/login?next=")
    login_page = client.get(response.location)
    assert "Bu sayfayı görmek için giriş yapın." in page(login_page)
    response = client.post(response.location, data={"email": user.email, "password": PASSWORD})
    assert response.location == "/producer/"


# --- customer registration --------------------------------------------------------------------


def register_data(**changes) -> dict:
    data = {
        "name": "Zeynep Kaya",
        "email": "zeynep@example.org",
        "phone": "0532 111 22 33",
        "password": "guclu-parola-42",
        "confirm": "guclu-parola-42",
    }
    data.update(changes)
    return data


def test_registration_creates_a_customer_who_then_logs_in(client):
    response = answered(
        client.post("/auth/register", data=register_data(email="Zeynep@Example.org"))
    )
    assert response.status_code == 302
    assert response.location == "/auth/login"
    assert REGISTERED in page(client.get("/auth/login"))
    welcome = db.session.scalar(select(OutboxMessage))
    assert (welcome.to, welcome.subject) == ("zeynep@example.org", "Hesabınız açıldı")
    assert "http://localhost/auth/login" in welcome.body
    assert welcome.sent_at is not None
    user = db.session.scalar(select(User).where(User.email == "zeynep@example.org"))
    assert (user.role, user.name, user.phone, user.active) == (
        "customer",
        "Zeynep Kaya",
        "0532 111 22 33",
        True,
    )
    # Hashed, never stored as typed.
    assert "guclu-parola-42" not in user.password_hash
    assert user.password_hash.startswith("pbkdf2:sha256")
    assert check_password_hash(user.password_hash, "guclu-parola-42")
    assert client.get("/account").status_code == 302  # not logged in until she logs in
    assert post_login(client, "zeynep@example.org", "guclu-parola-42").status_code == 302
    assert "zeynep@example.org" in page(client.get("/account"))


@pytest.mark.parametrize("address", ["musteri@example.org", "MUSTERI@example.org"])
def test_registration_with_a_taken_address_answers_the_same_words(app, client, address):
    existing = UserFactory(email="musteri@example.org", name="Ayşe Kara")
    hash_before = existing.password_hash
    response = answered(client.post("/auth/register", data=register_data(email=address)))
    assert (response.status_code, response.location) == (302, "/auth/login")
    assert REGISTERED in page(client.get("/auth/login"))
    assert count(User) == 1
    assert db.session.get(User, existing.id).password_hash == hash_before
    note = db.session.scalar(select(OutboxMessage))
    assert (note.to, note.subject) == ("musteri@example.org", "Hesabınız zaten var")
    assert "Merhaba Ayşe Kara," in note.body
    assert client.get("/account").status_code == 302


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "", "email": "", "password": "", "confirm": ""}, "Bu alan zorunlu."),
        ({"name": ""}, "Bu alan zorunlu."),
        ({"email": "zeynep@"}, "Geçerli bir e-posta adresi girin."),
        ({"email": "zeynep.example.org"}, "Geçerli bir e-posta adresi girin."),
        ({"password": "kisa-123", "confirm": "kisa-123"}, "Parola en az 10 karakter olmalı."),
        ({"confirm": "baska-parola-42"}, "Parolalar aynı değil."),
        ({"password": "1234567890", "confirm": "1234567890"}, "Bu parola çok yaygın"),
        ({"password": "password123", "confirm": "password123"}, "Bu parola çok yaygın"),
        ({"password": "kayazeynep", "confirm": "kayazeynep"}, "Bu parola çok yaygın"),
        (
            {"email": "musteri@example.org", "password": "qwertyuiop", "confirm": "qwertyuiop"},
            "Bu parola çok yaygın",
        ),
        ({"password": "p" * 201, "confirm": "p" * 201}, "Parola en fazla 200 karakter olabilir."),
    ],
    ids=[
        "all missing",
        "name missing",
        "e-mail without domain",
        "e-mail without @",
        "short password",
        "confirmation differs",
        "all digits",
        "common password",
        "her own name",
        "taken address, weak password: the same error as a new one",
        "over 200 characters",
    ],
)
def test_registration_errors_are_shown_in_turkish_and_nothing_is_written(client, changes, message):
    UserFactory(email="musteri@example.org")
    users_before = count(User)
    data = register_data(**changes)
    response = client.post("/auth/register", data=data)
    assert response.status_code in (200, 400)
    html = page(response)
    assert message in html
    assert 'aria-invalid="true"' in html
    if data["name"]:
        assert f'value="{data["name"]}"' in html  # the form is kept as typed
    assert count(User) == users_before
    assert client.get("/account").status_code == 302  # and nobody was logged in


# --- membership application -------------------------------------------------------------------


def apply_data(**changes) -> dict:
    data = {
        "name": "Hatice Demir",
        "display_name": "Hatice'nin Atölyesi",
        "email": "hatice@example.org",
        "phone": "",
        "centre": "Mamak BELMEK",
        "craft": "Keçe",
        "bio": "Keçeden çanta ve terlik yapıyorum.",
        "note": "",
        "password": "kece-parola-77",
        "confirm": "kece-parola-77",
    }
    data.update(changes)
    return data


def test_membership_application_creates_an_applied_producer(app, client, login):
    response = answered(client.post("/auth/apply", data=apply_data()))
    assert (response.status_code, response.location) == (302, "/auth/login")
    assert REGISTERED in page(client.get("/auth/login"))
    assert db.session.scalar(select(OutboxMessage.subject)) == "Başvurunuz alındı"
    assert post_login(client, "hatice@example.org", "kece-parola-77").status_code == 302
    user = db.session.scalar(select(User).where(User.email == "hatice@example.org"))
    assert user.role == "producer"
    profile = user.producer
    assert (profile.display_name, profile.centre, profile.craft, profile.membership_status) == (
        "Hatice'nin Atölyesi",
        "Mamak BELMEK",
        "Keçe",
        "applied",
    )
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "membership.applied"))
    assert (audit.actor_id, audit.object_id) == (user.id, str(profile.id))
    html = page(client.get("/producer/"))
    assert "Üyelik başvurunuz inceleniyor." in html

    # The admin's home lists the application.
    admin_client = app.test_client()
    admin = UserFactory(role="admin")
    admin_client.post("/auth/login", data={"email": admin.email, "password": PASSWORD})
    html = page(admin_client.get("/admin/"))
    assert "Hatice&#39;nin Atölyesi" in html
    assert "Mamak BELMEK" in html
    assert "Bekleyen başvuru yok." not in html


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"centre": ""}, "Bu alan zorunlu."),
        ({"craft": ""}, "Bu alan zorunlu."),
        ({"confirm": "baska-parola-1"}, "Parolalar aynı değil."),
        ({"password": "1234567890", "confirm": "1234567890"}, "Bu parola çok yaygın"),
    ],
    ids=["centre missing", "craft missing", "confirmation differs", "guessable password"],
)
def test_membership_application_errors_write_nothing(client, changes, message):
    UserFactory(email="uretici@example.org")
    response = client.post("/auth/apply", data=apply_data(**changes))
    assert response.status_code in (200, 400)
    assert message in page(response)
    assert count(User) == 1
    assert count(ProducerProfile) == 0
    assert count(AuditEvent) == 0


def _application_as_seen(app, address: str) -> dict:
    """What an applicant (or someone probing addresses) sees: the answer, the page it leads
    to, and the mail: one message written with the answer, sent only once the answer has gone
    (so the answer takes the same time either way)."""
    client = app.test_client()
    before = count(OutboxMessage)

    def mails():
        db.session.expire_all()
        found = db.session.scalars(select(OutboxMessage).where(OutboxMessage.id > before))
        return [(m.to == address.lower(), m.sent_at is not None) for m in found]

    response = client.post("/auth/apply", data=apply_data(email=address))
    with_the_answer = mails()
    answered(response)
    login_page = page(client.get("/auth/login"))
    return {
        "status": response.status_code,
        "location": response.location,
        "body": page(response),
        "cookies": sorted(c.split("=", 1)[0] for c in response.headers.getlist("Set-Cookie")),
        "login page": re.sub(r'name="csrf_token"[^>]*', "", login_page),
        "mails with the answer": with_the_answer,
        "mails after the answer": mails(),
    }


@pytest.mark.parametrize("taken_by", ["customer", "producer"])
def test_a_membership_application_answers_the_same_for_a_taken_address(app, taken_by):
    if taken_by == "producer":
        existing = ProducerFactory(user__email="alinmis@example.org").user
    else:
        existing = UserFactory(email="alinmis@example.org")
    hash_before, profiles_before = existing.password_hash, count(ProducerProfile)

    new = _application_as_seen(app, "yeni@example.org")
    taken = _application_as_seen(app, "Alinmis@Example.org")

    assert (new["status"], new["location"]) == (302, "/auth/login")
    assert REGISTERED in new["login page"]
    assert new["mails with the answer"] == [(True, False)]  # one, to her, not yet sent
    assert new["mails after the answer"] == [(True, True)]
    assert taken == new
    subjects = db.session.scalars(select(OutboxMessage.subject).order_by(OutboxMessage.id)).all()
    assert subjects == ["Başvurunuz alındı", "Hesabınız zaten var"]
    assert count(ProducerProfile) == profiles_before + 1  # only the new applicant's
    assert db.session.get(User, existing.id).password_hash == hash_before


# --- password reset ---------------------------------------------------------------------------


def outbox_files(app) -> list[Path]:
    folder = Path(app.config["MAIL_OUTBOX_DIR"])
    return sorted(folder.glob("*.eml")) if folder.exists() else []


def reset_link_from(path: Path) -> str:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    body = message.get_body(preferencelist=("plain",)).get_content()
    match = re.search(r"http://localhost(/auth/reset/\S+)", body)
    assert match, body
    return match.group(1)


def test_password_reset_round_trip(app, client):
    user = UserFactory(email="emine@example.org", name="Emine Arslan")
    response = answered(client.post("/auth/forgot", data={"email": "Emine@example.org"}))
    assert response.status_code == 302
    assert response.location == "/auth/login"
    assert RESET_SENT in page(client.get("/auth/login"))

    message = db.session.scalar(select(OutboxMessage))
    assert message.to == "emine@example.org"
    assert message.subject == "Parola sıfırlama"
    assert "Merhaba Emine Arslan," in message.body
    assert message.sent_at is not None  # written to the outbox folder (no MAIL_SERVER)
    files = outbox_files(app)
    assert len(files) == 1
    link = reset_link_from(files[0])
    assert link in message.body

    assert client.get(link).status_code == 200
    response = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert response.location == "/auth/login"
    assert "Parolanız değişti." in page(client.get("/auth/login"))

    assert post_login(client, user.email, PASSWORD).status_code == 200  # the old one is gone
    assert post_login(client, user.email, NEW_PASSWORD).status_code == 302
    client.post("/auth/logout")

    # The link works once.
    response = client.post(link, data={"password": "ucuncu-parola-9", "confirm": "ucuncu-parola-9"})
    assert response.status_code == 200
    assert "Bağlantı geçersiz ya da daha önce kullanılmış." in page(response)
    assert post_login(client, user.email, NEW_PASSWORD).status_code == 302


def test_password_reset_with_a_forged_token(client):
    user = UserFactory()
    hash_before = user.password_hash
    response = client.post(
        "/auth/reset/not-a-real-token", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 200
    assert "Bağlantı geçersiz." in page(response)
    assert db.session.get(User, user.id).password_hash == hash_before


def test_password_reset_with_an_expired_link(app, client, monkeypatch):
    user = UserFactory()
    answered(client.post("/auth/forgot", data={"email": user.email}))
    link = reset_link_from(outbox_files(app)[0])
    monkeypatch.setitem(app.config, "PASSWORD_RESET_MAX_AGE", -1)
    response = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 200
    assert "Bağlantının süresi dolmuş. Yeni bir bağlantı isteyin." in page(response)
    assert post_login(client, user.email, PASSWORD).status_code == 302


def test_password_reset_checks_the_new_password_in_turkish(app, client):
    user = UserFactory()
    answered(client.post("/auth/forgot", data={"email": user.email}))
    link = reset_link_from(outbox_files(app)[0])
    response = client.post(link, data={"password": "kisa", "confirm": "kisa"})
    assert response.status_code == 200
    assert "Parola en az 10 karakter olmalı." in page(response)
    assert post_login(client, user.email, PASSWORD).status_code == 302


@pytest.mark.parametrize("who", ["unknown", "deactivated"])
def test_password_reset_for_no_usable_account_answers_the_same_and_sends_nothing(app, client, who):
    address = "kimse@example.org"
    if who == "deactivated":
        UserFactory(email=address, active=False)
    response = answered(client.post("/auth/forgot", data={"email": address}))
    assert response.status_code == 302
    assert response.location == "/auth/login"
    assert RESET_SENT in page(client.get("/auth/login"))
    assert count(OutboxMessage) == 0
    assert outbox_files(app) == []


# --- CSRF -------------------------------------------------------------------------------------


@pytest.fixture
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    return app


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/auth/register", register_data()),
        ("/auth/apply", apply_data()),
        ("/auth/forgot", {"email": "musteri@example.org"}),
        ("/auth/login", {"email": "musteri@example.org", "password": PASSWORD}),
        ("/language/en", {"next": "/"}),
    ],
)
def test_a_post_without_the_csrf_token_is_refused(csrf_on, client, url, data):
    UserFactory(email="musteri@example.org")
    response = client.post(url, data=data)
    assert response.status_code == 400
    html = page(response)
    assert "Geçersiz istek" in html
    assert count(User) == 1
    assert count(ProducerProfile) == 0
    assert count(OutboxMessage) == 0
    with client.session_transaction() as stored:
        assert "_user_id" not in stored
        assert "locale" not in stored


def test_a_post_with_the_csrf_token_goes_through(csrf_on, client):
    token = csrf_token_from(page(client.get("/auth/register")))
    response = client.post("/auth/register", data={**register_data(), "csrf_token": token})
    assert response.status_code == 302
    assert count(User) == 1


def test_logout_needs_the_csrf_token(csrf_on, client):
    user = UserFactory()
    token = csrf_token_from(page(client.get("/auth/login")))
    client.post(
        "/auth/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert client.post("/auth/logout").status_code == 400
    assert client.get("/account").status_code == 200
    token = csrf_token_from(page(client.get("/account")))
    assert client.post("/auth/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/account").status_code == 302


# --- the language switch ----------------------------------------------------------------------


def test_language_switch_turns_the_login_page_to_english(client):
    response = client.post("/language/en", data={"next": "/auth/login"})
    assert response.status_code == 302
    assert response.location == "/auth/login"
    with client.session_transaction() as stored:
        assert stored["locale"] == "en"
    html = page(client.get("/auth/login"))
    assert '<html lang="en">' in html
    # The button now offers the way back.
    assert 'action="/language/tr"' in html

    client.post("/language/tr", data={"next": "/auth/login"})
    assert '<html lang="tr">' in page(client.get("/auth/login"))


def test_language_switch_is_remembered_on_the_account(client, login):
    user = UserFactory(locale="tr")
    login(user)
    client.post("/language/en", data={"next": "/account"})
    assert db.session.get(User, user.id).locale == "en"


def test_the_browser_language_is_the_first_guess(client):
    html = page(client.get("/auth/login", headers={"Accept-Language": "en-GB,en;q=0.9"}))
    assert '<html lang="en">' in html
    html = page(client.get("/auth/login", headers={"Accept-Language": "de-DE"}))
    assert '<html lang="tr">' in html


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example/", "evil.example"]
)
def test_language_switch_does_not_redirect_off_site(client, target):
    response = client.post("/language/en", data={"next": target})
    assert response.status_code == 302
    assert_stays_on_site(response.location)


def test_unknown_language_is_404(client):
    response = client.post("/language/de", data={"next": "/"})
    assert response.status_code == 404
    with client.session_transaction() as stored:
        assert "locale" not in stored
