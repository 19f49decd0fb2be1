"""Legal texts (issue 15): the seller's identity, dated versions of each legal text, the two
approvals at checkout and the immutable record of what the buyer approved."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text, update

import config
from coopshop.db import db
from coopshop.models import (
    AuditEvent,
    LegalDocument,
    Order,
    OrderAgreement,
    OutboxMessage,
    Product,
    utcnow,
)
from coopshop.models.legal import LEGAL_KINDS, ImmutableRecordError
from coopshop.services.core import settings as settings_service
from coopshop.services.core.errors import ValidationFailed
from coopshop.services.legal import documents
from coopshop.services.legal.documents import DocumentDraft
from coopshop.services.sales import checkout
from coopshop.services.sales.agreements import Acceptance
from coopshop.services.sales.orders import Buyer
from coopshop.shop.cart import SESSION_KEY
from coopshop.shop.checkout import order_token
from tests.support.factories import PASSWORD, ProductFactory, UserFactory
from tests.web.test_roles import log_in_as

# The checkout form's İl select passes its choices as tuples (see test_iyzico_checkout.py).
pytestmark = pytest.mark.filterwarnings(
    "ignore:Passing SelectField choices as tuples:DeprecationWarning"
)

SELLER = config.SAMPLE_SELLER
FORM = {
    "name": "Zeynep Güneş",
    "email": "zeynep@example.org",
    "phone": "0532 111 22 33",
    "address_line": "Atatürk Bulvarı No: 12 Daire 4",
    "il": "Ankara",
    "ilce": "Çankaya",
    "postal_code": "06420",
    "method": "bank_transfer",
    "accept_pre_information": "y",
    "accept_contract": "y",
}


def _cart(client, items: dict[int, int]) -> None:
    with client.session_transaction() as session:
        session[SESSION_KEY] = {str(pid): qty for pid, qty in items.items()}


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _place(client, product, quantity=2, **changes):
    _cart(client, {product.id: quantity})
    return client.post("/checkout", data={**FORM, **changes})


@pytest.fixture
def product(app):
    return ProductFactory(
        title_tr="İpek Yolu Masa Örtüsü", price_kurus=125050, vat_bp=2000, stock=5
    )


# --- checkout: two required approvals ----------------------------------------------------------


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        (("accept_pre_information",), "ön bilgilendirme formunu okuduğunuzu onaylayın"),
        (("accept_contract",), "mesafeli satış sözleşmesini onaylayın"),
        (("accept_pre_information", "accept_contract"), "iki onay kutusunu da işaretleyin"),
    ],
)
def test_checkout_is_refused_without_either_approval(client, product, missing, message):
    data = {k: v for k, v in FORM.items() if k not in missing}
    _cart(client, {product.id: 2})
    response = client.post("/checkout", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html
    # The form as she typed it, the boxes she did tick still ticked, the others not.
    assert 'value="Zeynep Güneş"' in html and "Atatürk Bulvarı No: 12 Daire 4</textarea>" in html
    for box in ("accept_pre_information", "accept_contract"):
        tag = re.search(rf'<input[^>]*id="{box}"[^>]*>', html).group(0)
        assert ("checked" in tag) == (box not in missing), tag
    # Nothing written: no order, no agreement, no legal version, the stock untouched.
    db.session.expire_all()
    assert _count(Order) == 0 and _count(OrderAgreement) == 0 and _count(LegalDocument) == 0
    assert db.session.get(Product, product.id).stock == 5
    # The texts she is asked to approve are on the page, rendered with what she typed.
    assert "Ön Bilgilendirme Formu" in html and "Mesafeli Satış Sözleşmesi" in html
    assert "Zeynep Güneş" in html and "1 × " not in html and "2 × İpek Yolu Masa Örtüsü" in html


def test_the_boxes_start_unticked(client, product):
    _cart(client, {product.id: 1})
    html = client.get("/checkout").get_data(as_text=True)
    for box in ("accept_pre_information", "accept_contract"):
        assert f'name="{box}"' in html
    assert "checked" not in html.split('id="agreements"')[1].split("</fieldset>")[0]
    assert "/yasal/kvkk" in html  # the KVKK notice is linked at checkout


@pytest.mark.parametrize(
    "acceptance",
    [Acceptance(), Acceptance(pre_information=True), Acceptance(contract=True)],
)
def test_the_service_refuses_too_and_writes_nothing(app, product, acceptance):
    request = checkout.CheckoutRequest(
        items={product.id: 1},
        buyer=Buyer(name="Selin Aksoy", email="selin@example.org"),
        method="card",
        card_payment_method="iyzico",
        acceptance=acceptance,
    )
    with pytest.raises(ValidationFailed) as refused:
        checkout.place_order(request, settings_service.current())
    assert refused.value.details["field"] in ("accept_pre_information", "accept_contract")
    db.session.rollback()
    assert _count(Order) == 0 and _count(LegalDocument) == 0 and _count(AuditEvent) == 0


def test_an_approved_order_stores_both_texts_rendered_for_it(client, product):
    response = _place(client, product)
    assert response.status_code == 302
    order = db.session.scalars(select(Order)).one()
    rows = db.session.scalars(select(OrderAgreement).order_by(OrderAgreement.id)).all()
    assert [r.kind for r in rows] == ["on_bilgilendirme", "mesafeli_satis"]
    for row in rows:
        assert row.order_id == order.id and row.document_version == 1
        assert row.sha256 == hashlib.sha256(row.rendered_text.encode()).hexdigest()
        assert row.ip == "127.0.0.1" and row.accepted_at is not None
        body = row.rendered_text
        assert order.number in body
        for value in (SELLER["SELLER_MERSIS_NO"], SELLER["SELLER_KEP_ADDRESS"], "ÖRNEK-ETBİS-0000"):
            assert value in body
        assert "Unvan: Başkent Kadın Girişimi Kooperatifi" in body
        assert "Vergi dairesi / no: Çankaya / 0000000000" in body
        assert "Ad soyad: Zeynep Güneş" in body
        assert "Teslimat adresi: Atatürk Bulvarı No: 12 Daire 4, Çankaya / Ankara, 06420" in body
        assert "Fatura bilgileri: bireysel; fatura adresi teslimat adresiyle aynı" in body
        assert (
            "2 × İpek Yolu Masa Örtüsü (" + product.code + ") · birim fiyat ₺1.250,50 · KDV %20 · "
            "tutar ₺2.501,00 (KDV dahil)"
        ) in body
        assert "Kargo: ₺0,00" in body and "Toplam (KDV dahil): ₺2.501,00" in body
        assert "Ödeme yöntemi: Havale / EFT (banka hesabımıza)" in body
        assert "Teslim süresi: en geç 3 gün içinde kargoya verilir" in body
        assert "Cayma süresi: teslimden itibaren 14 gün" in body
        for route in ("Tüketici Hakem Heyeti", "Tüketici Mahkemesi", "arabulucu"):
            assert route in body
    # The draft was published as version 1 of each, by no one, in the audit log.
    assert {e.data["kind"] for e in db.session.scalars(select(AuditEvent))} == {
        "on_bilgilendirme",
        "mesafeli_satis",
    }
    # The transfer instructions e-mail carries both texts.
    mail = db.session.scalars(select(OutboxMessage)).one()
    assert all(row.rendered_text in mail.body and row.sha256 in mail.body for row in rows)


def test_the_stored_contract_is_byte_equal_after_product_price_and_text_edits(client, product):
    _place(client, product)
    before = {
        r.kind: (r.rendered_text, r.sha256) for r in db.session.scalars(select(OrderAgreement))
    }
    # The product's title and price change, and both legal texts get a new version.
    stored = db.session.get(Product, product.id)
    stored.title_tr = "Yeni ad"
    stored.price_kurus = 99900
    db.session.commit()
    for kind in ("on_bilgilendirme", "mesafeli_satis"):
        documents.publish(
            DocumentDraft(kind=kind, title_tr="Yeni metin", body_tr="Tamamen yeni bir metin."), None
        )
    db.session.commit()
    db.session.expire_all()
    after = db.session.scalars(select(OrderAgreement)).all()
    assert {r.kind: (r.rendered_text, r.sha256) for r in after} == before
    for row in after:
        assert hashlib.sha256(row.rendered_text.encode()).hexdigest() == before[row.kind][1]
        assert "İpek Yolu Masa Örtüsü" in row.rendered_text and "Yeni ad" not in row.rendered_text
    # A new checkout now shows the new version and the new price: the edits did take effect.
    _cart(client, {product.id: 1})
    html = client.get("/checkout").get_data(as_text=True)
    assert "Tamamen yeni bir metin." in html and "₺999,00" in html and "Yeni ad" in html


def test_a_personalised_line_says_it_has_no_withdrawal_in_the_form_and_the_contract(client):
    personal = ProductFactory(
        title_tr="İsme Özel Oya", price_kurus=40000, stock=3, withdrawal_exclusion="personalised"
    )
    plain = ProductFactory(title_tr="Düz Kese", price_kurus=20000, stock=3)
    _cart(client, {personal.id: 1, plain.id: 1})
    preview = client.get("/checkout").get_data(as_text=True)
    assert "kişiye özel hazırlandığı için cayma hakkı yoktur" in preview
    response = client.post("/checkout", data=FORM)
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
    for row in db.session.scalars(select(OrderAgreement)):
        oya = next(line for line in row.rendered_text.splitlines() if "İsme Özel Oya" in line)
        kese = next(line for line in row.rendered_text.splitlines() if "Düz Kese" in line)
        assert "cayma hakkı yoktur" in oya, row.kind
        assert "cayma hakkı yoktur" not in kese, row.kind


def test_the_orm_and_the_database_refuse_to_change_a_stored_agreement(client, product):
    _place(client, product)
    row = db.session.scalars(select(OrderAgreement)).first()
    row.rendered_text = "başka bir metin"
    with pytest.raises(ImmutableRecordError):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(Exception, match="never changed"):
        db.session.execute(
            text("UPDATE order_agreements SET rendered_text = 'x' WHERE id = :id"), {"id": row.id}
        )
    db.session.rollback()
    with pytest.raises(Exception, match="never changed"):
        db.session.execute(update(LegalDocument).values(body_tr="x"))
    db.session.rollback()


# --- versions -----------------------------------------------------------------------------------


def _publish(kind: str, body: str, **kw) -> LegalDocument:
    document = documents.publish(
        DocumentDraft(kind=kind, title_tr="KVKK Aydınlatma Metni", body_tr=body, **kw), None
    )
    db.session.commit()
    return document


def test_an_admin_edit_adds_a_version_and_the_old_one_stays_readable(client):
    _publish("kvkk", "Birinci sürümün metni.")
    admin = log_in_as(client, "admin")
    form = client.get("/admin/legal/kvkk").get_data(as_text=True)
    assert "Birinci sürümün metni." in form  # the edit starts from the newest version
    response = client.post(
        "/admin/legal/kvkk",
        data={
            "title_tr": "KVKK Aydınlatma Metni",
            "body_tr": "İkinci sürüm: {{satici_unvan}} verilerinizi korur.",
            "title_en": "Privacy notice",
            "body_en": "Second version.",
            "note": "avukat düzeltmesi",
        },
    )
    assert response.status_code == 302
    versions = documents.history("kvkk")
    assert [v.version for v in versions] == [2, 1]
    assert versions[1].body_tr == "Birinci sürümün metni."  # never rewritten
    current = client.get("/yasal/kvkk").get_data(as_text=True)
    assert "İkinci sürüm: Başkent Kadın Girişimi Kooperatifi verilerinizi korur." in current
    old = client.get("/yasal/kvkk/v/1").get_data(as_text=True)
    assert "Birinci sürümün metni." in old and "İkinci sürüm" not in old
    assert client.get("/yasal/kvkk/v/3").status_code == 404
    assert client.get("/yasal/nothing").status_code == 404
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.action, event.actor_id, event.data["version"]) == (
        "legal.published",
        admin.id,
        2,
    )
    listing = client.get("/admin/legal").get_data(as_text=True)
    assert "Sürüm 2" in listing


def test_a_past_date_or_an_unknown_placeholder_is_refused_and_nothing_written(client):
    _publish("kvkk", "Birinci.")
    log_in_as(client, "admin")
    past = client.post(
        "/admin/legal/kvkk",
        data={"title_tr": "T", "body_tr": "İkinci.", "effective_from": "2020-01-01 10:00"},
    )
    assert past.status_code == 400
    assert "Yürürlük tarihi geçmişte olamaz" in past.get_data(as_text=True)
    typo = client.post("/admin/legal/kvkk", data={"title_tr": "T", "body_tr": "{{alici_ad}}"})
    assert typo.status_code == 400
    assert "Bilinmeyen yer tutucu: {{alici_ad}}" in typo.get_data(as_text=True)
    assert "{{alici_ad}}</textarea>" in typo.get_data(as_text=True)  # kept as typed
    assert [v.version for v in documents.history("kvkk")] == [1]


def test_a_scheduled_version_starts_at_its_date(client):
    _publish("cerez", "Şimdiki.")
    later = utcnow() + timedelta(days=3)
    _publish("cerez", "Üç gün sonra.", effective_from=later)
    page = client.get("/yasal/cerez").get_data(as_text=True)
    assert "Şimdiki." in page and "Üç gün sonra." not in page
    assert documents.in_force("cerez", later + timedelta(minutes=1)).version == 2


def test_legal_text_is_escaped_never_html(client):
    _publish("kvkk", '<script>alert(1)</script>\n\n<b style="color:red">kalın</b>')
    html = client.get("/yasal/kvkk").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and '<b style="color:red">' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- seller identity and links ------------------------------------------------------------------


@pytest.mark.parametrize("kind", LEGAL_KINDS)
def test_every_legal_page_shows_the_seller_identity(client, kind):
    html = client.get(f"/yasal/{kind}").get_data(as_text=True)  # the draft, nothing published
    assert html.count(SELLER["SELLER_MERSIS_NO"]) >= 2  # the page's block and the footer
    for value in SELLER.values():
        assert value in html
    assert _count(LegalDocument) == 0  # showing the draft wrote nothing


def test_the_footer_names_the_seller_and_links_every_legal_page(client):
    html = client.get("/").get_data(as_text=True)
    footer = html.split("<footer")[1]
    for kind in LEGAL_KINDS:
        assert f'href="/yasal/{kind}"' in footer
    for value in (SELLER["SELLER_ADDRESS"], SELLER["SELLER_KEP_ADDRESS"], "0000000000000000"):
        assert value in footer


@pytest.mark.parametrize("path", ["/auth/register", "/auth/apply"])
def test_the_kvkk_notice_is_linked_at_registration_and_the_membership_application(client, path):
    assert 'href="/yasal/kvkk"' in client.get(path).get_data(as_text=True)


def test_the_site_sets_only_the_cookies_the_cookie_notice_names(client, product):
    names = set()

    def collect(response):
        names.update(h.split("=", 1)[0] for h in response.headers.getlist("Set-Cookie"))
        return response

    user = UserFactory(role="customer")
    collect(client.get("/"))
    collect(
        client.post(
            "/auth/login", data={"email": user.email, "password": PASSWORD, "remember": "y"}
        )
    )
    collect(client.post("/cart/add", data={"product_id": product.id, "quantity": 1}))
    collect(client.get("/checkout"))
    assert collect(client.post("/language/en", data={"next": "/"})).status_code == 302
    assert names == {"session", "remember_token"}, names
    notice = client.get("/yasal/cerez").get_data(as_text=True)
    assert "session" in notice and "remember_token" in notice
    assert "yalnızca sitenin çalışması için zorunlu çerezler" in notice or "necessary" in notice


def test_production_refuses_a_missing_or_malformed_seller_identity():
    complete = {"SELLER_LEGAL_NAME": "Kooperatif", **SELLER}
    assert config.seller_identity_problems(complete, production=True) == []
    missing = {**complete, "SELLER_ETBIS_NO": ""}
    assert config.seller_identity_problems(missing, production=True) == [
        "SELLER_ETBIS_NO is required (the seller identity shown to buyers)"
    ]
    wrong = {**complete, "SELLER_MERSIS_NO": "123", "SELLER_KEP_ADDRESS": "a@gmail.com"}
    problems = config.seller_identity_problems(wrong, production=True)
    assert any("SELLER_MERSIS_NO must be 16 digits" in p for p in problems)
    assert any("SELLER_KEP_ADDRESS must be a KEP address" in p for p in problems)


# --- e-mail and order page ----------------------------------------------------------------------


def test_the_order_confirmation_e_mail_includes_the_agreements(client, product):
    response = _place(client, product, method="card")
    assert response.status_code == 303  # to the demo payment page
    order = db.session.scalars(select(Order)).one()
    paid = client.post(f"/checkout/demo/{order.number}?t={order_token(order)}", data={})
    assert paid.status_code == 302
    mail = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.to == "zeynep@example.org")
    ).one()
    assert "Siparişiniz alındı" in mail.subject
    for row in db.session.scalars(select(OrderAgreement)):
        assert row.rendered_text in mail.body and row.sha256 in mail.body
        assert "Ödeme yöntemi: Kredi veya banka kartı" in row.rendered_text


def test_her_order_page_shows_the_agreements_and_no_one_else_reads_them(client, product):
    buyer = UserFactory(role="customer", email="zeynep@example.org")
    client.post("/auth/login", data={"email": buyer.email, "password": PASSWORD})
    _place(client, product)
    order = db.session.scalars(select(Order)).one()
    assert order.customer_id == buyer.id
    stored = db.session.scalars(select(OrderAgreement)).all()
    page = client.get(f"/orders/{order.number}").get_data(as_text=True)
    assert "Onayladığınız metinler" in page
    assert "Atatürk Bulvarı No: 12 Daire 4, Çankaya / Ankara" in page
    for row in stored:
        assert row.sha256 in page
    client.post("/auth/logout")
    # Another customer, without the link: the order does not exist for her.
    log_in_as(client, "customer")
    assert client.get(f"/orders/{order.number}").status_code == 404
    client.post("/auth/logout")
    # The signed link from her e-mail: the texts, with her name and street hidden.
    linked = client.get(f"/orders/{order.number}?t={order_token(order)}").get_data(as_text=True)
    assert "Onayladığınız metinler" in linked and stored[0].sha256 in linked
    assert "Atatürk Bulvarı" not in linked and "Zeynep Güneş" not in linked
    assert "Zeynep G." in linked
    # The stored rows are untouched by what a page shows.
    db.session.expire_all()
    assert [r.rendered_text for r in db.session.scalars(select(OrderAgreement))] == [
        r.rendered_text for r in stored
    ]
