"""The payout pages: only admins; close a period, approve (a second admin when the setting asks),
take the bank file, settle lines, print; Turkish messages for what cannot be done."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from coopshop.db import db
from coopshop.models import AuditEvent, PayoutBatch
from coopshop.services.books.ledger_check import check
from coopshop.services.core.settings import CoopSettings
from coopshop.services.payouts import batches as payouts
from tests.support.factories import ProducerFactory, ProductFactory, UserFactory, paid_order
from tests.support.sql_counter import count_queries

OCT_10 = datetime(2026, 10, 10, 9, 0, tzinfo=UTC)
OCT_END = datetime(2026, 10, 31, 20, 59, 59, tzinfo=UTC)
IBAN = "TR330006100519786457841326"


def sell(producer, price=120000):
    product = ProductFactory(price_kurus=price, vat_bp=2000, makers=[(producer, 10000)])
    paid_order([(product, 1)], channel="bazaar", payment_method="cash", paid_at=OCT_10)
    db.session.commit()


def producer(name, iban=IBAN):
    return ProducerFactory(user__name=name, display_name=name, iban=iban)


def draft_batch(admin):
    batch, _ = payouts.close_period(OCT_END, admin.id, CoopSettings(payout_two_admins=False))
    db.session.commit()
    return batch


PAGES = [
    ("get", "/admin/payouts"),
    ("post", "/admin/payouts/close"),
    ("get", "/admin/payouts/{batch}"),
    ("post", "/admin/payouts/{batch}/approve"),
    ("post", "/admin/payouts/{batch}/cancel"),
    ("post", "/admin/payouts/{batch}/export"),
    ("get", "/admin/payouts/{batch}/print"),
    ("post", "/admin/payouts/lines/{line}/paid"),
    ("post", "/admin/payouts/lines/{line}/failed"),
]


@pytest.mark.parametrize("role", ["staff", "producer", "customer", "guest"])
def test_only_admins_reach_the_payout_pages(client, login, role):
    sell(producer("Ayşe Yılmaz"))
    batch = draft_batch(UserFactory(role="admin"))
    if role == "producer":
        login(ProducerFactory().user)
    elif role != "guest":
        login(UserFactory(role=role))
    for method, path in PAGES:
        url = path.format(batch=batch.id, line=batch.lines[0].id)
        response = getattr(client, method)(url, data={"bank_reference": "X", "reason": "X"})
        if role == "guest":
            assert response.status_code == 302, url
            assert "/auth/login" in response.headers["Location"]
        else:
            assert response.status_code == 403, (role, url)
    db.session.expire_all()
    assert db.session.get(PayoutBatch, batch.id).status == "draft"
    assert db.session.scalars(select(AuditEvent.action)).all() == ["payout.batch_closed"]


def test_an_admin_closes_approves_exports_and_settles(client, login, app, monkeypatch):
    monkeypatch.setitem(app.config, "PAYOUT_TWO_ADMINS", True)
    creator = UserFactory(role="admin", name="Nermin Hazırlar")
    second = UserFactory(role="admin", name="Sevgi Onaylar")
    sell(producer("Ayşe Yılmaz"))
    sell(producer("Fatma Demir"), price=60000)  # 42500 for her
    sell(producer("Elif Şahin", iban=None))
    login(creator)

    closed = client.post("/admin/payouts/close", data={"last_day": "2026-10-31"})
    assert closed.status_code == 302
    batch = db.session.scalars(select(PayoutBatch)).one()
    assert closed.headers["Location"].endswith(f"/admin/payouts/{batch.id}")
    page = client.get(f"/admin/payouts/{batch.id}").get_data(as_text=True)
    assert "Ödeme listesi hazırlandı" in page
    assert "Ayşe Yılmaz" in page and "₺850,00" in page
    assert "Fatma Demir" in page and "₺425,00" in page
    assert "₺1.275,00" in page  # the total
    assert "Elif Şahin" in page and "IBAN girilmemiş" in page
    assert "ikinci bir yönetici onaylamalı" in page
    assert f"/admin/payouts/{batch.id}/approve" not in page

    refused = client.post(f"/admin/payouts/{batch.id}/approve", follow_redirects=True)
    assert "ikinci bir yönetici onaylamalı" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(PayoutBatch, batch.id).status == "draft"
    early = client.post(f"/admin/payouts/{batch.id}/export", follow_redirects=True)
    assert "Yalnız onaylanmış bir liste bankaya aktarılabilir." in early.get_data(as_text=True)

    client.post("/auth/logout")
    login(second)
    approved = client.post(f"/admin/payouts/{batch.id}/approve", follow_redirects=True)
    assert "Liste onaylandı" in approved.get_data(as_text=True)
    db.session.expire_all()
    batch = payouts.get_batch(batch.id)
    assert (batch.status, batch.approved_by_id) == ("approved", second.id)
    ayse_line, fatma_line = batch.lines

    exported = client.post(f"/admin/payouts/{batch.id}/export")
    assert exported.status_code == 200
    assert exported.mimetype == "text/csv"
    assert exported.headers["Content-Disposition"] == (
        f'attachment; filename="odeme-2026-10-{batch.id}.csv"'
    )
    assert exported.data.decode("utf-8") == (
        "\ufeffAlıcı Adı;IBAN;Tutar;Açıklama\r\n"
        f"Ayşe Yılmaz;{IBAN};850,00;Başkent Kadın Girişimi ödeme 2026-10 #{ayse_line.id}\r\n"
        f"Fatma Demir;{IBAN};425,00;Başkent Kadın Girişimi ödeme 2026-10 #{fatma_line.id}\r\n"
    )

    paid = client.post(
        f"/admin/payouts/lines/{ayse_line.id}/paid",
        data={f"paid-{ayse_line.id}-bank_reference": "EFT-778899"},
        follow_redirects=True,
    )
    assert "Ödeme kaydedildi." in paid.get_data(as_text=True)
    empty = client.post(
        f"/admin/payouts/lines/{fatma_line.id}/failed",
        data={f"failed-{fatma_line.id}-reason": ""},
    )
    assert empty.status_code == 422
    assert "Bir açıklama yazın." in empty.get_data(as_text=True)
    failed = client.post(
        f"/admin/payouts/lines/{fatma_line.id}/failed",
        data={f"failed-{fatma_line.id}-reason": "Hesap kapalı"},
        follow_redirects=True,
    )
    assert "bakiyesine döndü" in failed.get_data(as_text=True)
    twice = client.post(
        f"/admin/payouts/lines/{ayse_line.id}/paid",
        data={f"paid-{ayse_line.id}-bank_reference": "EFT-2"},
    )
    assert twice.status_code == 409
    assert "zaten ödendi" in twice.get_data(as_text=True)

    db.session.expire_all()
    batch = payouts.get_batch(batch.id)
    assert batch.status == "paid"
    assert [(ln.status, ln.bank_reference) for ln in batch.lines] == [
        ("paid", "EFT-778899"),
        ("failed", None),
    ]
    printed = client.get(f"/admin/payouts/{batch.id}/print").get_data(as_text=True)
    assert "EFT-778899" in printed and "Sevgi Onaylar" in printed and "Nermin Hazırlar" in printed
    assert "₺850,00" in printed  # the total paid, without the failed line
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == [
        "payout.batch_closed",
        "payout.batch_approved",
        "payout.batch_exported",
        "payout.line_paid",
        "payout.line_failed",
    ]
    assert check() == []


def test_closing_twice_and_bad_dates(client, login):
    admin = UserFactory(role="admin")
    sell(producer("Ayşe Yılmaz"))
    sell(producer("Zeynep Kaya"), price=10000)  # 7083: below the ₺100 minimum
    login(admin)

    future = client.post("/admin/payouts/close", data={"last_day": "2099-01-31"})
    assert future.status_code == 422
    assert "Dönemin son günü bugünden sonra olamaz." in future.get_data(as_text=True)
    blank = client.post("/admin/payouts/close", data={"last_day": ""})
    assert blank.status_code == 422
    assert "Dönemin son gününü seçin." in blank.get_data(as_text=True)

    assert client.post("/admin/payouts/close", data={"last_day": "2026-10-31"}).status_code == 302
    again = client.post("/admin/payouts/close", data={"last_day": "2026-10-31"})
    assert again.status_code == 409
    assert "Onay bekleyen bir ödeme listesi var" in again.get_data(as_text=True)

    batch = db.session.scalars(select(PayoutBatch)).one()
    client.post(f"/admin/payouts/{batch.id}/approve")
    nothing = client.post("/admin/payouts/close", data={"last_day": "2026-10-31"})
    html = nothing.get_data(as_text=True)
    assert nothing.status_code == 200
    assert "Bu dönem için ödenecek üretici yok." in html
    assert "Zeynep Kaya" in html and "₺70,83" in html and "Asgari tutarın altında" in html
    db.session.expire_all()
    assert len(db.session.scalars(select(PayoutBatch)).all()) == 1
    assert check() == []


def test_the_batch_page_does_not_query_per_line(client, login):
    admin = UserFactory(role="admin")
    for i in range(3):
        sell(producer(f"Üretici {i}"))
    small = draft_batch(admin)
    login(admin)
    with count_queries() as few:
        assert client.get(f"/admin/payouts/{small.id}").status_code == 200
    client.post(f"/admin/payouts/{small.id}/cancel")
    for i in range(3, 12):
        sell(producer(f"Üretici {i}"))
    large = draft_batch(admin)
    assert len(large.lines) == 12
    with count_queries() as many:
        assert client.get(f"/admin/payouts/{large.id}").status_code == 200
    assert len(many) == len(few)
    with count_queries() as listing:
        assert client.get("/admin/payouts").status_code == 200
    assert len(listing) <= 8
