"""The impact pages: the admin's (figures, charts, CSV/JSON), the public one (the 5-women rule,
cached), who may see what, both languages, and a query count that does not grow with the data."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from coopshop.db import db
from coopshop.services.reports.impact import Group, impact
from coopshop.services.reports.impact_periods import parse
from coopshop.services.reports.impact_public import MIN_WOMEN, fold, publish
from tests.support.factories import ProducerFactory, ProductFactory, UserFactory, paid_order
from tests.support.sql_counter import count_queries

YEAR = "2025-26"


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def sell(centre: str, craft: str, when: datetime, items: int = 1, name: str | None = None):
    maker = ProducerFactory(centre=centre, craft=craft, **({"display_name": name} if name else {}))
    product = ProductFactory(price_kurus=12000, makers=[(maker, 10_000)], stock=100)
    paid_order([(product, items)], paid_at=when)
    return maker


@pytest.fixture
def city(app):
    """Six women in Keçiören (Dokuma), two in Mamak (Seramik). Mamak's two fold into "diğer",
    which is still under five, so Keçiören joins it too: the public page shows one group,
    "diğer", of eight women (the admin page shows both centres)."""
    women = [
        sell("Keçiören", "Dokuma", at(2025, 10, d + 1, 9), name=f"Kadın {d}") for d in range(6)
    ]
    women += [sell("Mamak", "Seramik", at(2025, 11, 2, 9), name="Selma Mamak")]
    women += [sell("Mamak", "Seramik", at(2025, 11, 3, 9), items=3, name="Nuran Mamak")]
    db.session.commit()
    return women


@pytest.fixture
def admin(app):
    return UserFactory(role="admin")


def test_only_admins_see_the_admin_page_and_exports(client, login, city):
    for path in ("/admin/impact", "/admin/impact.csv", "/admin/impact.json"):
        assert client.get(path).status_code == 302  # to the login page
    login(UserFactory(role="staff"))
    for path in ("/admin/impact", "/admin/impact.csv", "/admin/impact.json"):
        assert client.get(path).status_code == 403


def test_the_admin_page_shows_the_figures_in_both_languages(client, login, admin, city):
    login(admin)
    page = client.get(f"/admin/impact?period={YEAR}").get_data(as_text=True)
    assert "Kazanç elde eden kadın" in page
    assert "Mamak" in page and "Keçiören" in page
    assert page.count('class="bar-chart"') >= 5
    client.post("/language/en")
    english = client.get(f"/admin/impact?period={YEAR}").get_data(as_text=True)
    assert "Women who earned" in english


def test_a_bad_period_falls_back_with_a_message(client, login, admin, city):
    login(admin)
    response = client.get("/admin/impact?period=2026-13")
    assert response.status_code == 200
    assert "Dönem anlaşılamadı" in response.get_data(as_text=True)


def test_the_exports_carry_the_same_numbers(client, login, admin, city):
    login(admin)
    data = json.loads(client.get(f"/admin/impact.json?period={YEAR}").get_data(as_text=True))
    figures = {f["field"]: f["value"] for f in data["figures"]}
    assert figures["women_earned"] == 8
    assert figures["earned_kurus"] == 8500 * (6 + 1 + 3)
    assert {f["field"]: f["iris_plus"] for f in data["figures"]}["women_earned"].startswith(
        "Supplier Individuals"
    )
    csv = client.get(f"/admin/impact.csv?period={YEAR}").get_data(as_text=True)
    assert csv.startswith("\ufeff")
    assert ";IRIS+;" in csv.splitlines()[0]
    assert "women_earned;" in csv and ";8\r\n" in csv


def test_the_public_page_never_shows_a_small_group_or_a_name(client, city):
    page = client.get(f"/impact?period={YEAR}").get_data(as_text=True)
    assert "8" in page
    for name in ("Selma", "Nuran", "Kadın 0"):
        assert name not in page
    data = client.get(f"/impact.json?period={YEAR}").get_json()
    for kind in ("centres", "crafts"):
        assert all(group["women"] >= MIN_WOMEN for group in data[kind])
        assert data[kind] == [{"name": "diğer", "women": 8, "earned_kurus": 85000}]
    for month in data["months"]:
        assert month["women"] is None or month["women"] >= MIN_WOMEN
    # October had six women selling: shown; November two: hidden.
    months = {m["month"]: m["women"] for m in data["months"]}
    assert months["2025-10"] == 6 and months["2025-11"] is None


def test_too_few_women_publish_nothing_but_the_period(client, app):
    sell("Keçiören", "Dokuma", at(2025, 10, 1, 9), name="Tek Kadın")
    db.session.commit()
    page = client.get(f"/impact?period={YEAR}").get_data(as_text=True)
    assert "Tek Kadın" not in page and "yayımlanacak kadar veri yok" in page
    assert client.get(f"/impact.json?period={YEAR}").get_json() == {
        "period": YEAR,
        "published": False,
        "min_group_size": MIN_WOMEN,
    }


def test_the_public_page_offers_no_months(client, city):
    # A month is refused for the public page (too few women): it shows the course year instead.
    page = client.get("/impact?period=2025-11").get_data(as_text=True)
    assert "2025-11" not in page.split("<main")[-1].split("Aylara göre")[0]


def test_the_public_page_is_cached(client, app, city):
    app.config["IMPACT_PUBLIC_CACHE_SECONDS"] = 600
    app.extensions.pop("coopshop.public_impact", None)
    try:
        first = client.get(f"/impact?period={YEAR}")
        assert first.headers["Cache-Control"] == "public, max-age=600"
        with count_queries() as statements:
            client.get(f"/impact?period={YEAR}")
        assert not [s for s in statements if "ledger_entries" in s]
    finally:
        app.config["IMPACT_PUBLIC_CACHE_SECONDS"] = 0
        app.extensions.pop("coopshop.public_impact", None)


def test_the_home_page_links_to_the_impact_page(client, app):
    assert 'href="/impact"' in client.get("/").get_data(as_text=True)


def _impact_queries(client) -> int:
    db.session.expire_all()  # the same start both times: the logged-in user is read again
    with count_queries() as statements:
        assert client.get(f"/admin/impact?period={YEAR}").status_code == 200
    return len(statements)


def test_the_admin_page_query_count_does_not_grow_with_the_data(client, login, admin, city):
    login(admin)
    before = _impact_queries(client)
    for d in range(20):
        sell(f"Merkez {d % 4}", f"Zanaat {d % 3}", at(2026, 1, d + 1, 9), items=2)
    db.session.commit()
    assert _impact_queries(client) == before


@pytest.mark.parametrize(
    ("groups", "expected"),
    [
        # Big enough groups stay; 2 + 3 small ones make a "diğer" of 5.
        ([("A", 7), ("B", 5), ("C", 2), ("D", 3)], [("A", 7), ("B", 5), ("", 5)]),
        # "diğer" of 2 is too small: the smallest published group (B) joins it.
        ([("A", 7), ("B", 5), ("C", 2)], [("A", 7), ("", 7)]),
        # Everything small and fewer than 5 in all: nothing at all.
        ([("A", 2), ("B", 2)], []),
        ([("A", 5)], [("A", 5)]),
    ],
)
def test_fold_keeps_every_published_group_at_five_women_or_more(groups, expected):
    folded = fold(tuple(Group(name, women, women * 100, 0) for name, women in groups))
    assert [(g.name, g.women) for g in folded] == expected
    assert all(g.women >= MIN_WOMEN for g in folded)


def test_publish_hides_small_threshold_counts(app, city):
    figures = impact(parse(YEAR), monthly_thresholds=[100, 2000])
    public = publish(figures)
    # Every woman averaged at least ₺1 a month; only Nuran (₺255 in 12 months: ₺21,25) ₺20.
    assert figures.thresholds == ((100, 8), (2000, 1))
    assert public.thresholds == ((100, 8), (2000, None))
