"""`flask users ...`: accounts and API tokens from the command line."""

from __future__ import annotations

import hashlib
import re

from sqlalchemy import func, select

from coopshop.db import db
from coopshop.models import ApiToken, ProducerProfile, User
from coopshop.services.members import users as user_service
from tests.support.factories import UserFactory


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_create_staff_prints_a_generated_password_once(app):
    result = run(app, "users", "create", "--role", "staff", "Masa@Example.org")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "created staff masa@example.org"
    passwords = [line for line in lines if line.startswith("password (shown once): ")]
    assert len(passwords) == 1
    password = passwords[0].removeprefix("password (shown once): ")
    assert len(password) >= user_service.MIN_PASSWORD_LENGTH

    user = db.session.scalar(select(User).where(User.email == "masa@example.org"))
    assert (user.role, user.name, user.active) == ("staff", "Masa", True)
    assert password not in user.password_hash
    assert user_service.authenticate("masa@example.org", password) == user
    assert user_service.authenticate("masa@example.org", password + "x") is None


def test_create_with_a_password_prints_no_password(app):
    result = run(
        app, "users", "create", "--role", "admin", "--password", "yonetici-parola-1",
        "--name", "Nuran Çelik", "nuran@example.org",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "yonetici-parola-1" not in result.output
    assert "password" not in result.output
    user = user_service.authenticate("nuran@example.org", "yonetici-parola-1")
    assert (user.role, user.name) == ("admin", "Nuran Çelik")


def test_create_producer_gets_an_active_member_profile(app):
    result = run(app, "users", "create", "--role", "producer", "--name", "Fadime", "f@example.org")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "f@example.org"))
    profile = user.producer
    assert (profile.display_name, profile.membership_status) == ("Fadime", "active")
    assert profile.approved_at is not None


def test_create_refuses_a_duplicate_email(app):
    UserFactory(email="var@example.org")
    result = run(app, "users", "create", "--role", "staff", "VAR@example.org")
    assert result.exit_code == 1
    assert "error: Bu e-posta adresiyle bir hesap zaten var." in result.output
    assert "password" not in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_create_refuses_a_short_password(app):
    result = run(app, "users", "create", "--password", "kisa", "k@example.org")
    assert result.exit_code == 1
    assert "error: Parola en az 10 karakter olmalı." in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
    assert db.session.scalar(select(func.count()).select_from(ProducerProfile)) == 0


def test_create_refuses_an_unknown_role(app):
    result = run(app, "users", "create", "--role", "root", "r@example.org")
    assert result.exit_code == 2
    assert "Invalid value for '--role'" in result.output


def test_token_is_printed_once_and_only_its_hash_is_stored(app):
    user = UserFactory(email="api@example.org")
    result = run(app, "users", "token", "--name", "kasa", "API@example.org")
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert re.fullmatch(r"cs_[A-Za-z0-9_-]{40,}", token)

    row = db.session.scalar(select(ApiToken))
    assert row.user_id == user.id
    assert row.name == "kasa"
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in row.token_hash

    assert user_service.user_for_token(token) == user
    assert row.last_used_at is not None
    assert user_service.user_for_token(token + "x") is None
    assert user_service.user_for_token("") is None


def test_a_token_stops_working_when_revoked_or_the_user_is_deactivated(app):
    user = UserFactory()
    first = run(app, "users", "token", user.email).output.strip()
    second = run(app, "users", "token", user.email).output.strip()
    assert first != second
    row = db.session.scalar(
        select(ApiToken).where(ApiToken.token_hash == hashlib.sha256(first.encode()).hexdigest())
    )
    row.revoked_at = row.created_at
    db.session.commit()
    assert user_service.user_for_token(first) is None
    assert user_service.user_for_token(second) == user
    user.active = False
    db.session.commit()
    assert user_service.user_for_token(second) is None


def test_token_for_an_unknown_email(app):
    result = run(app, "users", "token", "kimse@example.org")
    assert result.exit_code == 1
    assert "error: Bu e-posta adresiyle bir hesap yok." in result.output
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0


def test_users_token_with_too_long_a_name_is_refused_cleanly(app):
    from tests.support.factories import UserFactory

    user = UserFactory(role="staff")
    result = app.test_cli_runner().invoke(args=["users", "token", user.email, "--name", "x" * 81])
    assert result.exit_code == 1
    assert result.output.startswith("error: ")
    assert "Traceback" not in result.output
