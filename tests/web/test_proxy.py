"""Behind the TLS proxy (TRUSTED_PROXY_HOPS): the per-address limits count each shopper by the
address the proxy forwards, not the proxy's own; with no trusted proxy the header is ignored, so
a client cannot forge it to dodge a limit."""

from __future__ import annotations

import pytest

from coopshop import create_app
from coopshop.db import db
from coopshop.extensions import limiter
from tests.conftest import _testing_config


@pytest.fixture
def make_limited(app, _tmp_root):
    made = []
    saved = limiter.enabled

    def make(hops: int):
        class Limited(_testing_config(_tmp_root)):
            RATELIMIT_ENABLED = True
            RATELIMIT_STORAGE_URI = "memory://"
            TRUSTED_PROXY_HOPS = hops

        limited = create_app(Limited)
        made.append(limited)
        return limited

    try:
        yield make
    finally:
        limiter.reset()
        limiter.enabled = saved
        for limited in made:
            with limited.app_context():
                db.session.remove()
                db.engine.dispose()


def _logins(client, forwarded_for: str, n: int) -> list[int]:
    return [
        client.post(
            "/auth/login",
            data={"email": f"u{i}@example.org", "password": "yanlis-parola"},
            headers={"X-Forwarded-For": forwarded_for},
        ).status_code
        for i in range(n)
    ]


def test_behind_one_proxy_each_shopper_has_her_own_limit(make_limited):
    client = make_limited(1).test_client()
    assert _logins(client, "203.0.113.7", 11) == [200] * 10 + [429]
    # Another shopper behind the same proxy is not locked out by the first one.
    assert _logins(client, "198.51.100.20", 1) == [200]


def test_without_a_trusted_proxy_a_forged_header_dodges_nothing(make_limited):
    client = make_limited(0).test_client()
    codes = [_logins(client, f"203.0.113.{i}", 1)[0] for i in range(11)]
    assert codes == [200] * 10 + [429]


def test_production_trusts_one_proxy_by_default():
    from config import Config, ProductionConfig

    assert (Config.TRUSTED_PROXY_HOPS, ProductionConfig.TRUSTED_PROXY_HOPS) == (0, 1)
