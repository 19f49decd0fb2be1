"""The producer's product pages: forms that keep what she typed, the sale preview before saving,
photos refused with a clear message, stock buttons, and 404 for another member's product."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

from coopshop.db import db
from coopshop.models import Product, ProductImage, StockMovement
from tests.support.factories import CategoryFactory, ProducerFactory, ProductFactory
from tests.support.producer_support import picture


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _form(category_id: int, **overrides) -> dict:
    data = {
        "title_tr": "El dokuması atkı",
        "description_tr": "Yün, 180 cm.",
        "price": "1.250",
        "vat_bp": "2000",
        "category_id": str(category_id),
        "collection_id": "",
        "stock": "3",
        "my_share": "100",
        "action": "draft",
    }
    data.update(overrides)
    return data


@pytest.fixture
def ayse(client, login):
    profile = ProducerFactory(display_name="Ayşe")
    login(profile.user)
    return profile


def test_a_member_still_applying_is_asked_to_wait(client, login):
    applicant = ProducerFactory(membership_status="applied")
    login(applicant.user)
    response = client.get("/producer/products/new")
    html = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "Üyelik başvurunuz inceleniyor. Onaylandığında ürün ekleyebileceksiniz." in html
    response = client.post("/producer/products/new", data=_form(CategoryFactory().id))
    assert response.status_code == 403
    assert _count(Product) == 0


def test_she_creates_a_draft_with_a_price_typed_the_turkish_way(client, ayse):
    category = CategoryFactory()
    response = client.post("/producer/products/new", data=_form(category.id))
    assert response.status_code == 302
    product = db.session.scalar(select(Product))
    assert (product.price_kurus, product.status, product.stock) == (125000, "draft", 3)
    assert response.location == f"/producer/products/{product.id}"
    page = client.get(response.location).get_data(as_text=True)
    assert "Ürün taslak olarak kaydedildi." in page
    assert product.code in page
    assert 'value="1.250,00"' in page


def test_the_preview_shows_what_she_receives_and_saves_nothing(client, ayse):
    response = client.post(
        "/producer/products/new", data=_form(CategoryFactory().id, price="250", action="preview")
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Bir satışta elinize geçecek" in html
    assert "₺177,08" in html
    assert "Uygulanacak komisyon oranı: %15" in html
    assert 'value="250"' in html  # what she typed stays
    assert _count(Product) == 0


def test_a_co_maker_sees_her_own_share_in_the_preview(client, ayse):
    fatma = ProducerFactory()
    data = _form(
        CategoryFactory().id,
        price="250",
        action="preview",
        my_share="60",
        **{"co_makers-0-member_no": str(fatma.id), "co_makers-0-share": "40"},
    )
    html = client.post("/producer/products/new", data=data).get_data(as_text=True)
    assert "Sizin payınız (%60)" in html
    assert "₺106,25" in html


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"price": "1,250"}, "Bu fiyat iki türlü okunabilir"),
        ({"price": "on lira"}, "Fiyatı 1.250 ya da 1250,00 gibi yazın."),
        ({"price": ""}, "Fiyatı yazın."),
        ({"my_share": "90"}, "Paylar toplamı %100 olmalı; şu an %90."),
        ({"co_makers-0-share": "10", "my_share": "90"}, "üye numarasını yazın"),
        ({"title_tr": ""}, "Bu alan zorunlu."),
    ],
)
def test_bad_input_keeps_the_form_and_saves_nothing(client, ayse, overrides, message):
    data = _form(CategoryFactory().id, description_tr="Özenle dokundu.", **overrides)
    response = client.post("/producer/products/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html
    assert "Özenle dokundu." in html
    assert _count(Product) == 0


def test_another_members_product_is_not_found(client, ayse):
    other = ProductFactory(makers=[(ProducerFactory(), 10000)])
    for method, path in [
        ("get", f"/producer/products/{other.id}"),
        ("post", f"/producer/products/{other.id}"),
        ("get", f"/producer/products/{other.id}/stock"),
        ("post", f"/producer/products/{other.id}/stock/quick"),
        ("post", f"/producer/products/{other.id}/photos"),
        ("post", f"/producer/products/{other.id}/archive"),
        ("post", f"/producer/products/{other.id}/submit"),
        ("get", "/producer/products/999999"),
    ]:
        assert getattr(client, method)(path).status_code == 404, path
    assert other.status == "active"


def test_a_co_made_product_is_in_both_makers_lists(client, ayse):
    fatma = ProducerFactory()
    shared = ProductFactory(title_tr="Ortak kilim", makers=[(ayse, 6000), (fatma, 4000)])
    ProductFactory(title_tr="Başkasının", makers=[(ProducerFactory(), 10000)])
    html = client.get("/producer/products").get_data(as_text=True)
    assert "Ortak kilim" in html
    assert "Başkasının" not in html
    assert client.get(f"/producer/products/{shared.id}").status_code == 200


def _upload(client, product_id, *files):
    # Encoded in memory: werkzeug's test client would spool a large body to a temporary file
    # it never closes (a ResourceWarning, an error under filterwarnings=error).
    stream, length, boundary = stream_encode_multipart(
        {"photos": [FileStorage(io.BytesIO(data), name) for data, name in files]},
        use_tempfile=False,
    )
    return client.post(
        f"/producer/products/{product_id}/photos",
        input_stream=stream,
        content_length=length,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def _stored_files(app) -> list[Path]:
    root = Path(app.config["UPLOAD_DIR"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"hello, I am a text file", "foto.jpg", "Bu dosya bir resim değil."),
        (
            b"\xff" * (10 * 1024 * 1024 + 10),
            "buyuk.jpg",
            "Resim çok büyük: en fazla 10 MB olabilir.",
        ),
    ],
    ids=["not-an-image", "oversized"],
)
def test_a_bad_upload_is_refused_with_a_clear_message_and_nothing_saved(
    app, client, ayse, data, name, message
):
    product = ProductFactory(makers=[(ayse, 10000)])
    response = _upload(client, product.id, (picture(), "iyi.png"), (data, name))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _count(ProductImage) == 0
    assert _stored_files(app) == []
    db.session.expire_all()
    assert db.session.get(Product, product.id).status == "active"


def test_photos_upload_and_send_an_active_product_to_review(app, client, ayse):
    product = ProductFactory(makers=[(ayse, 10000)])
    response = _upload(client, product.id, (picture("JPEG"), "a.jpg"), (picture(), "b.png"))
    assert response.status_code == 302
    page = client.get(f"/producer/products/{product.id}").get_data(as_text=True)
    assert "Fotoğraflar eklendi." in page
    assert "(2/6)" in page
    db.session.expire_all()
    assert db.session.get(Product, product.id).status == "in_review"
    assert len(_stored_files(app)) == 4


def _images(product_id: int) -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(ProductImage.id, ProductImage.path)
        .where(ProductImage.product_id == product_id)
        .order_by(ProductImage.position)
    )
    return [tuple(row) for row in rows]


def test_she_puts_a_photo_first_and_removes_one_with_its_files(app, client, ayse):
    product = ProductFactory(makers=[(ayse, 10000)])
    _upload(client, product.id, (picture("JPEG"), "a.jpg"), (picture(), "b.png"))
    (first, _), (second, second_path) = _images(product.id)

    response = client.post(f"/producer/products/{product.id}/photos/{second}/cover")
    assert response.status_code == 302
    assert response.location.endswith(f"/producer/products/{product.id}#photos")
    assert "Kapak fotoğrafı değişti." in client.get(response.location).get_data(as_text=True)
    db.session.expire_all()
    assert [image_id for image_id, _ in _images(product.id)] == [second, first]

    response = client.post(f"/producer/products/{product.id}/photos/{second}/delete")
    assert response.status_code == 302
    assert response.location.endswith(f"/producer/products/{product.id}#photos")
    assert "Fotoğraf kaldırıldı." in client.get(response.location).get_data(as_text=True)
    db.session.expire_all()
    assert [image_id for image_id, _ in _images(product.id)] == [first]
    assert len(_stored_files(app)) == 2  # the removed photo's picture and thumbnail are gone
    assert not any(path.name == Path(second_path).name for path in _stored_files(app))


def test_another_members_photo_is_not_found(client, ayse):
    other = ProductFactory(makers=[(ProducerFactory(), 10000)])
    mine = ProductFactory(makers=[(ayse, 10000)])
    _upload(client, mine.id, (picture(), "a.png"))
    [(image_id, _)] = _images(mine.id)
    for action in ("cover", "delete"):
        # Her own photo under another member's product, and a photo id her product lacks.
        assert (
            client.post(f"/producer/products/{other.id}/photos/{image_id}/{action}").status_code
            == 404
        )
        assert (
            client.post(f"/producer/products/{mine.id}/photos/{image_id + 99}/{action}").status_code
            == 404
        )
    db.session.expire_all()
    assert [i for i, _ in _images(mine.id)] == [image_id]


def _edit(product, **changes) -> dict:
    data = {
        "title_tr": product.title_tr,
        "title_en": product.title_en,
        "description_tr": product.description_tr,
        "price": "250,00",
        "vat_bp": str(product.vat_bp),
        "category_id": str(product.category_id),
        "collection_id": "",
        "my_share": "100",
        "action": "save",
    }
    data.update(changes)
    return data


def test_a_price_change_sends_the_product_back_to_review_a_lead_time_does_not(client, ayse):
    product = ProductFactory(price_kurus=25000, makers=[(ayse, 10000)])
    response = client.post(f"/producer/products/{product.id}", data=_edit(product))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Product, product.id).status == "active"

    response = client.post(f"/producer/products/{product.id}", data=_edit(product, price="260"))
    html = client.get(response.location).get_data(as_text=True)
    assert "Ürün yeniden incelemeye gönderildi" in html
    db.session.expire_all()
    changed = db.session.get(Product, product.id)
    assert (changed.price_kurus, changed.status) == (26000, "in_review")


def test_archive_takes_it_out_of_the_shop(client, ayse):
    product = ProductFactory(makers=[(ayse, 10000)])
    response = client.post(f"/producer/products/{product.id}/archive")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Product, product.id).status == "archived"


def test_quick_stock_buttons_and_the_stock_form(client, ayse):
    product = ProductFactory(stock=1, makers=[(ayse, 10000)])
    client.post(f"/producer/products/{product.id}/stock/quick", data={"step": "1"})
    client.post(f"/producer/products/{product.id}/stock/quick", data={"step": "-1"})
    client.post(f"/producer/products/{product.id}/stock/quick", data={"step": "-1"})
    response = client.post(
        f"/producer/products/{product.id}/stock",
        data={"direction": "remove", "quantity": "3", "reason": "damaged", "note": "Kırıldı"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Stok eksiye düşemez: elde 0 adet var, 3 adet düşülemez." in html
    response = client.post(
        f"/producer/products/{product.id}/stock",
        data={"direction": "add", "quantity": "4", "reason": "produced", "note": ""},
    )
    assert response.status_code == 302
    html = client.get(response.location).get_data(as_text=True)
    assert "Stok güncellendi: şimdi 4 adet." in html
    assert "Yeni üretim" in html and "Sayım düzeltmesi" in html
    assert [m.resulting_stock for m in db.session.scalars(select(StockMovement))] == [2, 1, 0, 4]


def test_low_stock_is_flagged_on_her_home_page(client, ayse):
    ProductFactory(title_tr="Son sabun", stock=1, makers=[(ayse, 10000)])
    html = client.get("/producer/").get_data(as_text=True)
    assert "Stoğu azalan ürünler" in html
    assert "Son sabun" in html
    assert "1 adet kaldı" in html


@pytest.mark.parametrize("locale", ["tr", "en"])
def test_the_product_pages_render_in_both_languages(client, ayse, locale):
    client.post(f"/language/{locale}", data={"next": "/"})
    product = ProductFactory(makers=[(ayse, 10000)])
    for path in (
        "/producer/products",
        "/producer/products/new",
        f"/producer/products/{product.id}",
        f"/producer/products/{product.id}/stock",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert f'<html lang="{locale}">' in response.get_data(as_text=True)


def test_her_active_product_page_shares_the_shop_link_and_the_workshop_installs(client, ayse, app):
    product = ProductFactory(makers=[(ayse, 10000)], title_tr="Oya Yazma", price_kurus=45000)
    html = client.get(f"/producer/products/{product.id}").get_data(as_text=True)
    base = app.config["PUBLIC_BASE_URL"].rstrip("/")
    assert f'data-share-url="{base}/products/{product.id}-oya-yazma"' in html
    assert 'data-share-title="Oya Yazma · ₺450,00"' in html
    assert "https://wa.me/?text=" in html and "js/share.js" in html
    # The workshop is an installable app on her phone.
    assert 'rel="manifest" href="/static/producer.webmanifest.json"' in html
    with client.get("/static/producer.webmanifest.json") as manifest:
        assert manifest.status_code == 200 and manifest.json["start_url"] == "/producer/"
    with client.get("/static/js/share.js") as script:
        assert script.status_code == 200

    draft = ProductFactory(makers=[(ayse, 10000)], status="draft")
    assert "data-share-url" not in client.get(f"/producer/products/{draft.id}").get_data(
        as_text=True
    )


def test_she_marks_a_product_personalised_and_it_shows_on_its_page(client, ayse):
    product = ProductFactory(price_kurus=25000, makers=[(ayse, 10000)])
    assert 'name="withdrawal_exclusion"' in client.get(f"/producer/products/{product.id}").get_data(
        as_text=True
    )
    response = client.post(
        f"/producer/products/{product.id}",
        data=_edit(product, withdrawal_exclusion="personalised"),
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Product, product.id).withdrawal_exclusion == "personalised"
    html = client.get(f"/products/{product.id}").get_data(as_text=True)
    assert "kişiye özel hazırlandığı için cayma hakkı yoktur" in html
    # Anything else than the list's choices is refused, the product unchanged.
    response = client.post(
        f"/producer/products/{product.id}", data=_edit(product, withdrawal_exclusion="iade yok")
    )
    assert response.status_code in (400, 422)
    db.session.expire_all()
    assert db.session.get(Product, product.id).withdrawal_exclusion == "personalised"
