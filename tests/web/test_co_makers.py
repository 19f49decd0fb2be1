"""Co-maker consent: the owner names a co-maker with her share; the product cannot go to review
until she accepts; she sees the invitation on her pages, accepts or declines (declining removes
her share); only the owner edits the product. Each step is in the audit log."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from coopshop.db import db
from coopshop.models import AuditEvent, Product, ProductMaker
from coopshop.services.catalog import catalog_admin
from coopshop.services.core.errors import Conflict
from tests.support.factories import (
    PASSWORD,
    CategoryFactory,
    ProducerFactory,
    ProductFactory,
    UserFactory,
)
from tests.support.producer_support import picture
from tests.web.test_producer_products import _form, _upload


@pytest.fixture
def pair(app):
    return ProducerFactory(display_name="Ayşe"), ProducerFactory(display_name="Fatma")


def _as(app, profile):
    client = app.test_client()
    response = client.post("/auth/login", data={"email": profile.user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _product() -> Product:
    db.session.expire_all()
    return db.session.scalar(select(Product))


def _actions() -> list[tuple[str, dict]]:
    rows = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))
    return [(e.action, e.data) for e in rows if e.action.startswith("product.maker_")]


def _co_made(app, pair, action="submit"):
    ayse, fatma = pair
    owner = _as(app, ayse)
    data = _form(
        CategoryFactory().id,
        my_share="60",
        action=action,
        **{"co_makers-0-member_no": str(fatma.id), "co_makers-0-share": "40"},
    )
    response = owner.post("/producer/products/new", data=data)
    assert response.status_code == 302
    return owner, _product()


def test_a_co_made_product_waits_for_her_consent_before_review(app, pair):
    ayse, fatma = pair
    owner, product = _co_made(app, pair, action="submit")
    # "Send to review" at once: saved, but a draft until she accepts.
    assert (product.status, product.owner_id) == ("draft", ayse.id)
    consents = {m.producer_id: m.consent for m in product.makers}
    assert consents == {ayse.id: "accepted", fatma.id: "invited"}
    page = owner.get(f"/producer/products/{product.id}").get_data(as_text=True)
    assert "yanıt bekleniyor" in page

    response = owner.post(f"/producer/products/{product.id}/submit", follow_redirects=True)
    assert "Ortak üreticilerin onayı bekleniyor" in response.get_data(as_text=True)
    assert _product().status == "draft"

    her = _as(app, fatma)
    assert "1 ürün için ortak üretici davetiniz var." in her.get("/producer/").get_data(
        as_text=True
    )
    listing = her.get("/producer/invitations").get_data(as_text=True)
    assert product.title_tr in listing and "Sizin payınız: %40" in listing
    assert her.post(f"/producer/invitations/{product.id}/accept").status_code == 302
    assert {m.producer_id: m.consent for m in _product().makers}[fatma.id] == "accepted"
    assert "Bekleyen davetiniz yok." in her.get("/producer/invitations").get_data(as_text=True)

    # Accepted, but still no photo: refused with its own message; with one it goes.
    response = owner.post(f"/producer/products/{product.id}/submit", follow_redirects=True)
    assert "en az bir fotoğraf ekleyin" in response.get_data(as_text=True)
    assert _product().status == "draft"
    assert _upload(owner, product.id, (picture(), "kilim.png")).status_code == 302
    assert owner.post(f"/producer/products/{product.id}/submit").status_code == 302
    assert _product().status == "in_review"
    assert [a for a, _data in _actions()] == ["product.maker_invited", "product.maker_accepted"]
    assert _actions()[0][1] == {"producer_id": fatma.id, "share_bp": 4000}


def test_declining_removes_her_share_and_the_owner_fixes_the_shares(app, pair):
    ayse, fatma = pair
    owner, product = _co_made(app, pair, action="draft")
    her = _as(app, fatma)
    assert her.post(f"/producer/invitations/{product.id}/decline").status_code == 302
    product = _product()
    assert [(m.producer_id, m.share_bp) for m in product.makers] == [(ayse.id, 6000)]
    assert _actions()[-1] == (
        "product.maker_declined",
        {"producer_id": fatma.id, "share_bp": 4000, "shares_total_bp": 6000},
    )
    # She no longer sees it; the owner is told the shares do not add up and cannot submit.
    assert her.get(f"/producer/products/{product.id}").status_code == 404
    page = owner.get(f"/producer/products/{product.id}").get_data(as_text=True)
    assert "Paylar toplamı %100 değil (şu an %60)" in page
    response = owner.post(f"/producer/products/{product.id}/submit", follow_redirects=True)
    assert "Paylar toplamı %100 olmalı; şu an %60." in response.get_data(as_text=True)
    assert _product().status == "draft"
    # A second answer finds no invitation.
    response = her.post(f"/producer/invitations/{product.id}/accept", follow_redirects=True)
    assert "Bu ürün için bekleyen bir davetiniz yok." in response.get_data(as_text=True)


def test_a_co_maker_cannot_edit_the_product(app, pair):
    ayse, fatma = pair
    product = ProductFactory(title_tr="Ortak kilim", makers=[(ayse, 6000), (fatma, 4000)])
    her = _as(app, fatma)
    page = her.get(f"/producer/products/{product.id}")
    assert page.status_code == 200
    assert "yalnız o düzenleyebilir" in page.get_data(as_text=True)
    assert "Değişiklikleri kaydet" not in page.get_data(as_text=True)
    data = _form(product.category_id, title_tr="Benim kilimim", my_share="100", action="save")
    for path, body in [
        (f"/producer/products/{product.id}", data),
        (f"/producer/products/{product.id}/submit", {}),
        (f"/producer/products/{product.id}/archive", {}),
        (f"/producer/products/{product.id}/photos", {}),
    ]:
        assert her.post(path, data=body).status_code == 403, path
    product = _product()
    assert (product.title_tr, product.status) == ("Ortak kilim", "active")
    assert sorted((m.producer_id, m.share_bp) for m in product.makers) == [
        (ayse.id, 6000),
        (fatma.id, 4000),
    ]


def test_an_invited_co_maker_counts_no_stock_until_she_accepts(app, pair):
    ayse, fatma = pair
    _owner, product = _co_made(app, pair, action="draft")
    her = _as(app, fatma)
    her.post(f"/producer/products/{product.id}/stock/quick", data={"step": "1"})
    assert _product().stock == 3
    her.post(f"/producer/invitations/{product.id}/accept")
    her.post(f"/producer/products/{product.id}/stock/quick", data={"step": "1"})
    assert _product().stock == 4


def test_adding_a_co_maker_to_an_active_product_takes_it_out_of_the_shop_until_she_accepts(
    app, pair
):
    ayse, fatma = pair
    product = ProductFactory(title_tr="Atkı", makers=[(ayse, 10000)])
    owner = _as(app, ayse)
    data = _form(
        product.category_id,
        title_tr="Atkı",
        price="250",
        my_share="70",
        action="save",
        **{"co_makers-0-member_no": str(fatma.id), "co_makers-0-share": "30"},
    )
    assert owner.post(f"/producer/products/{product.id}", data=data).status_code == 302
    product = _product()
    assert product.status == "draft"
    assert {m.producer_id: m.consent for m in product.makers}[fatma.id] == "invited"


def test_changing_an_accepted_share_asks_her_again(app, pair):
    ayse, fatma = pair
    product = ProductFactory(
        title_tr="Kilim", price_kurus=125000, makers=[(ayse, 6000), (fatma, 4000)]
    )
    owner = _as(app, ayse)
    data = _form(
        product.category_id,
        title_tr="Kilim",
        my_share="80",
        action="save",
        **{"co_makers-0-member_no": str(fatma.id), "co_makers-0-share": "20"},
    )
    assert owner.post(f"/producer/products/{product.id}", data=data).status_code == 302
    product = _product()
    assert product.status == "draft"
    assert {m.producer_id: (m.share_bp, m.consent) for m in product.makers} == {
        ayse.id: (8000, "accepted"),
        fatma.id: (2000, "invited"),
    }


def test_an_admin_cannot_approve_a_product_waiting_for_consent(app, pair):
    ayse, fatma = pair
    product = ProductFactory(status="in_review", makers=[(ayse, 6000), (fatma, 4000)])
    row = db.session.get(ProductMaker, (product.id, fatma.id))
    row.consent = "invited"
    db.session.commit()
    with pytest.raises(Conflict, match="onayı bekleniyor"):
        catalog_admin.approve_product(product, UserFactory(role="admin").id)
    db.session.rollback()
    assert _product().status == "in_review"


def test_invitations_are_her_own(app, pair):
    ayse, fatma = pair
    _owner, product = _co_made(app, pair, action="draft")
    stranger = _as(app, ProducerFactory())
    assert "Bekleyen davetiniz yok." in stranger.get("/producer/invitations").get_data(as_text=True)
    response = stranger.post(f"/producer/invitations/{product.id}/decline", follow_redirects=True)
    assert "Bu ürün için bekleyen bir davetiniz yok." in response.get_data(as_text=True)
    assert len(_product().makers) == 2
