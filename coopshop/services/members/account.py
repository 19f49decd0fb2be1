"""Changes to her own account that need her current password first: the e-mail address she
signs in with and the password. Each takes the proof ``signin.reauthenticate`` gave, so no
caller can skip the check; each tells her by e-mail and is audited."""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from coopshop.models import User
from coopshop.services.core import audit, mail
from coopshop.services.core.errors import Conflict, Forbidden, ValidationFailed
from coopshop.services.members import signin, users


def require_proof(user: User, proof: signin.SignIn | None) -> None:
    """Forbidden unless ``proof`` is a successful reauthentication of this very user."""
    if proof is None or proof.user is None or proof.user.id != user.id:
        raise Forbidden(_l("Bu değişiklik için geçerli parolanız gerekir."))


def _mail(to: str, user: User, subject: str, kind: str, **context) -> None:
    with force_locale(user.locale):
        body = render_template(f"auth/email_{kind}.txt", user=user, **context)
        mail.queue(to, str(subject), body)


def change_email(user: User, new_email: str, proof: signin.SignIn | None) -> User:
    """Sign in with another address from now on. The old address is told (if it was not her,
    that is where she still reads mail)."""
    require_proof(user, proof)
    email = users.normalize_email(new_email)
    if not email or len(email) > 254 or "@" not in email:
        raise ValidationFailed(_l("Geçerli bir e-posta adresi girin."), field="email")
    if email == user.email:
        raise ValidationFailed(_l("Bu zaten hesabınızın e-posta adresi."), field="email")
    if users.find_by_email(email) is not None:
        raise Conflict(_l("Bu e-posta adresiyle bir hesap zaten var."), field="email")
    old = user.email
    user.email = email
    audit.record(user.id, "user.email_changed", user, old=_masked(old), new=_masked(email))
    with force_locale(user.locale):
        _mail(old, user, _("E-posta adresiniz değişti"), "email_changed", new_email=email)
    return user


def change_password(user: User, new_password: str, proof: signin.SignIn | None) -> User:
    """A new password; every other session and remember cookie of hers ends (the caller starts
    her a fresh session in this browser)."""
    require_proof(user, proof)
    users.check_password_rules(new_password, user.email, user.name)
    user.password_hash = users.hash_password(new_password)
    signin.end_sessions(user)
    audit.record(user.id, "user.password_changed", user)
    with force_locale(user.locale):
        _mail(user.email, user, _("Parolanız değişti"), "password_changed")
    return user


def _masked(email: str) -> str:
    """ "a***@example.org": enough for the log's reader to recognise, not to harvest."""
    local, _at, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"
