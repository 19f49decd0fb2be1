"""Settings: production refuses to start half-configured, and its cookies are secure."""

from __future__ import annotations

import re

import pytest

import config
from config import ProductionConfig
from coopshop import create_app

PRODUCTION_ENV = {
    "SECRET_KEY": "a-long-random-production-secret-0123456789",
    "DATABASE_URL": "postgresql://coop@db.example/coopshop",
    "PUBLIC_BASE_URL": "https://shop.example",
    "STRIPE_SECRET_KEY": "sk_live_example",
    "STRIPE_WEBHOOK_SECRET": "whsec_example",
    "WEB_CONCURRENCY": "1",
    "SMS_PROVIDER": "none",
}


@pytest.fixture
def production_env(monkeypatch, tmp_path):
    """A complete production environment; tests take pieces away."""
    for name, value in PRODUCTION_ENV.items():
        monkeypatch.setenv(name, value)

    # The class attributes were read when config.py was imported; a subclass points this test's
    # app at a throwaway database and folders instead of whatever the test run uses.
    class Production(config.SampleSeller, ProductionConfig):  # production requires a seller
        SECRET_KEY = PRODUCTION_ENV["SECRET_KEY"]
        # Never connected to: the pages these tests open read no table.
        SQLALCHEMY_DATABASE_URI = "postgresql+psycopg://coop@127.0.0.1:9/coopshop"
        PUBLIC_BASE_URL = PRODUCTION_ENV["PUBLIC_BASE_URL"]
        REDIS_URL = "redis://127.0.0.1:9/0"  # never connected to either
        MAIL_OUTBOX_DIR = str(tmp_path / "outbox")
        UPLOAD_DIR = str(tmp_path / "uploads")

    return Production


@pytest.mark.parametrize(
    ("unset", "named"),
    [
        (["SECRET_KEY"], "SECRET_KEY"),
        (["DATABASE_URL"], "DATABASE_URL"),
        (["SECRET_KEY", "DATABASE_URL"], "SECRET_KEY, DATABASE_URL"),
    ],
)
def test_production_refuses_to_start_without_its_secrets(monkeypatch, production_env, unset, named):
    for name in unset:
        monkeypatch.delenv(name)
    with pytest.raises(RuntimeError) as refused:
        create_app(production_env)
    assert str(refused.value) == (
        f"Production configuration needs these environment variables: {named}"
    )


def test_an_empty_secret_counts_as_missing(monkeypatch, production_env):
    monkeypatch.setenv("SECRET_KEY", "")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(production_env)


@pytest.mark.parametrize("unset", ["STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"])
def test_production_refuses_a_half_configured_stripe_naming_what_is_missing(
    monkeypatch, production_env, unset
):
    monkeypatch.delenv(unset)
    with pytest.raises(RuntimeError) as refused:
        create_app(production_env)
    assert str(refused.value) == (
        f"Production refuses the demo payment path: stripe is half-configured, set {unset}."
    )


def test_production_refuses_the_demo_payment_path(monkeypatch, production_env):
    monkeypatch.delenv("STRIPE_SECRET_KEY")
    monkeypatch.delenv("STRIPE_WEBHOOK_SECRET")
    monkeypatch.setenv("PAYMENT_PROVIDER", "demo")
    with pytest.raises(RuntimeError) as refused:
        create_app(production_env)
    assert "Production refuses the demo payment path" in str(refused.value)
    assert "IYZICO_API_KEY, IYZICO_SECRET_KEY and IYZICO_BASE_URL" in str(refused.value)


def test_production_refuses_demo_payments_switched_on_in_a_subclass(production_env):
    class Careless(production_env):
        DEMO_PAYMENTS = True

    with pytest.raises(RuntimeError, match="demo payment path is refused in production"):
        create_app(Careless)


def test_production_by_name_is_validated_too(monkeypatch):
    for name in PRODUCTION_ENV:
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY, DATABASE_URL"):
        create_app("production")


def test_wsgi_without_flask_config_means_production(monkeypatch):
    import importlib
    import sys

    for name in (*PRODUCTION_ENV, "FLASK_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delitem(sys.modules, "wsgi", raising=False)
    with pytest.raises(RuntimeError, match="Production configuration needs"):
        importlib.import_module("wsgi")


@pytest.mark.parametrize(
    ("settings", "refusal"),
    [
        ({"SECRET_KEY": config.DEVELOPMENT_SECRET_KEY}, "SECRET_KEY is a known development key"),
        ({"SECRET_KEY": "testing-secret"}, "SECRET_KEY is a known development key"),
        ({"SECRET_KEY": "x" * 31}, "SECRET_KEY must be at least 32 bytes"),
        ({"SQLALCHEMY_DATABASE_URI": "sqlite:////tmp/prod.db"}, "must be PostgreSQL, not SQLite"),
        ({"STRIPE_API_BASE": "http://stripe.example"}, "STRIPE_API_BASE must start with https"),
        ({"CARRIER_API_BASE": "http://kargo.example"}, "CARRIER_API_BASE must start with https"),
        ({"PUBLIC_BASE_URL": "http://shop.example"}, "PUBLIC_BASE_URL must start with https"),
        ({"SHIPPING_FLAT_KURUS": -1}, "SHIPPING_FLAT_KURUS must be between 0"),
        ({"FREE_SHIPPING_THRESHOLD_KURUS": -5}, "FREE_SHIPPING_THRESHOLD_KURUS must be between"),
        ({"PAYOUT_MINIMUM_KURUS": -100}, "PAYOUT_MINIMUM_KURUS must be between 0"),
        ({"RETURN_WINDOW_DAYS": -1}, "RETURN_WINDOW_DAYS must be between 0 and 365"),
        ({"DEFAULT_COMMISSION_BP": 20000}, "DEFAULT_COMMISSION_BP must be between 0 and 10000"),
        ({"DEFAULT_COMMISSION_BP": -1}, "DEFAULT_COMMISSION_BP must be between 0 and 10000"),
        ({"ORDER_EXPIRY_MINUTES": 0}, "ORDER_EXPIRY_MINUTES must be between 1"),
        ({"ORDER_LINK_DAYS": 0}, "ORDER_LINK_DAYS must be between 1"),
        ({"IBAN_HOLD_HOURS": -1}, "IBAN_HOLD_HOURS must be between 0 and 720"),
        ({"IBAN_HOLD_HOURS": 721}, "IBAN_HOLD_HOURS must be between 0 and 720"),
        ({"COOP_IBAN": "TR330006100519786457841327"}, "COOP_IBAN must be a Turkish IBAN"),
        ({"COOP_IBAN": "DE89370400440532013000"}, "COOP_IBAN must be a Turkish IBAN"),
        ({"REDIS_URL": ""}, "REDIS_URL is required: mail and invoices run on RQ workers"),
        ({"OUTBOX_MAX_ATTEMPTS": 0}, "OUTBOX_MAX_ATTEMPTS must be at least 1"),
        ({"AUTH_ADDRESS_LIMIT": "ten a minute"}, "AUTH_ADDRESS_LIMIT is not a rate limit"),
        ({"AUTH_ADDRESS_LIMIT": ""}, "AUTH_ADDRESS_LIMIT is not a rate limit"),
        ({"AUTH_ADDRESS_LIMIT": "31 per minute"}, "allows 31 posts a minute"),
        ({"AUTH_ADDRESS_LIMIT": "1000 per minute"}, "allows 1000 posts a minute"),
        ({"AUTH_ADDRESS_LIMIT": "1 per second"}, "allows 60 posts a minute"),
        ({"AUTH_ADDRESS_LIMIT": "500 per day"}, "allows 500 posts a minute"),
        ({"IBAN_HOLD_HOURS": 0}, "IBAN_HOLD_HOURS=0 applies a new IBAN at once"),
        ({"SMS_TIMEOUT_SECONDS": 0}, "SMS_TIMEOUT_SECONDS must be between 1 and 30"),
        ({"SMS_TIMEOUT_SECONDS": 60}, "SMS_TIMEOUT_SECONDS must be between 1 and 30"),
        (
            {"SHIPPING_PROVIDER": "geliver", "GELIVER_API_TOKEN": "live-token"},
            "GELIVER_WEBHOOK_TOKEN must be set",
        ),
        (
            {"SHIPPING_PROVIDER": "geliver", "GELIVER_WEBHOOK_TOKEN": "short"},
            "GELIVER_WEBHOOK_TOKEN must be set (at least 32 characters)",
        ),
    ],
)
def test_production_refuses_a_weak_or_out_of_range_setting(production_env, settings, refusal):
    careless = type("Careless", (production_env,), settings)
    with pytest.raises(RuntimeError, match="Production refuses to start") as refused:
        create_app(careless)
    assert refusal in str(refused.value)


@pytest.mark.parametrize(
    "limit", ["10 per minute;60 per hour", "30 per minute", "5 per 10 seconds", "20/hour"]
)
def test_production_starts_with_a_sign_in_limit_of_at_most_30_a_minute(production_env, limit):
    strict = type("Strict", (production_env,), {"AUTH_ADDRESS_LIMIT": limit})
    assert create_app(strict).config["AUTH_ADDRESS_LIMIT"] == limit


def test_production_applies_an_iban_at_once_only_when_told_to(production_env):
    meant = type(
        "Meant", (production_env,), {"IBAN_HOLD_HOURS": 0, "IBAN_CHANGE_WITHOUT_HOLD": True}
    )
    assert create_app(meant).config["IBAN_HOLD_HOURS"] == 0
    assert create_app(production_env).config["IBAN_CHANGE_WITHOUT_HOLD"] is False


def test_production_starts_with_geliver_and_a_webhook_token(production_env):
    settings = {
        "SHIPPING_PROVIDER": "geliver",
        "GELIVER_API_TOKEN": "live-token",
        "GELIVER_WEBHOOK_TOKEN": "w" * 32,
    }
    app = create_app(type("Geliver", (production_env,), settings))
    assert app.config["GELIVER_WEBHOOK_TOKEN"] == "w" * 32


@pytest.mark.parametrize("workers", ["", "2", "4"])
def test_the_memory_rate_limit_store_needs_redis_beyond_one_worker(
    monkeypatch, production_env, workers
):
    monkeypatch.setenv("WEB_CONCURRENCY", workers)
    memory = type("Memory", (production_env,), {"RATELIMIT_STORAGE_URI": "memory://"})
    with pytest.raises(RuntimeError, match="memory rate-limit store counts per worker"):
        create_app(memory)
    redis = type("Redis", (production_env,), {"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:9/0"})
    assert create_app(redis).config["RATELIMIT_STORAGE_URI"].startswith("redis://")


def test_a_cookie_forged_with_the_development_key_is_refused_in_production(production_env):
    from flask.sessions import SecureCookieSessionInterface

    dev = create_app("development")
    forged = (
        SecureCookieSessionInterface()
        .get_signing_serializer(dev)
        .dumps({"_user_id": "1", "_fresh": True, "_id": "x"})
    )
    prod = create_app(production_env).test_client()
    prod.set_cookie("session", forged, domain="shop.example")
    response = prod.get("/admin/", base_url="https://shop.example")
    assert response.status_code == 302
    assert response.location.startswith("/auth/login")


def test_a_complete_production_app_starts_with_secure_cookies(production_env):
    app = create_app(production_env)
    assert app.config["DEBUG"] is False
    assert app.config["TESTING"] is False
    assert app.config["DEMO_PAYMENTS"] is False
    assert app.config.get("WTF_CSRF_ENABLED", True) is True
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_HTTPONLY"] is True
    assert app.config["PREFERRED_URL_SCHEME"] == "https"
    assert app.config["PASSWORD_HASH_METHOD"] == "scrypt"

    # The session cookie a browser actually receives (the login form puts a CSRF token in it).
    response = app.test_client().get("/auth/login", base_url="https://shop.example")
    assert response.status_code == 200
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("session=")
    assert "; Secure" in cookie
    assert "; HttpOnly" in cookie
    assert "; SameSite=Lax" in cookie


@pytest.mark.parametrize("name", ["development", "testing"])
def test_other_settings_start_without_any_environment(monkeypatch, name):
    for variable in PRODUCTION_ENV:
        monkeypatch.delenv(variable, raising=False)
    app = create_app(name)
    assert app.config["SECRET_KEY"]
    assert app.config["DEMO_PAYMENTS"] is True


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql://u@h:5432/db", "postgresql+psycopg://u@h:5432/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
    ],
)
def test_database_urls_mean_psycopg_3(monkeypatch, url, expected):
    monkeypatch.setenv("DATABASE_URL", url)
    assert config._database_url("sqlite://") == expected


def test_a_bad_number_in_the_environment_is_named(monkeypatch):
    monkeypatch.setenv("PAYOUT_MINIMUM_KURUS", "yüz lira")
    with pytest.raises(RuntimeError, match="PAYOUT_MINIMUM_KURUS must be a whole number"):
        config._env_int("PAYOUT_MINIMUM_KURUS", 10000)


@pytest.mark.parametrize(
    ("env", "refusal"),
    [
        ({"SMS_PROVIDER": ""}, "SMS_PROVIDER=netgsm"),
        ({"SMS_PROVIDER": "log"}, "SMS_PROVIDER=netgsm"),
        ({"SMS_PROVIDER": "netgsm"}, "NETGSM_USERNAME, NETGSM_PASSWORD, NETGSM_MSGHEADER"),
        (
            {"SMS_PROVIDER": "netgsm", "NETGSM_USERNAME": "u", "NETGSM_PASSWORD": "p"},
            "needs: NETGSM_MSGHEADER",
        ),
        (
            {
                "SMS_PROVIDER": "netgsm",
                "NETGSM_USERNAME": "u",
                "NETGSM_PASSWORD": "p",
                "NETGSM_MSGHEADER": "KOOP",
                "NETGSM_API_URL": "http://api.netgsm.com.tr",
            },
            "https://",
        ),
    ],
)
def test_production_checks_the_sms_provider_and_its_credentials(
    monkeypatch, production_env, env, refusal
):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(RuntimeError, match=re.escape(refusal)):
        ProductionConfig.validate()


def test_production_starts_with_netgsm_configured(monkeypatch, production_env):
    for name, value in {
        "SMS_PROVIDER": "netgsm",
        "NETGSM_USERNAME": "u",
        "NETGSM_PASSWORD": "p",
        "NETGSM_MSGHEADER": "KOOP",
    }.items():
        monkeypatch.setenv(name, value)
    ProductionConfig.validate()
    assert config.sms_problem({"SMS_PROVIDER": "none"}) is None
