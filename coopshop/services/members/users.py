"""Accounts: registration, membership applications, login, password reset, API tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

from coopshop.db import db
from coopshop.models import ApiToken, ProducerProfile, User, utcnow
from coopshop.models.user import ROLES
from coopshop.services.core import audit
from coopshop.services.core.errors import Conflict, NotFound, ValidationFailed
from coopshop.services.members import consents

MIN_PASSWORD_LENGTH = 10
_RESET_SALT = "password-reset"


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def hash_password(password: str) -> str:
    # scrypt (werkzeug's default) in production; tests configure a cheaper method for speed.
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


MAX_PASSWORD_LENGTH = 200
_GUESSABLE_BELOW = 2  # zxcvbn scores 0-4; 0 and 1 fall to an online guessing attack


def check_password_rules(password: str, *user_inputs: str) -> None:
    """At least MIN_PASSWORD_LENGTH characters, and not a common or easily guessed password
    (zxcvbn's lists, and her own name and e-mail address)."""
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            _l("Parola en az %(n)d karakter olmalı.", n=MIN_PASSWORD_LENGTH), field="password"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationFailed(
            _l("Parola en fazla %(n)d karakter olabilir.", n=MAX_PASSWORD_LENGTH), field="password"
        )
    # zxcvbn refuses inputs beyond 72 characters; a longer password is judged by its start.
    inputs = [part for text in user_inputs for part in (text or "").replace("@", " ").split()]
    if zxcvbn(password[:72], user_inputs=inputs)["score"] < _GUESSABLE_BELOW:
        raise ValidationFailed(
            _l(
                "Bu parola çok yaygın ya da kolay tahmin edilir. Birkaç kelimeyi birleştiren "
                "daha uzun bir parola seçin."
            ),
            field="password",
        )


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def create_user(
    email: str,
    password: str,
    name: str,
    role: str = "customer",
    phone: str | None = None,
    locale: str = "tr",
) -> User:
    if role not in ROLES:
        raise ValidationFailed(_l("Bilinmeyen rol."), field="role")
    email = normalize_email(email)
    # The password first, so a weak one gets the same answer whether or not the address is taken.
    check_password_rules(password, email, name)
    if find_by_email(email) is not None:
        raise Conflict(_l("Bu e-posta adresiyle bir hesap zaten var."), field="email")
    user = User(
        email=email,
        password_hash=hash_password(password),
        name=name.strip(),
        role=role,
        phone=(phone or "").strip() or None,
        locale=locale if locale in ("tr", "en") else "tr",
    )
    db.session.add(user)
    db.session.flush()
    return user


@dataclass(frozen=True)
class MembershipApplication:
    email: str
    password: str
    name: str
    display_name: str
    centre: str
    craft: str
    phone: str = ""
    bio: str = ""
    note: str = ""
    locale: str = "tr"
    marketing: bool = False  # her separate consent to campaign e-mail


def apply_for_membership(app: MembershipApplication) -> ProducerProfile:
    """A woman applies to sell through the cooperative; an admin approves her later."""
    user = create_user(
        app.email, app.password, app.name, role="producer", phone=app.phone, locale=app.locale
    )
    profile = ProducerProfile(
        user=user,
        display_name=app.display_name.strip() or app.name.strip(),
        centre=app.centre.strip(),
        craft=app.craft.strip(),
        bio=app.bio.strip(),
        application_note=app.note.strip(),
        membership_status="applied",
    )
    db.session.add(profile)
    db.session.flush()
    audit.record(user.id, "membership.applied", profile)
    consents.set_marketing(user, app.marketing, "apply")
    return profile


def authenticate(email: str, password: str) -> User | None:
    """The user for these credentials, or None. Same work whether or not the e-mail exists."""
    user = find_by_email(email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or ""):
        return None
    if not user.active:
        return None
    user.last_login_at = utcnow()
    return user


_DUMMY_HASH = generate_password_hash("not-a-real-password")


def _reset_serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=_RESET_SALT)


def make_reset_token(user: User, secret_key: str) -> str:
    # The hash's tail is signed in, so the token stops working once the password changes.
    return _reset_serializer(secret_key).dumps({"uid": user.id, "ph": user.password_hash[-16:]})


def reset_password(token: str, new_password: str, secret_key: str, max_age: int) -> User:
    try:
        data = _reset_serializer(secret_key).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise ValidationFailed(_l("Bağlantının süresi dolmuş. Yeni bir bağlantı isteyin.")) from exc
    except BadSignature as exc:
        raise ValidationFailed(_l("Bağlantı geçersiz.")) from exc
    user = db.session.get(User, data.get("uid"))
    if user is None or user.password_hash[-16:] != data.get("ph"):
        raise ValidationFailed(_l("Bağlantı geçersiz ya da daha önce kullanılmış."))
    check_password_rules(new_password, user.email, user.name)
    user.password_hash = hash_password(new_password)
    return user


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


API_TOKEN_NAME_MAX = 80
# How fine a token's "last used" is: its time is written again only when this has passed.
TOKEN_USE_GRANULARITY = timedelta(minutes=5)


def issue_api_token(user: User, name: str = "", actor_id: int | None = None) -> str:
    """Create an API token for the user; only its hash is stored, the token is returned once.
    ``actor_id`` is who made it (the user herself on her page; None from the command line)."""
    name = " ".join((name or "").split())
    if len(name) > API_TOKEN_NAME_MAX:
        raise ValidationFailed(
            _l("Ad en fazla %(n)d karakter olabilir.", n=API_TOKEN_NAME_MAX), field="name"
        )
    token = "cs_" + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, token_hash=_hash_token(token), name=name)
    db.session.add(row)
    db.session.flush()
    audit.record(actor_id, "api_token.created", row, user_id=user.id, name=name)
    return token


def user_for_token(token: str) -> User | None:
    row = db.session.scalar(
        select(ApiToken).where(
            ApiToken.token_hash == _hash_token(token or ""), ApiToken.revoked_at.is_(None)
        )
    )
    if row is None or not row.user.active:
        return None
    now = utcnow()
    # Written at most once per TOKEN_USE_GRANULARITY: a busy client calling many times a second
    # would otherwise make every read a write (and a row lock on the token).
    if row.last_used_at is None or now - row.last_used_at >= TOKEN_USE_GRANULARITY:
        row.last_used_at = now
    return row.user


def api_tokens_of(user: User) -> list[ApiToken]:
    """The user's API tokens, newest first, revoked ones included (they show as revoked)."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def revoke_api_token(user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens (at once: the next call with it is refused). Another
    user's token is NotFound; revoking twice changes nothing."""
    row = db.session.scalar(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id)
    )
    if row is None:
        raise NotFound(_l("API anahtarı bulunamadı."))
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.record(user.id, "api_token.revoked", row, name=row.name)
    return row


def require_user(email: str) -> User:
    user = find_by_email(email)
    if user is None:
        raise NotFound(_l("Bu e-posta adresiyle bir hesap yok."))
    return user


def count_users() -> int:
    return db.session.scalar(select(func.count()).select_from(User)) or 0


def ensure_producer_profile(user: User, active: bool = False) -> ProducerProfile:
    """Give a producer account its member profile (created active by an admin or the CLI)."""
    if user.producer is not None:
        return user.producer
    profile = ProducerProfile(
        user=user,
        display_name=user.name,
        membership_status="active" if active else "applied",
        approved_at=utcnow() if active else None,
    )
    db.session.add(profile)
    db.session.flush()
    return profile
