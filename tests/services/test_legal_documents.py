"""Legal documents as dated versions, and the one rendering of an agreement (issue 15)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from coopshop.db import db
from coopshop.models import AuditEvent, LegalDocument, utcnow
from coopshop.services.core.errors import NotFound, ValidationFailed
from coopshop.services.legal import documents, render
from coopshop.services.legal.documents import DocumentDraft
from coopshop.services.legal.render import AgreementContext, AgreementLine
from coopshop.services.legal.seller import SellerIdentity

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _draft(body: str, **kw) -> DocumentDraft:
    return DocumentDraft(kind="iade_cayma", title_tr="İade", body_tr=body, **kw)


def test_each_edit_is_a_new_version_and_the_one_in_force_follows_the_dates(app):
    first = documents.publish(_draft("Bir"), None, now=NOW)
    second = documents.publish(_draft("İki", effective_from=NOW + timedelta(days=10)), None, NOW)
    db.session.commit()
    assert (first.version, second.version) == (1, 2)
    assert documents.in_force("iade_cayma", NOW + timedelta(days=9)).body_tr == "Bir"
    assert documents.in_force("iade_cayma", NOW + timedelta(days=10)).body_tr == "İki"
    assert documents.in_force("iade_cayma", NOW - timedelta(seconds=1)) is None
    assert documents.version("iade_cayma", 1).body_tr == "Bir"
    with pytest.raises(NotFound):
        documents.version("iade_cayma", 3)
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert actions == ["legal.published", "legal.published"]


@pytest.mark.parametrize(
    ("draft", "field"),
    [
        (DocumentDraft(kind="iade_cayma", title_tr="", body_tr="x"), "title_tr"),
        (DocumentDraft(kind="iade_cayma", title_tr="T", body_tr="  "), "body_tr"),
        (DocumentDraft(kind="iade_cayma", title_tr="T", body_tr="x", body_en="y"), "title_en"),
        (DocumentDraft(kind="iade_cayma", title_tr="T", body_tr="{{nope}}"), "body_tr"),
        (
            DocumentDraft(
                kind="iade_cayma", title_tr="T", body_tr="x", effective_from=NOW - timedelta(days=1)
            ),
            "effective_from",
        ),
        (
            DocumentDraft(
                kind="iade_cayma", title_tr="T", body_tr="x", effective_from=NOW + timedelta(days=2)
            ),
            "effective_from",  # before the scheduled version 2 (NOW + 5 days)
        ),
    ],
)
def test_bad_drafts_are_refused_naming_the_field_and_nothing_is_written(app, draft, field):
    documents.publish(_draft("Bir"), None, now=NOW)
    documents.publish(_draft("İki", effective_from=NOW + timedelta(days=5)), None, now=NOW)
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        documents.publish(draft, None, now=NOW)
    assert refused.value.details["field"] == field
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(LegalDocument)) == 2


def test_an_unknown_kind_is_not_found(app):
    with pytest.raises(NotFound):
        documents.in_force("sozlesme")


def test_the_first_order_publishes_the_draft_once(app):
    first = documents.ensure_in_force("mesafeli_satis", NOW)
    again = documents.ensure_in_force("mesafeli_satis", NOW + timedelta(hours=1))
    db.session.commit()
    assert first.id == again.id and first.version == 1
    assert first.title_tr == "Mesafeli Satış Sözleşmesi" and "Tüketici Hakem" in first.body_tr
    # Before the first version's date, the first version stands.
    assert documents.ensure_in_force("mesafeli_satis", NOW - timedelta(days=1)).id == first.id
    # Showing a page before anything is published writes nothing.
    documents.unsaved_draft("kvkk")
    db.session.flush()
    assert db.session.scalar(select(func.count()).select_from(LegalDocument)) == 1


def _context(**kw) -> AgreementContext:
    values = {
        "seller": SellerIdentity(legal_name="Kooperatif", mersis_no="0123456789012345"),
        "placed_at": NOW,
        "buyer_name": "Selin Aksoy",
        "buyer_email": "selin@example.org",
        "buyer_phone": "0532 000 00 00",
        "delivery_address": "Bir sokak, Çankaya / Ankara",
        "billing": "bireysel",
        "lines": (
            AgreementLine("Kilim", "K1", 2, 45000, 2000, 90000),
            AgreementLine("Sabun", "S2", 1, 5050, 1000, 5050),
        ),
        "subtotal_kurus": 95050,
        "shipping_kurus": 7500,
        "total_kurus": 102550,
        "payment_method": "Havale / EFT",
        "delivery_days": 3,
        "withdrawal_days": 14,
        "order_number": "2611-ABC",
    }
    values.update(kw)
    return AgreementContext(**values)


def test_an_agreement_renders_each_line_through_one_helper_and_is_deterministic(app):
    document = documents.unsaved_draft("on_bilgilendirme", NOW)
    document.body_tr = "Sipariş {{siparis_no}}, toplam {{toplam}}.\n\n{{urunler}}"
    text = render.render_agreement(document, _context())
    assert render.render_agreement(document, _context()) == text
    for line in _context().lines:
        assert text.count(render.render_line(line)) == 2  # the order block and {{urunler}}
    assert "- 2 × Kilim (K1) · birim fiyat ₺450,00 · KDV %20 · tutar ₺900,00 (KDV dahil)" in text
    assert "Sipariş 2611-ABC, toplam ₺1.025,50." in text
    assert "MERSİS no: 0123456789012345" in text and "KEP adresi: —" in text
    changed = render.render_agreement(document, _context(total_kurus=102551))
    assert render.digest(changed) != render.digest(text)


def test_blocks_turn_markdownish_text_into_headings_lists_and_paragraphs():
    blocks = render.blocks("# Başlık\nGiriş satırı\nikinci satır\n\n## Alt\n- bir\n- iki\nson")
    assert [(b.kind, b.lines) for b in blocks] == [
        ("h2", ("Başlık",)),
        ("p", ("Giriş satırı", "ikinci satır")),
        ("h3", ("Alt",)),
        ("ul", ("bir", "iki")),
        ("p", ("son",)),
    ]


def test_a_version_published_now_is_in_force_at_once(app):
    document = documents.publish(_draft("Şimdi"), None)
    db.session.commit()
    assert documents.in_force("iade_cayma", utcnow()).id == document.id
