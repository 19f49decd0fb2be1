"""The public catalog's cached fragments (web/catalog_cache.py): a second visit is served from
the cache (fewer statements), and each kind of change to what a card shows (the product, its
price, its stock, its maker) drops them, so the next visit shows the change. Static files carry
a fingerprint and a year's Cache-Control."""

from __future__ import annotations

import re

import pytest

from coopshop.db import db
from coopshop.services.catalog import stock
from coopshop.services.members import membership
from coopshop.web import catalog_cache
from tests.support.factories import (
    CollectionFactory,
    ProducerFactory,
    ProductFactory,
    UserFactory,
    paid_order,
)
from tests.support.sql_counter import count_queries


@pytest.fixture
def shelf(app):
    ayse = ProducerFactory(display_name="Ayşe Usta")
    collection = CollectionFactory(active=True, slug="ipek-yolu")
    scarf = ProductFactory(
        title_tr="İpek atkı", price_kurus=45000, stock=3, collection=collection,
        makers=[(ayse, 10000)],
    )  # fmt: skip
    db.session.commit()
    return ayse, collection, scarf


def _get(client, url: str) -> tuple[str, int]:
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True), len(statements)


def _cached(client, url: str) -> tuple[str, int]:
    """Visit twice; the second visit is a cache hit, with fewer statements than the first."""
    _, miss = _get(client, url)
    html, hit = _get(client, url)
    assert hit < miss, url
    return html, miss


URLS = ("/", "/collections/ipek-yolu", "/search?q=atki")


def test_a_second_visit_is_served_from_the_cache(client, shelf):
    for url in URLS:
        html, _ = _cached(client, url)
        assert "İpek atkı" in html


def test_a_product_change_drops_the_fragments(client, shelf):
    _, _, scarf = shelf
    misses = {url: _cached(client, url)[1] for url in URLS}
    scarf.title_tr = "İpek atkı, yeni desen"
    scarf.search_text = "ipek atki, yeni desen"
    db.session.commit()
    for url in URLS:
        html, statements = _get(client, url)
        assert "yeni desen" in html and statements == misses[url]


def test_a_price_change_drops_the_fragments(client, shelf):
    _, _, scarf = shelf
    for url in URLS:
        assert "450,00" in _cached(client, url)[0]
    scarf.price_kurus = 39900
    db.session.commit()
    for url in URLS:
        html, _ = _get(client, url)
        assert "399,00" in html and "450,00" not in html


def test_a_stock_change_drops_the_fragments_and_checkout_reads_the_database(client, shelf):
    ayse, _, scarf = shelf
    for url in URLS:
        _cached(client, url)
    before = catalog_cache.generation()
    stock.adjust(ayse, scarf, -1, "damaged", actor_id=ayse.user_id)  # a conditional UPDATE
    db.session.commit()
    assert catalog_cache.generation() > before
    after_adjust = catalog_cache.generation()
    paid_order([(scarf, 2)], channel="bazaar", payment_method="cash")  # the last two sold
    db.session.commit()
    assert catalog_cache.generation() > after_adjust
    for url in URLS:
        _, statements = _get(client, url)
        assert statements > _get(client, url)[1]  # re-rendered once, then cached again
    # The product page and the cart read the database, never the cache: sold out is sold out.
    page = client.get(f"/products/{scarf.id}").get_data(as_text=True)
    assert "Tükendi" in page and 'name="quantity"' not in page
    client.post("/cart/add", data={"product_id": scarf.id, "quantity": 1})
    assert "Sepetiniz boş" in client.get("/cart").get_data(as_text=True)


def test_a_maker_change_drops_the_fragments(client, shelf):
    ayse, _, _ = shelf
    for url in URLS:
        assert "Ayşe Usta" in _cached(client, url)[0]
    ayse.display_name = "Ayşe Hanım"
    db.session.commit()
    for url in URLS:
        html, _ = _get(client, url)
        assert "Ayşe Hanım" in html
    admin = UserFactory(role="admin")
    membership.change_status(ayse, "suspend", admin.id, note="aidat")
    db.session.commit()
    for url in URLS:
        html, _ = _get(client, url)
        assert "İpek atkı" not in html  # a suspended member's products leave the shop


def test_a_rolled_back_change_keeps_the_fragments(client, shelf):
    _, _, scarf = shelf
    _cached(client, URLS[0])
    before = catalog_cache.generation()
    scarf.price_kurus = 1
    db.session.flush()
    db.session.rollback()
    assert catalog_cache.generation() == before


def test_static_files_are_fingerprinted_and_kept_a_year(client):
    html = client.get("/").get_data(as_text=True)
    url = re.search(r'href="(/static/[^"]+\.css\?v=[0-9a-f]{12})"', html).group(1)
    for path, kept_a_year in (
        (url, True),
        (url.split("?")[0], False),
        (url.split("?")[0] + "?v=000000000000", False),
    ):
        response = client.get(path)
        assert response.status_code == 200
        assert ("max-age=31536000" in response.headers.get("Cache-Control", "")) is kept_a_year
        response.close()


def _api_items(client) -> tuple[list[tuple[str, int, int]], int]:
    with count_queries() as statements:
        response = client.get("/api/v1/products")
    assert response.status_code == 200
    items = [(i["title"], i["price_kurus"], i["stock"]) for i in response.get_json()["items"]]
    return items, len(statements)


def test_the_api_list_caches_its_page_ids_and_each_change_shows(client, shelf):
    """GET /api/v1/products caches the page's ids and total under the catalog's generation; the
    products themselves (price, stock, commission) are read for every request."""
    ayse, collection, scarf = shelf
    items, miss = _api_items(client)
    again, hit = _api_items(client)
    assert items == again == [("İpek atkı", 45000, 3)] and hit < miss
    shawl = ProductFactory(title_tr="Yün şal", price_kurus=30000, stock=2, makers=[(ayse, 10000)])
    db.session.commit()
    assert _api_items(client)[0] == [("Yün şal", 30000, 2), ("İpek atkı", 45000, 3)]
    scarf.price_kurus = 39900
    db.session.commit()
    assert ("İpek atkı", 39900, 3) in _api_items(client)[0]
    stock.adjust(ayse, shawl, -1, "damaged", actor_id=ayse.user_id)
    db.session.commit()
    assert ("Yün şal", 30000, 1) in _api_items(client)[0]
    membership.change_status(ayse, "suspend", UserFactory(role="admin").id, note="aidat")
    db.session.commit()
    assert _api_items(client)[0] == []  # a suspended member's products leave the list
