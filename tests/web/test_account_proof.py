"""Changing the e-mail address, the password or the IBAN asks for the current password: missing
or wrong, nothing changes, the page says so, and a wrong one counts towards the login lock."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from werkzeug.security import check_password_hash

from coopshop.db import db
from coopshop.models import AuditEvent, IbanChange, OutboxMessage, ProducerProfile, User
from tests.support.factories import PASSWORD, ProducerFactory, UserFactory

NEW_PASSWORD = "yeni kilim deseni 2026"  # noqa: S105
NEW_IBAN = "TR830006200000000012345678"
OLD_IBAN = "TR320010009999901234567890"


def _user(user_id: int) -> User:
    db.session.expire_all()
    return db.session.get(User, user_id)


@pytest.fixture
def customer(client, login):
    user = UserFactory(email="zehra@example.org", name="Zehra Kaya")
    login(user)
    return user


@pytest.fixture
def ayse(client, login):
    profile = ProducerFactory(display_name="Ayşe", iban=OLD_IBAN)
    login(profile.user)
    return profile


WRONG = [
    ("", "Şu anki parolanızı yazın."),
    ("yanlis-parola-99", "Parola yanlış; hiçbir şey değiştirilmedi."),
]


@pytest.mark.parametrize(("given", "message"), WRONG)
def test_the_email_stays_without_her_current_password(client, customer, given, message):
    response = client.post(
        "/auth/email", data={"email": "zehra.yeni@example.org", "current_password": given}
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    user = _user(customer.id)
    assert user.email == "zehra@example.org"
    assert user.failed_logins == (1 if given else 0)
    assert db.session.scalars(select(OutboxMessage)).all() == []


def test_the_email_changes_with_her_password_and_the_old_address_is_told(client, customer):
    response = client.post(
        "/auth/email", data={"email": "Zehra.Yeni@example.org ", "current_password": PASSWORD}
    )
    assert response.status_code == 302
    assert _user(customer.id).email == "zehra.yeni@example.org"
    message = db.session.scalar(select(OutboxMessage))
    assert message.to == "zehra@example.org"
    assert "zehra.yeni@example.org" in message.body
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.email_changed"))
    assert event.data == {"old": "z***@example.org", "new": "z***@example.org"}


def test_an_address_that_has_an_account_is_refused(client, customer):
    UserFactory(email="taken@example.org")
    response = client.post(
        "/auth/email",
        data={"email": "taken@example.org", "current_password": PASSWORD},
        follow_redirects=True,
    )
    assert "Bu e-posta adresiyle bir hesap zaten var." in response.get_data(as_text=True)
    assert _user(customer.id).email == "zehra@example.org"


@pytest.mark.parametrize(("given", "message"), WRONG)
def test_the_password_stays_without_her_current_password(client, customer, given, message):
    response = client.post(
        "/auth/password",
        data={"current_password": given, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    user = _user(customer.id)
    assert check_password_hash(user.password_hash, PASSWORD)
    assert user.session_generation == 0


def test_a_new_password_ends_other_sessions_and_keeps_this_one(app, client, customer):
    other = app.test_client()
    other.post("/auth/login", data={"email": customer.email, "password": PASSWORD})
    assert other.get("/account").status_code == 200
    response = client.post(
        "/auth/password",
        data={"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    user = _user(customer.id)
    assert check_password_hash(user.password_hash, NEW_PASSWORD)
    assert client.get("/account").status_code == 200  # this browser carries on
    assert other.get("/account").status_code == 302  # the other one is signed out
    assert db.session.scalar(select(OutboxMessage)).to == customer.email


def test_a_weak_new_password_is_refused_with_a_turkish_message(client, customer):
    response = client.post(
        "/auth/password",
        data={"current_password": PASSWORD, "password": "1234567890", "confirm": "1234567890"},
    )
    assert response.status_code == 400
    assert "çok yaygın" in response.get_data(as_text=True)
    assert check_password_hash(_user(customer.id).password_hash, PASSWORD)


def test_wrong_current_passwords_lock_the_account_like_wrong_logins(client, customer):
    data = {"email": "zehra.yeni@example.org", "current_password": "yanlis-parola-99"}
    for _ in range(5):
        client.post("/auth/email", data=data)
    user = _user(customer.id)
    assert user.failed_logins == 5 and user.locked_until is not None
    # Locked: even the right password is refused, without being checked.
    response = client.post("/auth/email", data={**data, "current_password": PASSWORD})
    assert response.status_code == 400
    assert "Çok fazla yanlış deneme" in response.get_data(as_text=True)
    assert _user(customer.id).email == "zehra@example.org"
    locked_notice = db.session.scalar(select(OutboxMessage))
    assert locked_notice.to == "zehra@example.org"


def _profile_data(**overrides) -> dict:
    data = {"display_name": "Ayşe Usta", "centre": "", "craft": "", "bio": "", "notify_email": "y"}
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("", "IBAN&#39;ı değiştirmek için şu anki parolanızı yazın."),
        ("yanlis-parola-99", "Parola yanlış; hiçbir şey değiştirilmedi."),
    ],
)
def test_the_iban_and_the_rest_of_the_form_stay_without_her_password(client, ayse, given, message):
    response = client.post(
        "/producer/profile", data=_profile_data(iban=NEW_IBAN, current_password=given)
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    saved = db.session.get(ProducerProfile, ayse.id)
    assert (saved.display_name, saved.iban) == ("Ayşe", OLD_IBAN)
    assert db.session.scalars(select(IbanChange)).all() == []
    assert db.session.scalars(select(OutboxMessage)).all() == []
    assert _user(ayse.user_id).failed_logins == (1 if given else 0)


def test_the_rest_of_her_profile_needs_no_password(client, ayse):
    response = client.post("/producer/profile", data=_profile_data(iban=""))
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(ProducerProfile, ayse.id)
    assert (saved.display_name, saved.iban) == ("Ayşe Usta", OLD_IBAN)


def test_a_new_iban_with_her_password_waits_and_is_mailed(client, ayse):
    response = client.post(
        "/producer/profile", data=_profile_data(iban=NEW_IBAN, current_password=PASSWORD)
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ProducerProfile, ayse.id).iban == OLD_IBAN
    change = db.session.scalar(select(IbanChange))
    assert (change.old_iban, change.new_iban, change.status) == (OLD_IBAN, NEW_IBAN, "pending")
    message = db.session.scalar(select(OutboxMessage))
    assert message.to == ayse.user.email and "5678" in message.body
    page = client.get("/producer/profile").get_data(as_text=True)
    assert "Bekleyen yeni IBAN: TR83 **** 5678" in page
    assert "Geçerli IBAN: TR32 **** 7890" in page
