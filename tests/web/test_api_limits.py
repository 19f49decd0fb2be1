"""Rate limits (Flask-Limiter): wrong tokens and API calls per token, and the token page.

The suite runs with RATELIMIT_ENABLED=False; these tests build one app with limits on (memory
storage) and put the shared limiter back as it was afterwards.
"""

from __future__ import annotations

import pytest

from coopshop import create_app
from coopshop.db import db
from coopshop.extensions import limiter
from tests.conftest import _testing_config
from tests.support.factories import PASSWORD, UserFactory
from tests.web.api_helpers import assert_error, bearer, token_for


@pytest.fixture
def limited_app(app, _tmp_root):
    class Limited(_testing_config(_tmp_root)):
        RATELIMIT_ENABLED = True
        RATELIMIT_STORAGE_URI = "memory://"
        API_AUTH_FAILURE_LIMIT = "3 per minute"
        API_RATE_LIMIT = "5 per minute"

    saved = limiter.enabled
    limited = create_app(Limited)
    try:
        yield limited
    finally:
        limiter.reset()
        limiter.enabled = saved
        with limited.app_context():
            db.session.remove()
            db.engine.dispose()


def test_wrong_tokens_are_limited_with_a_json_429(limited_app):
    client = limited_app.test_client()
    for _ in range(3):
        assert_error(
            client.get("/api/v1/products", headers=bearer("cs_guess")), 401, "invalid_token"
        )
    response = client.get("/api/v1/products", headers=bearer("cs_another_guess"))
    error = assert_error(response, 429, "rate_limited")
    assert "bekleyip" in error["message"]
    assert int(response.headers["Retry-After"]) > 0
    # the same address with no token is still refused while the window lasts
    assert_error(client.get("/api/v1/collections"), 429, "rate_limited")


def test_calls_are_limited_per_token(app, limited_app):
    first = bearer(token_for(UserFactory(role="admin")))
    second = bearer(token_for(UserFactory(role="admin")))
    client = limited_app.test_client()
    for _ in range(5):
        assert client.get("/api/v1/ledger/check", headers=first).status_code == 200
    assert_error(client.get("/api/v1/ledger/check", headers=first), 429, "rate_limited")
    assert client.get("/api/v1/ledger/check", headers=second).status_code == 200


def test_making_tokens_and_logging_in_are_limited(app, limited_app):
    user = UserFactory()
    client = limited_app.test_client()
    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    statuses = [client.post("/account/tokens", data={"name": "t"}).status_code for _ in range(11)]
    assert statuses[:10] == [302] * 10
    assert statuses[10] == 429
    for _ in range(20):
        client.post("/auth/login", data={"email": user.email, "password": "yanlis-parola"})
    assert (
        client.post("/auth/login", data={"email": user.email, "password": "x"}).status_code == 429
    )
