"""Who may see what: the role decorator and "may this user see this object" checks."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user

from coopshop.db import db
from coopshop.models import ProducerProfile, User


def load_user(user_id: str) -> User | None:
    try:
        return db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None


def roles_required(*roles: str) -> Callable:
    """Allow only logged-in users with one of ``roles``: others get 403, guests the login page."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                from coopshop.extensions import login_manager

                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def current_producer() -> ProducerProfile:
    """The logged-in producer's own profile; 403 for anyone else."""
    if not current_user.is_authenticated or current_user.role != "producer":
        abort(403)
    profile = current_user.producer
    if profile is None:
        abort(403)
    return profile


def home_endpoint(user: User) -> str:
    """Where each role lands after logging in."""
    return {
        "admin": "admin.home",
        "staff": "staff.home",
        "producer": "producer.home",
    }.get(user.role, "shop.account")
