"""Helpers for the API tests: users with tokens, bearer headers, and the error shape."""

from __future__ import annotations

from coopshop.db import db
from coopshop.services.members import users as user_service
from tests.support.factories import ProducerFactory, UserFactory


def token_for(user) -> str:
    token = user_service.issue_api_token(user, name="test")
    db.session.commit()
    return token


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def caller(role: str, **kwargs):
    """(user, headers) for a new user of ``role`` with a fresh token; a producer has an active
    member profile (``user.producer``)."""
    if role == "producer":
        user = ProducerFactory(**kwargs).user
    else:
        user = UserFactory(role=role, **kwargs)
    return user, bearer(token_for(user))


def assert_error(response, status: int, code: str, field: str | None = None) -> dict:
    """The response is the API's JSON error with this status and code (and field); returns it."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == code, error
    assert isinstance(error["message"], str) and error["message"]
    if field is not None:
        assert error.get("field") == field, error
    return error
