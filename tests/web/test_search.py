"""Search: Turkish-aware (dotted and dotless i, ç ğ ı ö ş ü typed without), every word must
match, % and _ are literal, only products for sale, and the same on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from coopshop.db import db
from coopshop.services.catalog import listing as catalog
from tests.support.factories import (
    CategoryFactory,
    CollectionFactory,
    ProducerFactory,
    ProductFactory,
    ProductImageFactory,
)
from tests.support.sql_counter import count_queries


def _found(query: str) -> set[str]:
    return {p.title_tr for p in catalog.search(query, 1).items}


@pytest.mark.parametrize(
    ("query", "title"),
    [
        ("ipek", "İPEK YOLU ŞALI"),
        ("İPEK", "ipek eşarp"),
        ("canta", "Çanta"),
        ("çanta", "Canta Askısı"),
        ("ISIK", "ışık"),
        ("ışık", "ISIK LAMBASI"),
        ("sabun", "SABUN"),
        ("el dokuması", "El Dokuması Atkı"),
        ("el dokumasi", "El Dokuması Atkı"),
        ("DOKUMASI", "El Dokuması Atkı"),
        ("gul", "Gül Kurusu"),
        ("ORGU", "örgü bere"),
        ("kilim", "Küçük kilimler"),  # a word inside a longer one
    ],
)
def test_turkish_pairs(app, client, query, title):
    ProductFactory(title_tr=title)
    ProductFactory(title_tr="Seramik Tabak")
    assert _found(query) == {title}
    response = client.get("/search", query_string={"q": query})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count('class="card h-100 product-card"') == 1
    assert title in html
    assert "Seramik Tabak" not in html


def test_every_word_must_match_in_any_order(app):
    ProductFactory(title_tr="İpek Atkı")
    ProductFactory(title_tr="Yün Atkı")
    ProductFactory(title_tr="İpek Eşarp")
    assert _found("ipek atki") == {"İpek Atkı"}
    assert _found("ATKI  İPEK") == {"İpek Atkı"}
    assert _found("atkı") == {"İpek Atkı", "Yün Atkı"}
    assert _found("ipek kazak") == set()


def test_search_looks_at_description_code_collection_and_category(app):
    ipek_yolu = CollectionFactory(name_tr="İpek Yolu", name_en="Silk Road")
    felt = CategoryFactory(name_tr="Keçe")
    ProductFactory(title_tr="Kırlent", collection=ipek_yolu)
    ProductFactory(title_tr="Terlik", category=felt)
    ProductFactory(title_tr="Yastık", description_tr="Doğal kök boya ile.")
    ProductFactory(title_tr="Bilezik", code="BLZ42")
    ProductFactory(title_tr="Bere", title_en="Beanie")
    assert _found("ipek yolu") == {"Kırlent"}
    assert _found("silk") == {"Kırlent"}
    assert _found("kece") == {"Terlik"}
    assert _found("kok boya") == {"Yastık"}
    assert _found("blz42") == {"Bilezik"}
    assert _found("beanie") == {"Bere"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("%", {"%100 pamuk"}),
        ("%100", {"%100 pamuk"}),
        ("_", {"el_yapimi"}),
        ("l_y", {"el_yapimi"}),
        ("a%k", set()),  # would match "pamuk"... if % were a wildcard
        ("b_z", set()),  # would match "bez" if _ were a wildcard
        ("\\", {"ters\\bölü"}),
        ("/", {"1/2 ölçek"}),
    ],
)
def test_percent_and_underscore_are_literal(app, query, expected):
    for title in ("%100 pamuk", "el_yapimi", "keten bez", "ters\\bölü", "1/2 ölçek", "akik"):
        ProductFactory(title_tr=title)
    assert _found(query) == expected


@pytest.mark.parametrize("query", ["", "   ", "\t\n"])
def test_empty_query_finds_nothing_and_says_what_to_do(app, client, query):
    ProductFactory(title_tr="Kilim Yastık")
    assert catalog.search(query, 1).total == 0
    response = client.get("/search", query_string={"q": query})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Kilim Yastık" not in html
    assert "Aramak için bir ürün adı" in html


def test_search_page_without_q(client):
    response = client.get("/search")
    assert response.status_code == 200


def test_only_products_for_sale_are_found(app):
    suspended = ProducerFactory(membership_status="suspended")
    ProductFactory(title_tr="Satışta Çanta")
    ProductFactory(title_tr="Taslak Çanta", status="draft")
    ProductFactory(title_tr="İncelemede Çanta", status="in_review")
    ProductFactory(title_tr="Arşiv Çanta", status="archived")
    ProductFactory(title_tr="Askıda Çanta", makers=[(suspended, 10_000)])
    assert _found("canta") == {"Satışta Çanta"}


def test_search_text_follows_edits(app):
    product = ProductFactory(title_tr="Eski Ad")
    product.title_tr = "Yeni Şal"
    db.session.commit()
    assert _found("sal") == {"Yeni Şal"}
    assert _found("eski") == set()


def test_results_page_shows_the_count_and_escapes_the_query(client):
    ProductFactory(title_tr="Kilim")
    html = client.get("/search", query_string={"q": "kilim"}).get_data(as_text=True)
    assert "“kilim” için 1 sonuç" in html
    html = client.get("/search", query_string={"q": "<script>x</script>"}).get_data(as_text=True)
    assert "<script>x</script>" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html


def test_search_results_are_paginated(client):
    maker = ProducerFactory()
    for n in range(26):
        ProductFactory(title_tr=f"Sabun {n}", makers=[(maker, 10_000)])
    page_two = client.get("/search", query_string={"q": "sabun", "page": 2})
    assert page_two.status_code == 200
    assert page_two.get_data(as_text=True).count('class="card h-100 product-card"') == 2
    first = client.get("/search", query_string={"q": "sabun"}).get_data(as_text=True)
    assert 'href="/search?page=2&amp;q=sabun"' in first
    bad = client.get("/search", query_string={"q": "sabun", "page": "x"})
    assert bad.status_code == 200


def test_search_result_query_count_does_not_grow_with_products(client):
    for word, n in (("kirlent", 3), ("yastik", 24)):
        for _ in range(n):
            makers = [(ProducerFactory(), 5000), (ProducerFactory(), 5000)]
            product = ProductFactory(title_tr=f"{word} {_}", makers=makers)
            ProductImageFactory(product=product)
            ProductImageFactory(product=product)
    counts = {}
    for word, n in (("kirlent", 3), ("yastik", 24)):
        db.session.expunge_all()
        with count_queries() as statements:
            response = client.get("/search", query_string={"q": word})
        assert response.get_data(as_text=True).count('class="card h-100 product-card"') == n
        counts[word] = len(statements)
    assert counts["kirlent"] == counts["yastik"], counts


def test_search_uses_the_folded_column_in_sql(app):
    """The words reach the database as LIKE conditions on search_text (no Python-side scan)."""
    ProductFactory(title_tr="Çanta")
    with count_queries() as statements:
        catalog.search("ÇANTA", 1)
    assert any("search_text LIKE" in s for s in statements), statements


def test_very_long_queries_are_cut(app):
    ProductFactory(title_tr="Çanta")
    assert _found("canta " + "x" * 5000) == set()  # the long word still has to match
    assert len(catalog.search_words("a " * 500)) == catalog.MAX_QUERY_WORDS
