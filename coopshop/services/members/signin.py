"""Signing in and out: per-account throttling with a growing lock, the lockout notice, ending
every session of a user (the session generation), and the enumeration-free answers of
registration, membership application and password reset."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.security import check_password_hash

from coopshop.models import User, utcnow
from coopshop.services.core import audit, mail
from coopshop.services.core.errors import Conflict
from coopshop.services.members import consents, users

LOCK_AFTER = 5  # wrong passwords in a row before the account locks
FIRST_LOCK = timedelta(minutes=1)  # doubled with each further wrong password...
LONGEST_LOCK = timedelta(hours=24)  # ...up to this


@dataclass(frozen=True)
class SignIn:
    user: User | None = None  # set when the credentials were right and the account open
    locked_until: datetime | None = None  # set when the account refuses logins for now


def lock_for(failed: int) -> timedelta | None:
    """How long the account stays locked after ``failed`` wrong passwords in a row."""
    if failed < LOCK_AFTER:
        return None
    return min(FIRST_LOCK * 2 ** min(failed - LOCK_AFTER, 20), LONGEST_LOCK)


def sign_in(email: str, password: str, now: datetime | None = None) -> SignIn:
    """Check the credentials; count a wrong password against the account (the caller commits
    either way, so the count survives a refused login). A locked account is refused without
    its password being checked."""
    now = now or utcnow()
    user = users.find_by_email(email)
    if user is None:
        check_password_hash(users._DUMMY_HASH, password or "")  # the same work either way
        return SignIn()
    return _check(user, password, now)


def reauthenticate(user: User, password: str, now: datetime | None = None) -> SignIn:
    """Her current password again, before a sensitive change (e-mail, password, IBAN): a wrong
    one counts towards the same lock as a wrong login (the caller commits either way), and a
    locked account is refused without the password being checked. ``SignIn.user`` set is the
    proof the change services ask for."""
    return _check(user, password, now or utcnow(), login=False)


def _check(user: User, password: str, now: datetime, login: bool = True) -> SignIn:
    if user.locked_until is not None and user.locked_until > now:
        return SignIn(locked_until=user.locked_until)
    if not check_password_hash(user.password_hash, password or ""):
        user.failed_logins += 1
        lock = lock_for(user.failed_logins)
        if lock is not None:
            user.locked_until = now + lock
            if user.failed_logins == LOCK_AFTER:
                _mail(user, _("Hesabınıza çok sayıda hatalı giriş denemesi"), "locked")
                audit.record(None, "user.locked", user, failed=user.failed_logins)
            return SignIn(locked_until=user.locked_until)
        return SignIn()
    if not user.active:
        return SignIn()
    user.failed_logins = 0
    user.locked_until = None
    if login:
        user.last_login_at = now
    return SignIn(user=user)


def end_sessions(user: User) -> None:
    """End every session and remember cookie of this user, everywhere, from the next request."""
    user.session_generation = (user.session_generation or 0) + 1


def change_role(user: User, role: str, actor_id: int | None) -> User:
    if role not in users.ROLES:
        raise ValueError(role)
    if user.role != role:
        audit.record(actor_id, "user.role_changed", user, from_role=user.role, to_role=role)
        user.role = role
        end_sessions(user)
    return user


def _mail(user: User, subject: str, kind: str, **context) -> None:
    with force_locale(user.locale):
        body = render_template(f"auth/email_{kind}.txt", user=user, **context)
    mail.queue(user.email, subject, body)


def request_reset(email: str, secret_key: str, link_for: Callable[[str], str]) -> None:
    """Queue a reset link for an open account; for any other address do nothing visible."""
    user = users.find_by_email(email)
    if user is None or not user.active:
        return
    link = link_for(users.make_reset_token(user, secret_key))
    with force_locale(user.locale):
        _mail(user, _("Parola sıfırlama"), "reset", link=link)


def reset_password(token: str, new_password: str, secret_key: str, max_age: int) -> User:
    user = users.reset_password(token, new_password, secret_key, max_age)
    user.failed_logins = 0
    user.locked_until = None
    end_sessions(user)
    return user


def register(
    email: str,
    password: str,
    name: str,
    phone: str | None,
    login_url: str,
    marketing: bool = False,
) -> None:
    """Open a customer account. An address that already has one gets a note by e-mail instead,
    and the answer on the page is the same, so the form tells no one who has an account.
    ``marketing`` is her separate consent to campaign e-mail (recorded only when given)."""
    try:
        user = users.create_user(email, password, name, phone=phone)
    except Conflict:
        _mail(users.find_by_email(email), _("Hesabınız zaten var"), "exists", login_url=login_url)
        return
    consents.set_marketing(user, marketing, "register")
    _mail(user, _("Hesabınız açıldı"), "welcome", login_url=login_url)


def apply(application: users.MembershipApplication, login_url: str) -> None:
    """A membership application, with the same enumeration-free answer as ``register``."""
    try:
        profile = users.apply_for_membership(application)
    except Conflict:
        existing = users.find_by_email(application.email)
        _mail(existing, _("Hesabınız zaten var"), "exists", login_url=login_url)
        return
    _mail(profile.user, _("Başvurunuz alındı"), "welcome", login_url=login_url)
