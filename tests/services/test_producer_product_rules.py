"""services.producer_products: prices as members type them, shares that add up, review on the
changes that matter, the sale preview, and photos that are all-or-nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from coopshop.db import db
from coopshop.models import AuditEvent, ProductImage, StockMovement
from coopshop.services.catalog import own_products, product_input, product_photos
from coopshop.services.catalog import producer_products as products
from coopshop.services.catalog.product_input import MakerShare, ProductInput
from coopshop.services.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from coopshop.services.sales import sale_preview
from tests.support.factories import (
    CategoryFactory,
    CollectionFactory,
    ProducerFactory,
    ProductFactory,
)
from tests.support.producer_support import picture


@pytest.mark.parametrize(
    ("typed", "kurus"),
    [
        ("1.250", 125000),
        ("1250,00", 125000),
        ("1.250,50", 125050),
        ("1250", 125000),
        ("85", 8500),
        ("85,5", 8550),
        ("85,90", 8590),
        ("₺85", 8500),
        ("85 TL", 8500),
        ("85tl", 8500),
        (" 1 250,00 ", 125000),
        ("12.500", 1250000),
        ("1250.75", 125075),
        ("0,50", 50),
    ],
)
def test_prices_as_turkish_members_type_them(app, typed, kurus):
    assert product_input.parse_price(typed) == kurus


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Fiyatı yazın."),
        ("   ", "Fiyatı yazın."),
        ("-50", "Fiyat eksi olamaz."),
        ("0", "Fiyat sıfırdan büyük olmalı."),
        ("0,00", "Fiyat sıfırdan büyük olmalı."),
        ("1,250", "Bu fiyat iki türlü okunabilir"),
        ("12,345", "Bu fiyat iki türlü okunabilir"),
        ("12,3456", "Kuruş en fazla iki basamak olabilir"),
        ("on beş", "Fiyatı 1.250 ya da 1250,00 gibi yazın."),
        ("1.25.0", "Fiyatı 1.250 ya da 1250,00 gibi yazın."),
        ("2.000.000", "Fiyat çok büyük."),
    ],
)
def test_prices_that_cannot_be_read_say_how_to_write_them(app, typed, message):
    with pytest.raises(ValidationFailed) as caught:
        product_input.parse_price(typed)
    assert message in str(caught.value.message)
    assert caught.value.details["field"] == "price"


@pytest.mark.parametrize(
    ("typed", "bp"), [("100", 10000), ("60", 6000), ("%40", 4000), ("33,33", 3333)]
)
def test_shares_as_typed(app, typed, bp):
    assert product_input.parse_share(typed) == bp


@pytest.mark.parametrize("typed", ["", "0", "abc", "101", "12,345"])
def test_bad_shares_are_refused(app, typed):
    with pytest.raises(ValidationFailed):
        product_input.parse_share(typed)


def _input(producer, **overrides) -> ProductInput:
    values = {
        "title_tr": "El dokuması atkı",
        "price_kurus": 25000,
        "vat_bp": 2000,
        "category_id": CategoryFactory().id,
        "makers": (MakerShare(producer.id, 10000),),
        "stock": 3,
    }
    values.update(overrides)
    return ProductInput(**values)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_new_product_is_a_draft_with_a_short_code_its_first_stock_and_an_audit_event(app):
    ayse = ProducerFactory()
    product = products.create_product(ayse, _input(ayse), ayse.user_id)
    db.session.commit()
    assert product.status == "draft"
    assert re.fullmatch(r"U[2-9A-HJ-NP-Z]{5}", product.code)
    assert [(m.producer_id, m.share_bp) for m in product.makers] == [(ayse.id, 10000)]
    movement = db.session.scalar(select(StockMovement))
    assert (movement.delta, movement.reason, movement.resulting_stock) == (3, "initial", 3)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "product.created"))
    assert event.actor_id == ayse.user_id
    assert event.data["price_kurus"] == 25000


def test_submitting_at_once_sends_it_to_review(app):
    # A new product has no photo yet, so "at once" means: saved, its photo added, then sent.
    ayse = ProducerFactory()
    product = products.create_product(ayse, _input(ayse), ayse.user_id)
    product_photos.add_photos(ayse, product, [picture()], app.config["UPLOAD_DIR"], ayse.user_id)
    products.submit_for_review(ayse, product, ayse.user_id)
    assert product.status == "in_review"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "product.submitted"))
    assert event.actor_id == ayse.user_id


NO_PHOTO = "İncelemeye göndermeden önce en az bir fotoğraf ekleyin"


def test_a_product_without_a_photo_cannot_go_to_review(app):
    ayse = ProducerFactory()
    with pytest.raises(Conflict) as caught:
        products.create_product(ayse, _input(ayse), ayse.user_id, submit=True)
    assert NO_PHOTO in str(caught.value.message)
    db.session.rollback()
    assert _count(StockMovement) == 0

    draft = products.create_product(ayse, _input(ayse), ayse.user_id)
    with pytest.raises(Conflict) as caught:
        products.submit_for_review(ayse, draft, ayse.user_id)
    assert NO_PHOTO in str(caught.value.message)
    assert draft.status == "draft"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        from flask_babel import force_locale

        with force_locale("en"):
            assert "Add at least one photo" in str(caught.value.message)


@pytest.mark.parametrize("status", ["applied", "suspended", "refused"])
def test_only_active_members_create_products(app, status):
    member = ProducerFactory(membership_status=status)
    with pytest.raises(Forbidden):
        products.create_product(member, _input(member), member.user_id)
    db.session.rollback()
    assert _count(StockMovement) == 0


def test_shares_must_add_up_to_one_hundred_percent(app):
    ayse, fatma = ProducerFactory(), ProducerFactory()
    with pytest.raises(ValidationFailed) as caught:
        products.create_product(
            ayse,
            _input(ayse, makers=(MakerShare(ayse.id, 6000), MakerShare(fatma.id, 3000))),
            ayse.user_id,
        )
    assert "Paylar toplamı %100 olmalı; şu an %90." == str(caught.value.message)


@pytest.mark.parametrize(
    ("makers", "message"),
    [
        (lambda a, f, x: [(f, 10000)], "Kendi payınızı da yazın."),
        (lambda a, f, x: [(a, 5000), (a, 5000)], "Aynı üye iki kez yazılmış."),
        (lambda a, f, x: [(a, 5000), (x, 5000)], "onaylı bir üye bulunamadı"),
        (lambda a, f, x: [(a, 5000), (99999, 5000)], "99999 üye numarasıyla"),
    ],
)
def test_makers_must_be_sound(app, makers, message):
    ayse, fatma = ProducerFactory(), ProducerFactory()
    applicant = ProducerFactory(membership_status="applied")
    pairs = makers(ayse.id, fatma.id, applicant.id)
    with pytest.raises(ValidationFailed) as caught:
        product_input.check_makers(ayse.id, [MakerShare(p, s) for p, s in pairs])
    assert message in str(caught.value.message)


def test_a_co_maker_finds_the_product_in_her_own_list_and_others_do_not(app):
    ayse, fatma, zehra = ProducerFactory(), ProducerFactory(), ProducerFactory()
    product = products.create_product(
        ayse,
        _input(ayse, makers=(MakerShare(ayse.id, 6000), MakerShare(fatma.id, 4000))),
        ayse.user_id,
    )
    db.session.commit()
    assert [p.id for p in own_products.own_products(fatma.id).items] == [product.id]
    assert own_products.get_own_product(fatma.id, product.id).id == product.id
    assert own_products.own_products(zehra.id).items == []
    with pytest.raises(NotFound):
        own_products.get_own_product(zehra.id, product.id)


@pytest.mark.parametrize(
    ("change", "to_review"),
    [
        ({"price_kurus": 26000}, True),
        ({"title_tr": "Yeni ad"}, True),
        ({"title_en": "Scarf"}, True),
        ({"description_tr": "Yün"}, True),
        ({"description_en": "Wool"}, True),
        ({"vat_bp": 1000}, True),
        ({"collection": True}, True),
        # A new co-maker: out of the shop as a draft until she accepts (test_co_makers.py).
        ({"makers": True}, "draft"),
        ({"category": True}, False),
        ({"made_to_order": True, "lead_time_days": 10}, False),
        ({}, False),
    ],
)
def test_what_sends_an_active_product_back_to_review(app, change, to_review):
    ayse, fatma = ProducerFactory(), ProducerFactory()
    product = ProductFactory(price_kurus=25000, vat_bp=2000, stock=4, makers=[(ayse, 10000)])
    product = own_products.get_own_product(ayse.id, product.id)
    values = {
        "title_tr": product.title_tr,
        "title_en": product.title_en,
        "price_kurus": product.price_kurus,
        "vat_bp": product.vat_bp,
        "category_id": product.category_id,
        "makers": (MakerShare(ayse.id, 10000),),
    }
    change = dict(change)
    if change.pop("collection", False):
        values["collection_id"] = CollectionFactory().id
    if change.pop("category", False):
        values["category_id"] = CategoryFactory().id
    if change.pop("makers", False):
        values["makers"] = (MakerShare(ayse.id, 5000), MakerShare(fatma.id, 5000))
    values.update(change)
    sent = products.update_product(ayse, product, ProductInput(**values), ayse.user_id)
    db.session.commit()
    if to_review == "draft":
        assert (sent, product.status) == (False, "draft")
        return
    assert sent is to_review
    assert product.status == ("in_review" if to_review else "active")


def test_editing_a_draft_keeps_it_a_draft_and_stock_is_never_changed_by_the_form(app):
    ayse = ProducerFactory()
    product = products.create_product(ayse, _input(ayse, stock=3), ayse.user_id)
    sent = products.update_product(
        ayse, product, _input(ayse, price_kurus=99000, stock=50), ayse.user_id
    )
    assert (sent, product.status, product.price_kurus, product.stock) == (
        False,
        "draft",
        99000,
        3,
    )


def test_an_archived_product_is_restored_before_it_is_edited(app):
    ayse = ProducerFactory()
    product = ProductFactory(status="archived", makers=[(ayse, 10000)])
    with pytest.raises(Conflict):
        products.update_product(ayse, product, _input(ayse), ayse.user_id)
    products.restore(ayse, product, ayse.user_id)
    assert product.status == "draft"


def test_becoming_made_to_order_writes_off_the_stock_with_a_movement(app):
    ayse = ProducerFactory()
    product = ProductFactory(stock=4, makers=[(ayse, 10000)])
    product = own_products.get_own_product(ayse.id, product.id)
    products.update_product(
        ayse,
        product,
        _input(
            ayse,
            category_id=product.category_id,
            title_tr=product.title_tr,
            title_en=product.title_en,
            made_to_order=True,
            lead_time_days=7,
        ),
        ayse.user_id,
    )
    db.session.commit()
    assert (product.stock, product.made_to_order, product.lead_time_days) == (0, True, 7)
    movement = db.session.scalar(select(StockMovement))
    assert (movement.delta, movement.reason, movement.resulting_stock) == (-4, "made_to_order", 0)


def test_made_to_order_needs_a_lead_time(app):
    ayse = ProducerFactory()
    with pytest.raises(ValidationFailed) as caught:
        products.create_product(ayse, _input(ayse, made_to_order=True), ayse.user_id)
    assert caught.value.details["field"] == "lead_time_days"


# --- the preview ---------------------------------------------------------------------------------


def test_the_preview_shows_her_part_with_the_default_commission(app):
    ayse = ProducerFactory()
    preview = sale_preview.sale_preview(25000, 2000, [MakerShare(ayse.id, 10000)], 1500)
    assert (preview.commission_bp, preview.vat_kurus, preview.commission_kurus) == (
        1500,
        4167,
        3125,
    )
    assert preview.part_of(ayse.id) == 17708


def test_a_co_maker_sees_her_share_split_exactly(app):
    ayse, fatma = ProducerFactory(), ProducerFactory()
    preview = sale_preview.sale_preview(
        25000, 2000, [MakerShare(ayse.id, 6000), MakerShare(fatma.id, 4000)], 1500
    )
    assert (preview.part_of(ayse.id), preview.part_of(fatma.id)) == (10625, 7083)
    assert preview.part_of(ayse.id) + preview.part_of(fatma.id) == 17708


@pytest.mark.parametrize(
    ("producer_bp", "collection_bp", "expected"),
    [(None, None, 1500), (None, 1000, 1000), (1200, 1000, 1200), (800, None, 800)],
)
def test_the_preview_uses_the_rate_a_sale_would_use(app, producer_bp, collection_bp, expected):
    ayse = ProducerFactory(commission_bp=producer_bp)
    collection = CollectionFactory(commission_bp=collection_bp)
    preview = sale_preview.sale_preview(
        10000, 2000, [MakerShare(ayse.id, 10000)], 1500, collection_id=collection.id
    )
    assert preview.commission_bp == expected


# --- photos --------------------------------------------------------------------------------------


def _files(app) -> list[Path]:
    root = Path(app.config["UPLOAD_DIR"])
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_photos_are_stored_with_thumbnails_and_send_an_active_product_to_review(app):
    ayse = ProducerFactory()
    product = own_products.get_own_product(ayse.id, ProductFactory(makers=[(ayse, 10000)]).id)
    sent = product_photos.add_photos(
        ayse,
        product,
        [picture("PNG"), picture("JPEG"), picture("WEBP")],
        app.config["UPLOAD_DIR"],
        ayse.user_id,
    )
    db.session.commit()
    assert sent is True
    assert product.status == "in_review"
    assert [i.position for i in product.images] == [0, 1, 2]
    assert len(_files(app)) == 6  # each photo and its thumbnail


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (b"GIF89a" + b"\0" * 100, "Bu dosya bir resim değil."),
        (b"%PDF-1.4 not a picture", "Bu dosya bir resim değil."),
        (b"\xff" * (10 * 1024 * 1024 + 1), "Resim çok büyük: en fazla 10 MB olabilir."),
    ],
    ids=["gif-header", "pdf", "oversized"],
)
def test_a_bad_file_among_good_ones_saves_nothing(app, upload, message):
    ayse = ProducerFactory()
    product = own_products.get_own_product(ayse.id, ProductFactory(makers=[(ayse, 10000)]).id)
    with pytest.raises(ValidationFailed) as caught:
        product_photos.add_photos(
            ayse, product, [picture(), upload], app.config["UPLOAD_DIR"], ayse.user_id
        )
    db.session.rollback()
    assert str(caught.value.message) == message
    assert _count(ProductImage) == 0
    assert _files(app) == []


def test_no_more_than_six_photos(app):
    ayse = ProducerFactory()
    product = own_products.get_own_product(ayse.id, ProductFactory(makers=[(ayse, 10000)]).id)
    product_photos.add_photos(ayse, product, [picture()] * 5, app.config["UPLOAD_DIR"], None)
    with pytest.raises(ValidationFailed) as caught:
        product_photos.add_photos(ayse, product, [picture()] * 2, app.config["UPLOAD_DIR"], None)
    assert "en fazla 6 fotoğrafı olabilir; şu an 5 fotoğraf var" in str(caught.value.message)


def test_removing_a_photo_renumbers_the_rest_and_a_cover_goes_first(app):
    ayse = ProducerFactory()
    product = own_products.get_own_product(ayse.id, ProductFactory(makers=[(ayse, 10000)]).id)
    product_photos.add_photos(ayse, product, [picture()] * 3, app.config["UPLOAD_DIR"], None)
    first, second, third = product.images
    paths = product_photos.remove_photo(ayse, product, first.id, None)
    assert paths == (first.path, first.thumb_path)
    assert [(i.id, i.position) for i in product.images] == [(second.id, 0), (third.id, 1)]
    product_photos.make_cover(ayse, product, third.id)
    assert {i.id: i.position for i in product.images} == {third.id: 0, second.id: 1}
    with pytest.raises(NotFound):
        product_photos.remove_photo(ayse, product, first.id, None)
