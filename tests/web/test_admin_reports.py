"""/admin/reports: the table with its totals row, the SVG chart (one bar per row), the CSV an
accountant opens in Turkish Excel, who may see them, bad input, and a constant query count.

The numbers are those of tests/support/report_support.py, worked out in
tests/services/test_reports.py.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest

from coopshop.db import db
from coopshop.models import utcnow
from tests.support.factories import (
    CollectionFactory,
    ProducerFactory,
    ProductFactory,
    UserFactory,
    paid_order,
)
from tests.support.report_support import SETTINGS, build_world
from tests.support.sql_counter import count_queries

SPRING = {"start": "2026-03-01", "end": "2026-04-30"}


@pytest.fixture
def admin(login):
    user = UserFactory(role="admin", name="Selma Yönetici")
    login(user)
    return user


def table_rows(page: str) -> list[list[str]]:
    """The report table's body and footer rows as text cells."""
    table = page[page.index("<table") : page.index("</table>")]
    rows = []
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", table, flags=re.S)[1:]:  # skip the header
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, flags=re.S)
        rows.append([html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells])
    return rows


def test_sales_by_channel_table_chart_and_totals(client, admin):
    build_world()
    response = client.get("/admin/reports", query_string={"dimension": "channel", **SPRING})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert table_rows(page) == [
        # channel, gross, refunds, net of refunds, VAT, without VAT, commission, makers
        [
            "İnternet",
            "₺1.450,00",
            "₺600,00",
            "₺850,00",
            "₺141,67",
            "₺708,33",
            "₺106,25",
            "₺602,08",
        ],
        ["Pazar ve fuar", "₺500,00", "₺0,00", "₺500,00", "₺83,33", "₺416,67", "₺62,50", "₺354,17"],
        ["Havale/EFT", "₺300,00", "₺100,00", "₺200,00", "₺18,18", "₺181,82", "₺27,27", "₺154,55"],
        [
            "Toplam",
            "₺2.250,00",
            "₺700,00",
            "₺1.550,00",
            "₺243,18",
            "₺1.306,82",
            "₺196,02",
            "₺1.110,80",
        ],
    ]
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert 'role="img"' in svg
    assert '<title id="chart-sales-title">' in svg and '<desc id="chart-sales-desc">' in svg
    assert svg.count('<rect class="bar"') == 3  # one bar per row
    assert "<script" not in page.split("<main", 1)[1].split("</main>", 1)[0]
    # The summary counts shipping too.
    assert "₺50,00" in page  # ₺75 charged, ₺25 refunded


def test_csv_sales_by_channel_is_exact(client, admin):
    build_world()
    response = client.get(
        "/admin/reports.csv", query_string={"dimension": "channel", "report": "sales", **SPRING}
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="coopshop-sales-channel-2026-03-01_2026-04-30.csv"'
    )
    assert response.data.startswith(b"\xef\xbb\xbf")
    assert response.data.decode("utf-8") == (
        "\ufeffKanal;Brüt satış (TL);İadeler (TL);İadeler düşülmüş satış (TL);KDV (TL);"
        "KDV hariç (TL);Komisyon (TL);Üretici payı (TL)\r\n"
        "İnternet;1450,00;600,00;850,00;141,67;708,33;106,25;602,08\r\n"
        "Pazar ve fuar;500,00;0,00;500,00;83,33;416,67;62,50;354,17\r\n"
        "Havale/EFT;300,00;100,00;200,00;18,18;181,82;27,27;154,55\r\n"
        "Toplam;2250,00;700,00;1550,00;243,18;1306,82;196,02;1110,80\r\n"
    )


def test_csv_income_by_month_has_shipping_and_negative_months(client, admin):
    build_world()
    response = client.get(
        "/admin/reports.csv", query_string={"dimension": "period", "report": "income", **SPRING}
    )
    assert response.data.decode("utf-8") == (
        "\ufeffDönem;Satışlardan komisyon (TL);İadelerde komisyon (TL);Net komisyon (TL);"
        "Net kargo (TL);Toplam gelir (TL)\r\n"
        "2026-03;181,25;0,00;181,25;75,00;256,25\r\n"
        "2026-04;103,41;88,64;14,77;-25,00;-10,23\r\n"
        "Toplam;284,66;88,64;196,02;50,00;246,02\r\n"
    )
    assert "period-month" in response.headers["Content-Disposition"]


def test_vat_by_rate_page_and_english(client, admin):
    build_world()
    client.post("/language/en")
    response = client.get(
        "/admin/reports", query_string={"dimension": "vat_rate", "report": "vat", **SPRING}
    )
    page = response.get_data(as_text=True)
    rows = table_rows(page)
    assert [r[0] for r in rows] == ["10%", "20%", "Total"]
    assert rows[-1][-1] == "TRY 243.18"  # net VAT
    assert page.count('<rect class="bar"') == 2


def test_line_level_income_report_leaves_shipping_out(client, admin):
    build_world()
    response = client.get(
        "/admin/reports", query_string={"dimension": "producer", "report": "income", **SPRING}
    )
    rows = table_rows(response.get_data(as_text=True))
    # producer, commission on sales, given back on refunds, net commission, income (no shipping)
    assert rows == [
        ["Zeynep", "₺93,75", "₺0,00", "₺93,75", "₺93,75"],
        ["Fatma", "₺100,91", "₺43,64", "₺57,27", "₺57,27"],
        ["Ayşe", "₺90,00", "₺45,00", "₺45,00", "₺45,00"],
        ["Toplam", "₺284,66", "₺88,64", "₺196,02", "₺196,02"],
    ]


def test_default_is_the_last_twelve_months_by_month(client, admin):
    response = client.get("/admin/reports")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert len(table_rows(page)) == 12 + 1  # twelve months and the totals
    assert page.count('<rect class="bar"') == 12


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": "31.02.2026"}, "Tarihi GG.AA.YYYY ya da YYYY-AA-GG olarak girin."),
        ({"start": "2026-04-01", "end": "2026-03-01"}, "Bitiş tarihi başlangıçtan önce olamaz."),
        (
            {"grain": "day", "start": "2024-01-01", "end": "2026-01-01"},
            "Günlük rapor en fazla 400 gün için alınabilir.",
        ),
    ],
)
def test_bad_input_is_explained_and_kept(client, admin, query, message):
    response = client.get("/admin/reports", query_string=query)
    assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    assert message in page
    for value in query.values():
        assert f'value="{value}"' in page
    assert "<svg" not in page
    # The CSV link with the same bad input comes back to the page that explains it.
    csv = client.get("/admin/reports.csv", query_string=query)
    assert csv.status_code == 302 and "/admin/reports?" in csv.headers["Location"]


def test_unknown_choice_is_refused(client, admin):
    response = client.get("/admin/reports", query_string={"dimension": "country"})
    assert response.status_code == 400


@pytest.mark.parametrize("role", ["customer", "producer", "staff"])
@pytest.mark.parametrize("path", ["/admin/reports", "/admin/reports.csv"])
def test_only_admins_see_reports(client, login, role, path):
    user = ProducerFactory().user if role == "producer" else UserFactory(role=role)
    login(user)
    assert client.get(path).status_code == 403


def test_guests_are_sent_to_log_in(client):
    response = client.get("/admin/reports.csv")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def _orders(n: int, start: int, products) -> None:
    channels = [("online", "demo"), ("bazaar", "cash"), ("bank_transfer", "bank_transfer")]
    now = utcnow()
    for i in range(start, start + n):
        channel, method = channels[i % 3]
        paid_order(
            [(products[i % len(products)], 1)],
            channel=channel,
            payment_method=method,
            paid_at=now - timedelta(days=i % 300, hours=1),
            settings=SETTINGS,
        )
    db.session.commit()


DIMENSIONS = ("period", "channel", "collection", "category", "centre", "producer", "vat_rate")


def test_reports_issue_the_same_queries_for_10_and_300_orders(client, admin):
    centres = ["Keçiören BELMEK", "Mamak BELMEK", "Çankaya BELMEK"]
    makers = [ProducerFactory(centre=centres[i % 3]) for i in range(6)]
    collections = [CollectionFactory(), CollectionFactory(), None]
    products = [
        ProductFactory(
            stock=1000,
            price_kurus=1000 + 137 * i,
            vat_bp=(2000, 1000)[i % 2],
            collection=collections[i % 3],
            makers=[(makers[i % 6], 6000), (makers[(i + 1) % 6], 4000)],
        )
        for i in range(8)
    ]

    def counts() -> dict[str, int]:
        found = {}
        for dimension in DIMENSIONS:
            for path in ("/admin/reports", "/admin/reports.csv"):
                with count_queries() as statements:
                    response = client.get(path, query_string={"dimension": dimension})
                assert response.status_code == 200
                found[f"{path} {dimension}"] = len(statements)
        return found

    _orders(10, 0, products)
    few = counts()
    _orders(290, 10, products)
    many = counts()
    assert many == few
    assert max(few.values()) <= 6
    # And the 300 orders are all there.
    page = client.get("/admin/reports", query_string={"dimension": "channel"})
    assert 'class="bar"' in page.get_data(as_text=True)


def test_admin_home_links_to_reports_and_the_audit_log(client, admin):
    page = client.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/reports"' in page and 'href="/admin/audit"' in page
