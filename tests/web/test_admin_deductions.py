"""Deductions from a member's balance: recorded as a ledger adjustment with a readable memo,
listed on her admin page, reversed (never edited) back to the kuruş, audited, and refused
cleanly when the input is bad."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from coopshop.db import db
from coopshop.models import AuditEvent, LedgerEntry, LedgerTransaction, utcnow
from coopshop.services.books import balances, deductions, ledger_check
from coopshop.services.core.errors import LedgerError, NotFound, ValidationFailed
from coopshop.services.core.settings import CoopSettings
from tests.support.factories import (
    PASSWORD,
    ProducerFactory,
    ProductFactory,
    UserFactory,
    paid_order,
)

SETTINGS = CoopSettings(return_window_days=14, offline_available_days=0)


@pytest.fixture
def admin(client):
    user = UserFactory(role="admin", name="Yönetici Hanım")
    client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    return user


@pytest.fixture
def member(app):
    """Gül sold a ₺120,00 scarf at the bazaar (available at once): she is owed ₺85,00."""
    gul = ProducerFactory(display_name="Gül")
    scarf = ProductFactory(price_kurus=12000, vat_bp=2000, makers=[(gul, 10_000)])
    paid_order(
        [(scarf, 1)],
        channel="bazaar",
        payment_method="cash",
        paid_at=utcnow() - timedelta(days=1),
        settings=SETTINGS,
    )
    db.session.commit()
    return gul


def _deduct(client, member, amount="1.250,50", kind="materials", reason="2 kg yün ipliği"):
    return client.post(
        f"/admin/members/{member.id}/deductions",
        data={"deduction-kind": kind, "deduction-amount": amount, "deduction-reason": reason},
    )


def test_a_deduction_reaches_her_balance_and_a_reversal_restores_it_exactly(client, admin, member):
    before = balances.balance(member.id)
    assert (before.available, before.deductions) == (8500, 0)

    response = _deduct(client, member, amount="12,50")
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "₺12,50 kesinti kaydedildi." in page
    assert "Malzeme avansı: 2 kg yün ipliği" in page

    after = balances.balance(member.id)
    assert (after.available, after.deductions, after.balance) == (7250, 1250, 7250)
    txn = db.session.scalars(
        select(LedgerTransaction).where(LedgerTransaction.kind == "adjustment")
    ).one()
    assert txn.memo == "Malzeme avansı: 2 kg yün ipliği"
    assert txn.created_by_id == admin.id
    assert ledger_check.check() == []

    response = client.post(f"/admin/members/{member.id}/deductions/{txn.id}/reverse", data={})
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "Kesinti ters kayıtla geri alındı." in page
    assert "Geri alındı:" in page

    restored = balances.balance(member.id)
    assert restored == before
    reversal = db.session.scalars(
        select(LedgerTransaction).where(LedgerTransaction.kind == "reversal")
    ).one()
    assert reversal.reverses_id == txn.id
    assert reversal.memo == "Geri alındı: Malzeme avansı: 2 kg yün ipliği"
    assert ledger_check.check() == []

    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.action, e.actor_id, e.object_id) for e in events] == [
        ("member.deduction", admin.id, str(member.id)),
        ("member.deduction_reversed", admin.id, str(member.id)),
    ]
    assert events[0].data == {
        "transaction_id": txn.id,
        "kind": "materials",
        "amount_kurus": 1250,
        "reason": "2 kg yün ipliği",
    }
    assert events[1].data["reversal_id"] == reversal.id


def test_a_deduction_can_be_reversed_once(client, admin, member):
    _deduct(client, member, kind="dues", amount="50", reason="2025 aidatı")
    txn_id = db.session.scalar(
        select(LedgerTransaction.id).where(LedgerTransaction.kind == "adjustment")
    )
    client.post(f"/admin/members/{member.id}/deductions/{txn_id}/reverse", data={})
    response = client.post(
        f"/admin/members/{member.id}/deductions/{txn_id}/reverse", data={}, follow_redirects=True
    )
    assert f"Kayıt {txn_id} zaten ters kayıtla geri alınmış." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).where(LedgerTransaction.kind == "reversal")) == 1
    assert balances.balance(member.id).available == 8500
    assert ledger_check.check() == []


def test_only_her_own_deductions_can_be_reversed_from_her_page(client, admin, member):
    other = ProducerFactory()
    _deduct(client, other, amount="10")
    theirs = db.session.scalar(
        select(LedgerTransaction.id).where(LedgerTransaction.kind == "adjustment")
    )
    sale = db.session.scalar(select(LedgerTransaction.id).where(LedgerTransaction.kind == "sale"))
    for txn_id in (theirs, sale, 999):
        response = client.post(f"/admin/members/{member.id}/deductions/{txn_id}/reverse", data={})
        assert response.status_code == 404
    assert db.session.scalar(select(func.count()).where(LedgerTransaction.kind == "reversal")) == 0


@pytest.mark.parametrize(
    ("amount", "kind", "reason", "message"),
    [
        ("", "dues", "Aidat", "Bu alan zorunlu."),
        ("on lira", "dues", "Aidat", "Tutarı 1.250 ya da 1250,00 gibi yazın."),
        ("-5", "dues", "Aidat", "Tutar eksi olamaz."),
        ("0", "dues", "Aidat", "Tutar sıfırdan büyük olmalı."),
        ("1,255", "dues", "Aidat", "Bu tutar iki türlü okunabilir"),
        ("10", "dues", "  ", "Bir açıklama yazın."),
        ("10", "gift", "Aidat", "Listeden bir seçenek seçin."),
    ],
)
def test_bad_input_is_explained_kept_and_writes_nothing(
    client, admin, member, amount, kind, reason, message
):
    response = _deduct(client, member, amount=amount, kind=kind, reason=reason)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    if amount:
        assert f'value="{amount}"' in html
    assert (
        db.session.scalar(select(func.count()).where(LedgerTransaction.kind == "adjustment")) == 0
    )
    assert db.session.scalars(select(AuditEvent)).all() == []


def test_the_service_refuses_what_the_form_would(app, member):
    with pytest.raises(ValidationFailed):
        deductions.record_deduction(member.id, 0, "dues", "Aidat", None)
    with pytest.raises(ValidationFailed):
        deductions.record_deduction(member.id, 100, "dues", "x" * 301, None)
    with pytest.raises(NotFound):
        deductions.record_deduction(999, 100, "dues", "Aidat", None)
    txn = deductions.record_deduction(member.id, 100, "correction", "Fazla ödeme", None)
    deductions.reverse_deduction(member.id, txn.id, None)
    with pytest.raises(LedgerError):
        deductions.reverse_deduction(member.id, txn.id, None)


def test_her_deductions_list_says_what_was_reversed(app, member):
    admin = UserFactory(role="admin", name="Yönetici Hanım")
    first = deductions.record_deduction(member.id, 2000, "dues", "2025 aidatı", admin.id)
    second = deductions.record_deduction(member.id, 350, "correction", "Kargo farkı", admin.id)
    deductions.reverse_deduction(member.id, first.id, admin.id)
    db.session.commit()
    listed = deductions.deductions_of(member.id)
    assert [
        (d.transaction_id, d.memo, d.amount_kurus, d.created_by, d.reversed) for d in listed
    ] == [
        (second.id, "Düzeltme: Kargo farkı", 350, "Yönetici Hanım", False),
        (first.id, "Aidat: 2025 aidatı", 2000, "Yönetici Hanım", True),
    ]
    # Her producer entries carry the memo's transaction: what her statement reads.
    entry = db.session.scalars(
        select(LedgerEntry).where(
            LedgerEntry.transaction_id == second.id, LedgerEntry.producer_id == member.id
        )
    ).one()
    assert entry.amount_kurus == 350
    assert balances.balance(member.id).deductions == 350
    assert ledger_check.check() == []
