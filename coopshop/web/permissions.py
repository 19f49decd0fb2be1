"""Who may see what: the role decorator and "may this user see this object" checks."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user

from coopshop.db import db
from coopshop.models import ProducerProfile, User


def load_user(user_id: str) -> User | None:
    """The user a session or remember cookie names ("id:generation"), if that generation is
    still hers: logout, a new password, a role change or suspension bump it and end them all."""
    try:
        uid, generation = (int(part) for part in str(user_id).split(":"))
    except (TypeError, ValueError):
        return None
    if not 0 < uid < 2**31:
        return None
    user = db.session.get(User, uid)
    if user is None or not user.active or (user.session_generation or 0) != generation:
        return None
    return user


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
