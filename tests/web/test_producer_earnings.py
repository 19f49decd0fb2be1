"""The producer's money pages: exactly her own lines and balances (co-made lines with her share
only), 404 for anyone else's sale, statements that add up to the ledger, and a dashboard whose
query count does not grow with her history."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest

from coopshop.db import db
from coopshop.models import utcnow
from coopshop.services.books import balances
from coopshop.services.reports.dashboard import month_start
from tests.support.factories import ProducerFactory, ProductFactory, paid_order
from tests.support.producer_support import SETTINGS, payout, two_members
from tests.support.sql_counter import count_queries


@pytest.fixture
def world(app):
    return two_members(utcnow() - timedelta(days=3))


def _login(client, login, profile):
    """Log in as ``profile``'s user, logging out whoever was logged in on this client (the
    login form sends a logged-in user home instead of switching)."""
    client.post("/auth/logout")
    login(profile.user)


def test_she_sees_her_own_lines_and_her_share_of_co_made_ones(client, login, world):
    _login(client, login, world.ayse)
    html = client.get("/producer/sales").get_data(as_text=True)
    assert world.orders[0].number in html and world.orders[1].number in html
    assert world.orders[2].number not in html  # Fatma's soap
    assert "Sabun" not in html
    assert "₺177,08" in html  # her scarf
    assert "₺510,00" in html  # her 60% of the kilim
    assert "₺340,00" not in html  # Fatma's 40%
    assert "payınız %60" in html

    _login(client, login, world.fatma)
    html = client.get("/producer/sales").get_data(as_text=True)
    assert world.orders[0].number not in html
    assert "₺340,00" in html and "₺70,83" in html
    assert "₺510,00" not in html and "₺177,08" not in html


def test_her_dashboard_shows_her_balances_only(client, login, world):
    _login(client, login, world.ayse)
    html = client.get("/producer/earnings").get_data(as_text=True)
    balance = balances.balance(world.ayse.id)
    assert (balance.pending, balance.available) == (17708, 51000)
    assert re.search(r'data-testid="available">\s*<span class="money">₺510,00', html)
    assert re.search(r'data-testid="pending">\s*<span class="money">₺177,08', html)
    assert "<svg" in html and 'class="bar"' in html
    assert "₺70,83" not in html and "₺340,00" not in html


def test_another_members_sale_is_not_found(client, login, world):
    _login(client, login, world.ayse)
    fatmas_line = world.orders[2].lines[0]
    assert client.get(f"/producer/sales/{fatmas_line.id}").status_code == 404
    assert client.get(f"/producer/questions/new?line={fatmas_line.id}").status_code == 404
    shared = world.orders[1].lines[0]
    html = client.get(f"/producer/sales/{shared.id}").get_data(as_text=True)
    assert "Sizin payınız (%60)" in html and "₺510,00" in html
    assert "₺340,00" not in html


def test_the_statement_page_and_csv_add_up_to_the_ledger(client, login, app):
    when = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
    world = two_members(when)
    payout(world.ayse.id, 20000, datetime(2025, 3, 25, tzinfo=UTC))
    db.session.commit()
    _login(client, login, world.ayse)
    html = client.get("/producer/statements/2025-03").get_data(as_text=True)
    closing = balances.balance(
        world.ayse.id, as_of=month_start(2025, 4) - timedelta(microseconds=1)
    ).balance
    assert closing == 17708 + 51000 - 20000
    assert re.search(r'data-testid="opening">\s*<span class="money">₺0,00', html)
    assert re.search(r'data-testid="earned">\s*<span class="money">₺687,08', html)
    assert re.search(r'data-testid="paid-out">\s*<span class="money">₺200,00', html)
    assert re.search(r'data-testid="closing">\s*<span class="money">₺487,08', html)

    response = client.get("/producer/statements/2025-03.csv")
    assert response.mimetype == "text/csv"
    assert "hesap-dokumu-2025-03.csv" in response.headers["Content-Disposition"]
    body = response.get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    assert rows[-1][1:5] == ["Kapanış bakiyesi", "", "", "487,08"]
    assert all("Sabun" not in cell for row in rows for cell in row)

    assert client.get("/producer/statements/2025-13").status_code == 404
    assert client.get("/producer/statements/x.csv").status_code == 404


def test_to_bring_lists_her_unreceived_online_items(client, login, world):
    _login(client, login, world.ayse)
    html = client.get("/producer/to-bring").get_data(as_text=True)
    assert world.orders[0].number in html  # online scarf
    assert world.orders[1].number not in html  # bazaar: handed over at the desk
    world.orders[0].lines[0].received_at = utcnow()
    db.session.commit()
    html = client.get("/producer/to-bring").get_data(as_text=True)
    assert "Şu an merkeze götürmeniz gereken bir şey yok." in html


def test_sales_filters_and_paging_keep_the_filters(client, login, app):
    maker = ProducerFactory()
    product = ProductFactory(title_tr="Kese", price_kurus=1000, stock=100, makers=[(maker, 10000)])
    other = ProductFactory(title_tr="Lif", price_kurus=1000, stock=100, makers=[(maker, 10000)])
    start = utcnow() - timedelta(days=40)
    for i in range(30):
        paid_order(
            [(product, 1)],
            channel="bazaar",
            payment_method="cash",
            paid_at=start + timedelta(hours=i),
            settings=SETTINGS,
        )
    paid_order([(other, 1)], paid_at=start, settings=SETTINGS)
    db.session.commit()
    _login(client, login, maker)
    html = client.get(f"/producer/sales?channel=bazaar&product={product.id}").get_data(as_text=True)
    assert "30 satış satırı" in html
    next_page = re.search(r'href="(/producer/sales\?[^"]*after=[^"]*)" rel="next"', html).group(1)
    assert "channel=bazaar" in next_page and f"product={product.id}" in next_page
    page2 = client.get(next_page.replace("&amp;", "&")).get_data(as_text=True)
    assert page2.count("/producer/sales/") == 5
    assert "30 satış satırı" not in page2  # the totals are on the first page only
    assert "En yeni satışlara ve toplamlara dön" in page2
    assert 'rel="prev"' in page2 and 'rel="next"' not in page2
    online = client.get("/producer/sales?channel=online").get_data(as_text=True)
    assert "1 satış satırı" in online and "Lif" in online


def _sell(maker, lines: int, when: datetime):
    """``lines`` sale lines in orders of up to 20 lines (one line per product in an order)."""
    products = [
        ProductFactory(price_kurus=1000 + i, stock=10_000, makers=[(maker, 10000)])
        for i in range(min(lines, 20))
    ]
    made = 0
    n = 0
    while made < lines:
        batch = products[: min(20, lines - made)]
        paid_order(
            [(p, 1) for p in batch],
            channel=("online", "bazaar", "bank_transfer")[n % 3],
            payment_method=("demo", "cash", "bank_transfer")[n % 3],
            paid_at=when - timedelta(days=n % 300),
            settings=SETTINGS,
        )
        made += len(batch)
        n += 1
    db.session.commit()


@pytest.mark.parametrize("path", ["/producer/earnings", "/producer/", "/producer/sales"])
def test_the_query_count_stays_the_same_as_her_history_grows(client, login, app, path):
    now = utcnow()
    few, many = ProducerFactory(), ProducerFactory()
    _sell(few, 10, now)
    _sell(many, 2000, now)
    counts = {}
    for profile in (few, many):
        _login(client, login, profile)
        client.get(path)  # warm up: the first request of a session loads more
        with count_queries() as statements:
            response = client.get(path)
        assert response.status_code == 200
        counts[profile.id] = len(statements)
    assert counts[few.id] == counts[many.id], counts
    assert counts[few.id] <= 12, counts
