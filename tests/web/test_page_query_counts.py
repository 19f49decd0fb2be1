"""Every page costs the same number of SQL statements with 10 rows behind it and with 2,000
(issue 22): the catalog pages with 2,000 more products, the producer's dashboard and sales
history (first page and a later one) with 2,000 more of her lines, the admin's year report and
the API's product list. No timings: the count is what keeps a page from growing with history."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from coopshop.db import db
from coopshop.extensions import cache
from coopshop.models import ReportRollup, utcnow
from coopshop.services.books import report_rollups
from tests.support.factories import (
    CollectionFactory,
    ProducerFactory,
    ProductFactory,
    UserFactory,
    paid_order,
)
from tests.support.history_copies import copy_history, copy_products
from tests.support.sql_counter import count_queries
from tests.web.api_helpers import bearer, token_for


@pytest.fixture
def shop(app):
    ayse, fatma = ProducerFactory(), ProducerFactory()
    collection = CollectionFactory(active=True)
    products = [
        ProductFactory(
            title_tr=f"Çanta {i}",
            price_kurus=10000 + i,
            stock=1000,
            collection=collection,
            makers=[(ayse, 10000)] if i % 2 else [(ayse, 6000), (fatma, 4000)],
        )
        for i in range(10)
    ]
    paid = utcnow() - timedelta(days=20)
    for i, product in enumerate(products):
        channel = ("online", "bazaar", "bank_transfer")[i % 3]
        method = {"online": "demo", "bazaar": "cash", "bank_transfer": "bank_transfer"}[channel]
        paid_order(
            [(product, 1)],
            channel=channel,
            payment_method=method,
            paid_at=paid - timedelta(hours=i),
        )
    db.session.commit()
    return ayse, collection, products


def _statements(client, url: str, **kwargs) -> int:
    """What one visit sends, counted on a second visit (the user and the session are loaded
    alike every time) with the catalog's cached fragments dropped (a miss: the real work)."""
    client.get(url, **kwargs)
    cache.clear()
    with count_queries() as statements:
        response = client.get(url, **kwargs)
    assert response.status_code == 200, url
    return len(statements)


def _next_page(client, url: str) -> str:
    html = client.get(url).get_data(as_text=True)
    found = re.search(r'href="([^"]*after=[^"]*)" rel="next"', html)
    return found.group(1).replace("&amp;", "&") if found else url


def test_public_pages_cost_the_same_with_2000_more_products(client, shop):
    _, collection, products = shop
    urls = [
        "/",
        f"/collections/{collection.slug}",
        "/search?q=canta",
        f"/products/{products[3].id}",
        "/api/v1/products",
        "/api/v1/products?q=canta",
    ]
    before = {url: _statements(client, url) for url in urls}
    copy_products(200)
    db.session.commit()
    after = {url: _statements(client, url) for url in urls}
    assert after == before


def test_her_dashboard_and_history_cost_the_same_with_2000_more_lines(client, login, shop):
    ayse, _, _ = shop
    login(ayse.user)
    first = {url: _statements(client, url) for url in ("/producer/earnings", "/producer/sales")}
    copy_history(200)  # 10 lines, each 200 more times
    db.session.commit()
    urls = ("/producer/earnings", "/producer/sales")
    assert {url: _statements(client, url) for url in urls} == first
    second = _next_page(client, "/producer/sales")
    deep = second
    for _ in range(40):  # 40 pages on, 1,000 lines older
        deep = _next_page(client, deep)
    assert "after=" in second and "after=" in deep and deep != second
    # a later page leaves out the totals (first page only) and costs the same at any depth
    assert _statements(client, deep) == _statements(client, second) < first["/producer/sales"]
    api = bearer(token_for(ayse.user))
    client.get("/api/v1/me/sales", headers=api)  # the token's first use is written once
    one = _statements(client, "/api/v1/me/sales", headers=api)
    cursor = client.get("/api/v1/me/sales", headers=api).get_json()["next_cursor"]
    assert _statements(client, f"/api/v1/me/sales?cursor={cursor}", headers=api) == one


def test_the_year_report_costs_the_same_with_2000_more_lines(client, login, shop):
    login(UserFactory(role="admin"))
    urls = [
        "/admin/reports",
        "/admin/reports?dimension=producer",
        "/admin/reports?dimension=channel",
        "/admin/reports?dimension=centre",
        "/admin/reports?dimension=period&grain=day",
    ]
    before = {url: _statements(client, url) for url in urls}
    makers_before = db.session.scalar(select(func.sum(ReportRollup.sale_makers)))
    copy_history(200)
    report_rollups.rebuild()  # the copies were written in SQL, around ledger.post
    db.session.commit()
    # The reports by period, member and centre read the rollups, which now hold the copies.
    assert db.session.scalar(select(func.sum(ReportRollup.sale_makers))) > makers_before
    assert {url: _statements(client, url) for url in urls} == before
