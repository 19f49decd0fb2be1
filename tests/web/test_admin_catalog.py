"""The admin catalog pages: the product review queue (approve, send back with a reason the
makers receive), collections and categories (create, edit, validation, audit)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from coopshop.db import db
from coopshop.models import AuditEvent, Category, Collection, OutboxMessage, Product
from tests.support.factories import (
    PASSWORD,
    CategoryFactory,
    CollectionFactory,
    ProducerFactory,
    ProductFactory,
    ProductImageFactory,
    UserFactory,
)
from tests.support.sql_counter import count_queries


@pytest.fixture
def admin(client):
    user = UserFactory(role="admin")
    client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    return user


@pytest.fixture
def shawl(app):
    """A shawl woven by Ayşe and Fatma (60/40), waiting for review."""
    ayse = ProducerFactory(display_name="Ayşe Yılmaz")
    fatma = ProducerFactory(display_name="Fatma Kaya", user__locale="en")
    product = ProductFactory(
        status="in_review",
        title_tr="İpek şal",
        code="SAL01",
        price_kurus=185000,
        makers=[(ayse, 6000), (fatma, 4000)],
        collection=CollectionFactory(name_tr="İpek Yolu"),
    )
    ProductImageFactory(product=product, path="products/sal.jpg", thumb_path="products/sal-t.jpg")
    return product


def _shop_sees(client, product) -> bool:
    return client.get(f"/products/{product.id}").status_code == 200


# --- the review queue ------------------------------------------------------------------------


def test_the_queue_shows_what_is_waiting_with_its_details(client, admin, shawl):
    ProductFactory(status="draft", title_tr="Taslak ürün")
    ProductFactory(status="active", title_tr="Satıştaki ürün")
    html = client.get("/admin/review").get_data(as_text=True)
    assert "İpek şal" in html and "SAL01" in html
    assert "₺1.850,00" in html
    assert "Ayşe Yılmaz" in html and "Fatma Kaya" in html
    assert "%60" in html and "%40" in html
    assert "İpek Yolu" in html
    assert "/media/products/sal-t.jpg" in html
    assert "Taslak ürün" not in html and "Satıştaki ürün" not in html


def test_the_queue_does_not_query_per_product(client, admin):
    def add(n):
        for _ in range(n):
            product = ProductFactory(status="in_review", collection=CollectionFactory())
            ProductImageFactory(product=product)

    add(2)
    with count_queries() as few:
        assert client.get("/admin/review").status_code == 200
    add(8)
    with count_queries() as many:
        assert client.get("/admin/review").status_code == 200
    assert len(many) == len(few)


def test_approving_puts_it_on_sale_and_tells_the_makers(client, admin, shawl):
    assert not _shop_sees(client, shawl)
    response = client.post(f"/admin/review/{shawl.id}/approve", data={}, follow_redirects=True)
    assert "“İpek şal” satışa açıldı; üreticilerine haber verildi." in response.get_data(
        as_text=True
    )
    db.session.expire_all()
    assert db.session.get(Product, shawl.id).status == "active"
    assert _shop_sees(client, shawl)
    subjects = sorted(db.session.scalars(select(OutboxMessage.subject)))
    assert subjects == sorted(
        ["Ürününüz satışa açıldı: İpek şal", "Your product is on sale: İpek şal"]
    )
    event = db.session.scalars(select(AuditEvent)).one()
    assert (event.action, event.actor_id, event.object_id) == (
        "product.approve",
        admin.id,
        str(shawl.id),
    )


def test_sending_back_needs_a_reason(client, admin, shawl):
    response = client.post(f"/admin/review/{shawl.id}/send-back", data={f"p{shawl.id}-reason": ""})
    assert response.status_code == 400
    assert "Geri gönderme nedenini yazın." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Product, shawl.id).status == "in_review"
    assert db.session.scalars(select(AuditEvent)).all() == []
    assert db.session.scalars(select(OutboxMessage)).all() == []


def test_sending_back_returns_it_to_draft_with_the_reason(client, admin, shawl):
    reason = "Fotoğraflar bulanık; gün ışığında yeniden çekin."
    response = client.post(
        f"/admin/review/{shawl.id}/send-back", data={f"p{shawl.id}-reason": reason}
    )
    assert response.status_code == 302
    db.session.expire_all()
    product = db.session.get(Product, shawl.id)
    assert (product.status, product.review_note) == ("draft", reason)
    bodies = db.session.scalars(select(OutboxMessage.body)).all()
    assert len(bodies) == 2 and all(reason in body for body in bodies)
    event = db.session.scalars(select(AuditEvent)).one()
    assert (event.action, event.data["reason"]) == ("product.send_back", reason)
    page = client.get(response.location).get_data(as_text=True)
    assert "“İpek şal” nedeniyle birlikte üreticilerine geri gönderildi." in page
    assert "SAL01" not in page  # no longer waiting


@pytest.mark.parametrize("status", ["draft", "active", "archived"])
def test_only_products_in_review_can_be_reviewed(client, admin, status):
    product = ProductFactory(status=status)
    response = client.post(f"/admin/review/{product.id}/approve", data={}, follow_redirects=True)
    assert "Bu ürün incelemede değil." in response.get_data(as_text=True)
    client.post(f"/admin/review/{product.id}/send-back", data={f"p{product.id}-reason": "x"})
    db.session.expire_all()
    assert db.session.get(Product, product.id).status == status
    assert db.session.scalars(select(AuditEvent)).all() == []


def test_an_unknown_product_is_404(client, admin):
    assert client.post("/admin/review/999/approve", data={}).status_code == 404


# --- collections -----------------------------------------------------------------------------

COLLECTION = {
    "slug": "ankara",
    "name_tr": "Ankara",
    "name_en": "Ankara",
    "description_tr": "Başkentin motifleri",
    "description_en": "Motifs of the capital",
    "active": "y",
    "position": "2",
}


def test_creating_and_editing_a_collection(client, admin):
    response = client.post("/admin/collections/new", data=COLLECTION)
    assert response.status_code == 302
    collection = db.session.scalars(select(Collection)).one()
    assert (collection.slug, collection.name_tr, collection.position, collection.active) == (
        "ankara",
        "Ankara",
        2,
        True,
    )
    page = client.get("/admin/collections").get_data(as_text=True)
    assert "Ankara" in page
    assert client.get("/collections/ankara").status_code == 200

    edited = {**COLLECTION, "name_tr": "Ankara Koleksiyonu", "position": "1"}
    del edited["active"]  # unticked: hidden from the shop
    response = client.post(f"/admin/collections/{collection.id}/edit", data=edited)
    assert response.status_code == 302
    db.session.expire_all()
    collection = db.session.get(Collection, collection.id)
    assert (collection.name_tr, collection.position, collection.active) == (
        "Ankara Koleksiyonu",
        1,
        False,
    )
    assert client.get("/collections/ankara").status_code == 404
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["collection.create", "collection.update"]
    assert events[1].data == {"name_tr": "Ankara Koleksiyonu", "active": False, "position": 1}


def test_renaming_a_collection_keeps_search_finding_its_products(client, admin):
    collection = CollectionFactory(slug="eski", name_tr="Eski Ad", name_en="")
    product = ProductFactory(collection=collection, title_tr="Keçe çanta")
    updated_at = product.updated_at
    client.post(
        f"/admin/collections/{collection.id}/edit",
        data={"slug": "eski", "name_tr": "Bozkır Çiçekleri", "position": "0", "active": "y"},
    )
    assert "Keçe çanta" in client.get("/search?q=bozkir").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Product, product.id).updated_at == updated_at


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"slug": "İpek Yolu"}, "Kısa ad yalnızca küçük harf (a-z), rakam ve tire içerebilir."),
        ({"slug": "taken"}, "Bu kısa ad kullanılıyor."),
        ({"name_tr": ""}, "Bu alan zorunlu."),
        ({"position": "birinci"}, "Bir tam sayı yazın."),
        ({"position": "-1"}, "Sıra 0 ile 10000 arasında olmalı."),
    ],
)
def test_bad_collection_input_is_explained_and_kept(client, admin, changes, message):
    CollectionFactory(slug="taken")
    data = {**COLLECTION, **changes}
    response = client.post("/admin/collections/new", data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    assert 'value="Başkentin motifleri"' in html or "Başkentin motifleri</textarea>" in html
    assert db.session.scalars(select(Collection.slug)).all() == ["taken"]
    assert db.session.scalars(select(AuditEvent)).all() == []


def test_an_unknown_collection_or_category_is_404(client, admin):
    assert client.get("/admin/collections/999/edit").status_code == 404
    assert client.get("/admin/categories/999/edit").status_code == 404


# --- categories ------------------------------------------------------------------------------


def test_creating_and_editing_a_category(client, admin):
    response = client.post(
        "/admin/categories/new", data={"slug": "kece", "name_tr": "Keçe", "name_en": "Felt"}
    )
    assert response.status_code == 302
    category = db.session.scalars(select(Category)).one()
    assert (category.slug, category.name_tr, category.name_en) == ("kece", "Keçe", "Felt")
    product = ProductFactory(category=category, title_tr="Kapı süsü")
    client.post(
        f"/admin/categories/{category.id}/edit",
        data={"slug": "kece", "name_tr": "Keçe işleri", "name_en": "Felt work"},
    )
    db.session.expire_all()
    assert db.session.get(Category, category.id).name_tr == "Keçe işleri"
    assert "Kapı süsü" in client.get("/search?q=isleri").get_data(as_text=True)
    assert product.id
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["category.create", "category.update"]


def test_a_duplicate_category_slug_is_refused(client, admin):
    CategoryFactory(slug="seramik")
    response = client.post("/admin/categories/new", data={"slug": "seramik", "name_tr": "Çini"})
    assert response.status_code == 400
    assert "Bu kısa ad kullanılıyor." in response.get_data(as_text=True)


def test_the_admin_marks_a_product_made_to_the_buyers_specifications(client, admin, shawl):
    url = f"/admin/products/{shawl.id}/withdrawal-exclusion"
    assert f'name="w{shawl.id}-withdrawal_exclusion"' in client.get("/admin/review").get_data(
        as_text=True
    )
    response = client.post(url, data={f"w{shawl.id}-withdrawal_exclusion": "custom_made"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Product, shawl.id).withdrawal_exclusion == "custom_made"
    event = db.session.scalars(select(AuditEvent)).one()
    assert (event.action, event.data) == (
        "product.withdrawal_exclusion",
        {"before": None, "after": "custom_made"},
    )
    client.post(url, data={f"w{shawl.id}-withdrawal_exclusion": "bogus"})
    db.session.expire_all()
    assert db.session.get(Product, shawl.id).withdrawal_exclusion == "custom_made"
