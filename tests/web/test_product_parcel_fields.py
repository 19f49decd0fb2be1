"""A product's optional packed weight and box on the member's product form: saved, kept when
typed wrong with a clear message, and not a reason to send an active product back to review."""

from __future__ import annotations

import pytest

from coopshop.db import db
from coopshop.models import Product
from tests.support.factories import CategoryFactory, ProducerFactory, ProductFactory
from tests.web.test_producer_products import _edit, _form


@pytest.fixture
def ayse(client, login):
    profile = ProducerFactory(display_name="Ayşe")
    login(profile.user)
    return profile


def test_she_gives_the_packed_weight_and_box(client, ayse):
    data = _form(CategoryFactory().id, weight_g="650", box="35 x 25 x 8")
    assert client.post("/producer/products/new", data=data).status_code == 302
    product = db.session.query(Product).one()
    assert (product.weight_g, product.length_cm, product.width_cm, product.height_cm) == (
        650,
        35,
        25,
        8,
    )
    page = client.get(f"/producer/products/{product.id}").get_data(as_text=True)
    assert 'value="650"' in page and 'value="35x25x8"' in page


def test_both_are_optional(client, ayse):
    assert (
        client.post("/producer/products/new", data=_form(CategoryFactory().id)).status_code == 302
    )
    product = db.session.query(Product).one()
    assert (product.weight_g, product.length_cm) == (None, None)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"weight_g": "0"}, "1 ile 100.000 gram arasında olmalı."),
        ({"weight_g": "iki kilo"}, "Ağırlığı gram olarak bir tam sayıyla yazın."),
        ({"box": "30x20"}, "Paket boyutlarını 30x20x10 gibi üç tam sayıyla yazın"),
        ({"box": "30x20x0"}, "Paket boyutlarını 30x20x10 gibi üç tam sayıyla yazın"),
        ({"box": "900x20x10"}, "Paket boyutlarını 30x20x10 gibi üç tam sayıyla yazın"),
    ],
)
def test_bad_weight_or_box_keeps_the_form_and_saves_nothing(client, ayse, overrides, message):
    data = _form(CategoryFactory().id, description_tr="Özenle dokundu.", **overrides)
    response = client.post("/producer/products/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html and "Özenle dokundu." in html
    assert db.session.query(Product).count() == 0


def test_a_packed_size_change_keeps_an_active_product_for_sale(client, ayse):
    product = ProductFactory(price_kurus=25000, makers=[(ayse, 10000)])
    response = client.post(
        f"/producer/products/{product.id}", data=_edit(product, weight_g="400", box="20x20x20")
    )
    assert response.status_code == 302
    db.session.expire_all()
    changed = db.session.get(Product, product.id)
    assert (changed.status, changed.weight_g, changed.height_cm) == ("active", 400, 20)
    client.post(f"/producer/products/{product.id}", data=_edit(product, weight_g="", box=""))
    db.session.expire_all()
    assert (changed.weight_g, changed.length_cm) == (None, None)


def test_the_label_form_starts_from_the_orders_products(client, login, geliver_app):
    from tests.support.geliver_support import packed_order
    from tests.support.staff_support import staff_user

    heavy = ProductFactory(weight_g=1200, length_cm=40, width_cm=30, height_cm=20)
    light = ProductFactory(weight_g=300)
    order = packed_order(heavy, light)
    plain = packed_order(ProductFactory())
    login(staff_user())
    page = client.get("/staff/fulfilment").get_data(as_text=True)
    form = page[page.index(f'id="p{order.id}-weight_g"') - 400 :]
    assert 'value="1500"' in form[:1200] and 'value="40x30x20"' in form[:1600]
    other = page[page.index(f'id="p{plain.id}-weight_g"') - 400 :]
    assert 'value="1000"' in other[:1200] and 'value="30x20x10"' in other[:1600]


def test_an_admin_sets_the_packed_weight_and_box_on_the_review_page(client, login):
    from coopshop.models import AuditEvent
    from tests.support.factories import UserFactory

    product = ProductFactory(status="in_review")
    login(UserFactory(role="admin"))
    page = client.get("/admin/review").get_data(as_text=True)
    assert f"/admin/products/{product.id}/packed" in page
    url = f"/admin/products/{product.id}/packed"
    done = client.post(
        url, data={f"k{product.id}-weight_g": "800", f"k{product.id}-box": "25x20x10"}
    )
    assert done.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Product, product.id)
    assert (saved.weight_g, saved.length_cm, saved.width_cm, saved.height_cm) == (800, 25, 20, 10)
    assert db.session.query(AuditEvent).filter_by(action="product.packed").count() == 1

    bad = client.post(
        url,
        data={f"k{product.id}-weight_g": "800", f"k{product.id}-box": "25x20"},
        follow_redirects=True,
    )
    assert "Paket boyutlarını 30x20x10 gibi" in bad.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Product, product.id).length_cm == 25  # unchanged
