"""Who is calling: a bearer token, never a session cookie.

The API reads ``Authorization: Bearer <token>`` only. A browser's session cookie is ignored, so a
page on another site cannot make a logged-in admin's browser call the API (no CSRF through
cookies). A token acts with its user's role as it is at the time of the call.
"""

from __future__ import annotations

import hashlib

from flask import current_app, g, request
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address

from coopshop.api.errors import ApiError
from coopshop.db import db
from coopshop.models import ProducerProfile, User
from coopshop.services.core import uow
from coopshop.services.members import users as user_service

DEFAULT_API_LIMIT = "300 per minute"
DEFAULT_AUTH_FAILURE_LIMIT = "30 per minute"
_CHALLENGE = [("WWW-Authenticate", 'Bearer realm="coopshop"')]


def _bearer_token() -> str | None:
    """The token of an ``Authorization: Bearer`` header; None without the header. Any other
    scheme, or an empty token, is refused rather than ignored."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _sep, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise ApiError(
            401,
            "unauthorized",
            _l("Authorization başlığı 'Bearer <anahtar>' biçiminde olmalı."),
            headers=_CHALLENGE,
        )
    return token


def authenticate() -> None:
    """Find the caller's user from the bearer token into ``g.api_user`` (None for a guest)."""
    g.api_user = None
    token = _bearer_token()
    if token is None:
        return
    user = user_service.user_for_token(token) if len(token) <= 200 else None
    if user is None:
        raise ApiError(
            401,
            "invalid_token",
            _l("API anahtarı geçersiz ya da iptal edilmiş."),
            headers=_CHALLENGE,
        )
    # The token's last use is its own small write, kept whatever the call itself does; most
    # calls find it written in the last few minutes and write nothing (users.user_for_token).
    if db.session.dirty:
        uow.commit()
    g.api_user = user


def api_user() -> User | None:
    return g.get("api_user")


def require(roles: tuple[str, ...]) -> User:
    """The caller, who must hold one of ``roles``: 401 without a token, 403 with another role."""
    user = api_user()
    if user is None:
        raise ApiError(
            401,
            "unauthorized",
            _l("Bu işlem için bir API anahtarı gerekli (Authorization: Bearer <anahtar>)."),
            headers=_CHALLENGE,
        )
    if user.role not in roles:
        raise ApiError(403, "forbidden", _l("Bu işleme yetkiniz yok."))
    return user


def own_producer() -> ProducerProfile:
    """The calling producer's member profile; 403 for a producer account without one."""
    user = require(("producer",))
    if user.producer is None:
        raise ApiError(403, "forbidden", _l("Bu hesabın üretici profili yok."))
    return user.producer


# Rate limiting keys. The token itself never reaches the limiter's storage, only a short hash.
def client_key() -> str:
    header = request.headers.get("Authorization", "")
    if header:
        return "token:" + hashlib.sha256(header.encode()).hexdigest()[:24]
    return "ip:" + (get_remote_address() or "unknown")


def api_limit() -> str:
    return current_app.config.get("API_RATE_LIMIT", DEFAULT_API_LIMIT)


def auth_failure_limit() -> str:
    return current_app.config.get("API_AUTH_FAILURE_LIMIT", DEFAULT_AUTH_FAILURE_LIMIT)


def is_auth_failure(response) -> bool:
    return response.status_code == 401
