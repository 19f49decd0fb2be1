"""GET /api/v1/products, /products/{id} and /collections: what is for sale, as the shop shows it,
with the commission rate a sale would snapshot today."""

from __future__ import annotations

import pytest

from tests.support.factories import (
    CategoryFactory,
    CollectionFactory,
    ProducerFactory,
    ProductFactory,
)
from tests.support.sql_counter import count_queries
from tests.web.api_helpers import assert_error


def _codes(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [item["code"] for item in response.get_json()["items"]]


def test_a_product_has_its_amounts_rates_makers_and_url(client):
    ipek = CollectionFactory(slug="ipek-yolu", name_tr="İpek Yolu", name_en="Silk Road")
    felt = CategoryFactory(slug="kece", name_tr="Keçe", name_en="Felt")
    ayse = ProducerFactory(display_name="Ayşe")
    fatma = ProducerFactory(display_name="Fatma", commission_bp=1200)
    product = ProductFactory(
        code="KC001",
        title_tr="Keçe Çanta",
        title_en="Felt Bag",
        price_kurus=123450,
        vat_bp=1000,
        stock=3,
        collection=ipek,
        category=felt,
        makers=[(ayse, 6000), (fatma, 4000)],
    )
    body = client.get(f"/api/v1/products/{product.id}").get_json()
    assert body == {
        "id": product.id,
        "code": "KC001",
        "title": "Keçe Çanta",
        "title_en": "Felt Bag",
        "price_kurus": 123450,
        "vat_bp": 1000,
        "commission_bp": 1200,  # Fatma's own rate, the lowest producer override
        "stock": 3,
        "made_to_order": False,
        "lead_time_days": None,
        "collection": {
            "id": ipek.id,
            "slug": "ipek-yolu",
            "name": "İpek Yolu",
            "name_en": "Silk Road",
        },
        "category": {"id": felt.id, "slug": "kece", "name": "Keçe", "name_en": "Felt"},
        "makers": [
            {"producer_id": ayse.id, "name": "Ayşe", "share_bp": 6000},
            {"producer_id": fatma.id, "name": "Fatma", "share_bp": 4000},
        ],
        "url": f"http://localhost/products/{product.id}-kece-canta",
    }


@pytest.mark.parametrize(
    ("product_rate", "collection_rate", "expected"),
    [(None, None, 1500), (None, 900, 900), (700, 900, 700)],
)
def test_commission_is_the_effective_rate(client, product_rate, collection_rate, expected):
    collection = CollectionFactory(commission_bp=collection_rate)
    product = ProductFactory(commission_bp=product_rate, collection=collection)
    assert client.get(f"/api/v1/products/{product.id}").get_json()["commission_bp"] == expected


@pytest.mark.parametrize("status", ["draft", "in_review", "archived"])
def test_a_product_not_for_sale_is_404(client, status):
    product = ProductFactory(status=status)
    assert_error(client.get(f"/api/v1/products/{product.id}"), 404, "not_found")


def test_a_product_of_a_suspended_member_is_404(client):
    product = ProductFactory(makers=[(ProducerFactory(membership_status="suspended"), 10_000)])
    assert_error(client.get(f"/api/v1/products/{product.id}"), 404, "not_found")
    assert _codes(client.get("/api/v1/products")) == []


def test_filters_combine(client):
    ipek = CollectionFactory(slug="ipek-yolu", name_tr="İpek Yolu")
    ankara = CollectionFactory(slug="ankara")
    textile = CategoryFactory(slug="dokuma")
    ceramics = CategoryFactory(slug="seramik")
    ayse, fatma = ProducerFactory(), ProducerFactory()
    ProductFactory(
        code="A1", title_tr="İPEK Eşarp", collection=ipek, category=textile, makers=[(ayse, 10_000)]
    )
    ProductFactory(
        code="A2", title_tr="Çanta", collection=ipek, category=ceramics, makers=[(fatma, 10_000)]
    )
    ProductFactory(
        code="A3",
        title_tr="Kupa",
        collection=ankara,
        category=ceramics,
        makers=[(ayse, 5000), (fatma, 5000)],
    )
    ProductFactory(code="A4", title_tr="Taslak", status="draft", collection=ipek)

    assert sorted(_codes(client.get("/api/v1/products"))) == ["A1", "A2", "A3"]
    assert sorted(_codes(client.get("/api/v1/products?collection=ipek-yolu"))) == ["A1", "A2"]
    assert _codes(client.get("/api/v1/products?collection=ipek-yolu&category=seramik")) == ["A2"]
    assert sorted(_codes(client.get(f"/api/v1/products?producer={fatma.id}"))) == ["A2", "A3"]
    assert _codes(client.get(f"/api/v1/products?producer={fatma.id}&q=canta")) == ["A2"]
    assert _codes(client.get("/api/v1/products?q=ESARP")) == ["A1"]
    # the collection's name is searched too
    assert sorted(_codes(client.get("/api/v1/products?q=ipek"))) == ["A1", "A2"]
    assert _codes(client.get("/api/v1/products?collection=yok-boyle")) == []
    assert _codes(client.get("/api/v1/products?category=yok-boyle")) == []
    assert _codes(client.get("/api/v1/products?producer=999999")) == []


def test_pages_of_24_newest_first(client):
    products = [ProductFactory() for _ in range(30)]
    first = client.get("/api/v1/products").get_json()
    assert (first["page"], first["pages"], first["per_page"], first["total"]) == (1, 2, 24, 30)
    assert first["items"][0]["id"] == products[-1].id
    second = client.get("/api/v1/products?page=2").get_json()
    assert len(second["items"]) == 6
    past_the_end = client.get("/api/v1/products?page=99").get_json()
    assert past_the_end["page"] == 2


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=abc", "page"),
        ("page=0", "page"),
        ("page=-3", "page"),
        ("page=10001", "page"),
        ("producer=x", "producer"),
        ("producer=0", "producer"),
        (f"producer={2**40}", "producer"),
        ("q=" + "a" * 101, "q"),
        ("q=a%00b", "q"),
    ],
)
def test_bad_query_parameters_are_a_400_naming_them(client, query, field):
    assert_error(client.get(f"/api/v1/products?{query}"), 400, "validation_error", field)


def test_listing_does_not_query_per_product(client):
    collection = CollectionFactory()
    for _ in range(3):
        ProductFactory(collection=collection, makers=[(ProducerFactory(), 10_000)])
    with count_queries() as few:
        client.get("/api/v1/products")
    for _ in range(12):
        ProductFactory(collection=CollectionFactory(), makers=[(ProducerFactory(), 10_000)])
    with count_queries() as many:
        body = client.get("/api/v1/products").get_json()
    assert body["total"] == 15
    assert len(many) == len(few)


def test_collections_are_the_active_ones_in_order(client):
    CollectionFactory(slug="ankara", name_tr="Ankara", position=2)
    CollectionFactory(slug="ipek-yolu", name_tr="İpek Yolu", name_en="Silk Road", position=1)
    CollectionFactory(slug="gizli", active=False)
    items = client.get("/api/v1/collections").get_json()["items"]
    assert [c["slug"] for c in items] == ["ipek-yolu", "ankara"]
    assert items[0]["name_en"] == "Silk Road"
    assert items[0]["url"] == "http://localhost/collections/ipek-yolu"
    # Links come from PUBLIC_BASE_URL, never from the request's Host.
    forged = client.get("/api/v1/collections", headers={"Host": "evil.example"}).get_json()
    assert forged["items"][0]["url"] == "http://localhost/collections/ipek-yolu"
