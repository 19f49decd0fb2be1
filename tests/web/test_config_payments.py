"""Payment settings: production starts with iyzico or Stripe fully configured, refuses demo and a
half-configured provider naming the missing variable; development keeps the demo path."""

from __future__ import annotations

import pytest

import config
from config import IYZICO_SANDBOX, ProductionConfig, payment_provider_problem
from coopshop import create_app
from coopshop.services.sales import payments

IYZICO_ENV = {
    "SECRET_KEY": "a-long-random-production-secret-0123456789",
    "DATABASE_URL": "postgresql://coop@db.example/coopshop",
    "PUBLIC_BASE_URL": "https://shop.example",
    "WEB_CONCURRENCY": "1",
    "PAYMENT_PROVIDER": "iyzico",
    "IYZICO_API_KEY": "live-api-key",
    "IYZICO_SECRET_KEY": "live-secret-key",
    "IYZICO_BASE_URL": "https://api.iyzipay.com",
    "SMS_PROVIDER": "none",
}
PAYMENT_VARIABLES = (
    "PAYMENT_PROVIDER",
    "IYZICO_API_KEY",
    "IYZICO_SECRET_KEY",
    "IYZICO_BASE_URL",
    "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET",
)


@pytest.fixture
def iyzico_production(monkeypatch, tmp_path):
    for name in PAYMENT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in IYZICO_ENV.items():
        monkeypatch.setenv(name, value)

    class Production(config.SampleSeller, ProductionConfig):  # production requires a seller
        SECRET_KEY = IYZICO_ENV["SECRET_KEY"]
        # Never connected to: these tests open no page.
        SQLALCHEMY_DATABASE_URI = "postgresql+psycopg://coop@127.0.0.1:9/coopshop"
        PUBLIC_BASE_URL = IYZICO_ENV["PUBLIC_BASE_URL"]
        REDIS_URL = "redis://127.0.0.1:9/0"  # never connected to
        MAIL_OUTBOX_DIR = str(tmp_path / "outbox")
        UPLOAD_DIR = str(tmp_path / "uploads")
        PAYMENT_PROVIDER = "iyzico"
        IYZICO_API_KEY = IYZICO_ENV["IYZICO_API_KEY"]
        IYZICO_SECRET_KEY = IYZICO_ENV["IYZICO_SECRET_KEY"]
        IYZICO_BASE_URL = IYZICO_ENV["IYZICO_BASE_URL"]

    return Production


def test_production_starts_with_iyzico_fully_configured(iyzico_production):
    app = create_app(iyzico_production)
    provider = payments.card_provider(app.config, lambda order: "/demo")
    assert provider.name == "iyzico"
    assert provider.client.base_url == "api.iyzipay.com"


@pytest.mark.parametrize("unset", ["IYZICO_API_KEY", "IYZICO_SECRET_KEY", "IYZICO_BASE_URL"])
def test_production_refuses_a_half_configured_iyzico_naming_the_variable(
    monkeypatch, iyzico_production, unset
):
    monkeypatch.delenv(unset)
    with pytest.raises(RuntimeError) as refused:
        create_app(iyzico_production)
    assert str(refused.value) == (
        f"Production refuses the demo payment path: iyzico is half-configured, set {unset}."
    )


def test_production_refuses_demo_chosen_by_name(monkeypatch, iyzico_production):
    monkeypatch.setenv("PAYMENT_PROVIDER", "demo")
    with pytest.raises(RuntimeError, match="Production refuses the demo payment path"):
        create_app(iyzico_production)


@pytest.mark.parametrize(
    ("env", "production", "problem"),
    [
        ({}, False, None),
        ({"PAYMENT_PROVIDER": "paypal"}, False, "PAYMENT_PROVIDER must be one of"),
        ({"IYZICO_API_KEY": "k"}, False, "iyzico is half-configured: set IYZICO_SECRET_KEY."),
        ({"IYZICO_API_KEY": "k", "IYZICO_SECRET_KEY": "s"}, False, None),
        ({"IYZICO_API_KEY": "k", "STRIPE_SECRET_KEY": "s"}, True, "choose one"),
        ({"STRIPE_WEBHOOK_SECRET": "w"}, True, "set STRIPE_SECRET_KEY."),
    ],
)
def test_the_payment_rules_table(env, production, problem):
    found = payment_provider_problem(env, production=production)
    if problem is None:
        assert found is None
    else:
        assert problem in found


def test_development_without_keys_takes_the_demo_path(monkeypatch):
    for name in PAYMENT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    app = create_app("development")
    assert app.config["PAYMENT_PROVIDER"] == "demo"
    assert app.config["IYZICO_BASE_URL"] == IYZICO_SANDBOX
    assert payments.card_provider(app.config, lambda order: "/demo").name == "demo"
