"""Taksit options on the product page and in the cart, from iyzico's instalment service (the
real SDK against the stand-in): the shop's allowed counts only, one call per price while cached,
and nothing at all when iyzico is not the card provider or does not answer."""

from __future__ import annotations

import pytest

from coopshop.db import db
from coopshop.services.sales import instalments, iyzico_reporting, payments
from coopshop.shop.cart import SESSION_KEY
from tests.support.factories import ProductFactory

pytestmark = pytest.mark.filterwarnings(
    "ignore:Passing SelectField choices as tuples:DeprecationWarning"
)


def _kilim(price_kurus=41250):
    product = ProductFactory(price_kurus=price_kurus, stock=3, title_tr="Kilim yastık")
    db.session.commit()
    return product


def _calls(standin) -> int:
    return len(standin.requests_to(iyzico_reporting.INSTALLMENT_PATH))


def test_the_product_page_shows_taksit_per_card_family(client, iyzico_app, iyzico_standin):
    kilim = _kilim()

    page = client.get(f"/products/{kilim.id}").get_data(as_text=True)

    # The stand-in's Bonus rate for 3 is 5.25 %: ₺412,50 → ₺434,16 in 3 × ₺144,72.
    assert "Taksit seçenekleri" in page
    assert "3 taksit × ₺144,72" in page
    assert "toplam ₺434,16" in page
    assert "Bonus" in page and "Axess" in page and "World" in page
    assert "12 taksit" not in page  # iyzico offers 12 on Bonus; the shop allows 1,2,3,6,9
    assert "1 taksit" not in page  # one payment is the price itself
    [sent] = iyzico_standin.requests_to(iyzico_reporting.INSTALLMENT_PATH)
    assert sent.auth_ok and sent.body["price"] == "412.5"


def test_the_table_is_cached_per_price(client, iyzico_app, iyzico_standin):
    kilim, soap = _kilim(), _kilim(3333)

    for _ in range(3):
        assert client.get(f"/products/{kilim.id}").status_code == 200
    client.get(f"/products/{soap.id}")

    assert _calls(iyzico_standin) == 2


def test_a_cached_table_is_asked_again_after_its_time(iyzico_app, iyzico_standin):
    provider = payments.iyzico_provider(iyzico_app.config)
    now = [1000.0]
    store = instalments.MemoryStore(clock=lambda: now[0])

    first = instalments.for_price(provider, 41250, ttl=60, store=store)
    now[0] += 59
    instalments.for_price(provider, 41250, ttl=60, store=store)
    now[0] += 2
    again = instalments.for_price(provider, 41250, ttl=60, store=store)

    assert _calls(iyzico_standin) == 2
    assert again == first and first[0].options[1].count == 3


class _Recording:
    """The app's shared cache, with each write's timeout written down."""

    def __init__(self, inner):
        self.inner, self.timeouts = inner, {}

    def get(self, key):
        return self.inner.get(key)

    def set(self, key, value, timeout=None):
        self.timeouts[key] = timeout
        return self.inner.set(key, value, timeout=timeout)


def test_the_shop_keeps_a_table_a_day_in_the_shared_cache(
    client, iyzico_app, iyzico_standin, monkeypatch
):
    from coopshop.extensions import cache
    from coopshop.shop import taksit

    recording = _Recording(cache)
    monkeypatch.setattr(taksit, "cache", recording)
    kilim = _kilim()
    provider = payments.iyzico_provider(iyzico_app.config)
    key = instalments.cache_key(provider.client, 41250, frozenset({2, 3, 6, 9}))

    first = client.get(f"/products/{kilim.id}").get_data(as_text=True)
    instalments.clear_cache()  # not this process's memory: the shared cache answers
    second = client.get(f"/products/{kilim.id}").get_data(as_text=True)

    assert _calls(iyzico_standin) == 1
    assert recording.timeouts == {key: 86400}
    assert cache.get(key)[0].options[1] == instalments.Option(3, 14472, 43416)
    assert "3 taksit × ₺144,72" in first and "3 taksit × ₺144,72" in second
    assert iyzico_standin.api_key not in key  # the account is hashed into the key


@pytest.mark.redis
def test_two_workers_on_one_redis_share_the_table(iyzico_app, iyzico_standin):
    """Two workers (two caches on the same Redis): the second worker's lookup makes no call."""
    import uuid

    from flask import Flask
    from flask_caching import Cache

    from tests.conftest import REDIS_TEST_URL

    prefix = f"test-taksit-{uuid.uuid4().hex}:"
    workers = []
    for _ in range(2):
        worker = Flask(__name__)
        store = Cache(
            worker,
            config={
                "CACHE_TYPE": "RedisCache",
                "CACHE_REDIS_URL": REDIS_TEST_URL,
                "CACHE_KEY_PREFIX": prefix,
            },
        )
        workers.append((worker, store))
    provider = payments.iyzico_provider(iyzico_app.config)
    try:
        tables = []
        for worker, store in workers:
            with worker.app_context():
                tables.append(instalments.for_price(provider, 41250, store=store))
        assert _calls(iyzico_standin) == 1
        assert tables[0] == tables[1] and tables[0][0].options[1].count == 3
    finally:
        with workers[0][0].app_context():
            workers[0][1].clear()


def test_the_cart_shows_taksit_for_its_total(client, iyzico_app, iyzico_standin):
    kilim = _kilim()
    with client.session_transaction() as session:
        session[SESSION_KEY] = {str(kilim.id): 2}

    page = client.get("/cart").get_data(as_text=True)

    [sent] = iyzico_standin.requests_to(iyzico_reporting.INSTALLMENT_PATH)
    assert page.count("Taksit seçenekleri") == 1
    total = iyzico_reporting.price_to_kurus(sent.body["price"])
    assert total >= 2 * 41250  # the cart's total, shipping included when it is charged
    assert "6 taksit" in page


def test_only_the_allowed_counts_are_shown(client, iyzico_app, iyzico_standin):
    iyzico_app.config["IYZICO_INSTALLMENTS"] = "1,3"
    kilim = _kilim()

    page = client.get(f"/products/{kilim.id}").get_data(as_text=True)

    assert "3 taksit × ₺144,72" in page
    assert "2 taksit" not in page and "6 taksit" not in page


def test_no_table_with_the_demo_provider(client, app):
    kilim = _kilim()

    page = client.get(f"/products/{kilim.id}").get_data(as_text=True)

    assert "Taksit seçenekleri" not in page and "taksit ×" not in page


def test_an_iyzico_that_refuses_or_hangs_gives_no_table_and_is_not_asked_each_view(
    client, iyzico_app, iyzico_standin
):
    kilim, soap = _kilim(), _kilim(3333)
    iyzico_standin.error_next(iyzico_reporting.INSTALLMENT_PATH, "11", "Geçersiz istek")

    refused = client.get(f"/products/{kilim.id}")
    client.get(f"/products/{kilim.id}")
    iyzico_standin.hang(30)
    hanging = client.get(f"/products/{soap.id}")
    iyzico_standin.unhang()

    assert refused.status_code == 200 and hanging.status_code == 200
    assert "Taksit seçenekleri" not in refused.get_data(as_text=True)
    assert "Taksit seçenekleri" not in hanging.get_data(as_text=True)
    assert "Sepete ekle" in hanging.get_data(as_text=True)
    assert _calls(iyzico_standin) == 2  # the refusal was kept: one call per price


def test_a_shared_cache_that_is_down_costs_a_call_not_the_page(
    client, iyzico_app, iyzico_standin, monkeypatch
):
    from redis.exceptions import ConnectionError as RedisDown

    from coopshop.shop import taksit

    class _Down:
        def get(self, key):
            raise RedisDown("Connection refused")

        def set(self, key, value, timeout=None):
            raise RedisDown("Connection refused")

    monkeypatch.setattr(taksit, "cache", _Down())
    kilim = _kilim()

    page = client.get(f"/products/{kilim.id}")

    assert page.status_code == 200
    assert "3 taksit × ₺144,72" in page.get_data(as_text=True)
    assert _calls(iyzico_standin) == 1
