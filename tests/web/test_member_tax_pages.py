"""The admin sets a member's tax status; the payout batch shows the withholding and links the
gider pusulası of each exempt member's line."""

from __future__ import annotations

from datetime import date

import pytest

from coopshop.db import db
from coopshop.services.members import tax_status
from coopshop.services.payouts import batches as payouts
from tests.services.test_payouts import OCT_END, SETTINGS, producer, sell
from tests.support.factories import UserFactory
from tests.support.invoicing_support import TCKN


@pytest.fixture
def admin(client, login):
    user = UserFactory(role="admin")
    login(user)
    return user


def test_the_admin_sets_her_tax_status(client, admin):
    ayse = producer("Ayşe Yılmaz")
    db.session.commit()
    url = f"/admin/members/{ayse.id}/tax"
    assert client.get(url).status_code == 200
    refused = client.post(url, data={"tax_status": "exempt", "tax_id": "12345678901"})
    assert refused.status_code == 400
    assert "Gider pusulası için üyenin geçerli TCKN'si gerekir." in refused.get_data(as_text=True)
    saved = client.post(
        url,
        data={
            "tax_status": "exempt",
            "tax_id": TCKN,
            "exemption_number": "MUAF-114",
            "exemption_expires": "2027-06-30",
        },
        follow_redirects=True,
    )
    page = saved.get_data(as_text=True)
    assert "Vergi durumu kaydedildi." in page and "Esnaf muafiyeti belgeli" in page
    db.session.expire_all()
    assert (ayse.tax_status, ayse.tax_id, ayse.exemption_expires) == (
        "exempt",
        TCKN,
        date(2027, 6, 30),
    )


def test_staff_cannot_set_it(client, login):
    login(UserFactory(role="staff"))
    ayse = producer("Ayşe Yılmaz")
    db.session.commit()
    assert client.get(f"/admin/members/{ayse.id}/tax").status_code == 403


def test_the_batch_shows_the_withholding_and_the_voucher(client, admin, app, monkeypatch):
    monkeypatch.setitem(app.config, "WITHHOLDING_EXEMPT_BP", 200)
    ayse = producer("Ayşe Yılmaz")
    tax_status.set_tax_status(
        ayse.id, tax_status.TaxStatus("exempt", TCKN, "MUAF-114", date(2027, 6, 30)), None
    )
    db.session.commit()
    sell(ayse)  # 85000 to her: 2 % is 1700
    batch, _ = payouts.close_period(OCT_END, None, SETTINGS)
    payouts.approve(batch.id, actor_id=None, settings=SETTINGS)
    db.session.commit()
    page = client.get(f"/admin/payouts/{batch.id}").get_data(as_text=True)
    assert "₺850,00" in page and '<span class="money">-₺17,00</span>' in page
    assert "₺833,00" in page and "Gider pusulası" in page
    voucher = client.get(f"/admin/payouts/lines/{batch.lines[0].id}/gider-pusulasi")
    html = voucher.get_data(as_text=True)
    assert voucher.status_code == 200
    assert TCKN in html and "MUAF-114" in html and "₺833,00" in html and "%2" in html


def test_the_admin_schedules_a_withholding_rate(client, admin):
    page = client.get("/admin/withholding")
    assert page.status_code == 200 and "WITHHOLDING_EXEMPT_BP" in page.get_data(as_text=True)
    refused = client.post("/admin/withholding", data={"rate": "abc"})
    assert refused.status_code == 400
    assert "Oranı 15 ya da 12,5 gibi yazın." in refused.get_data(as_text=True)
    past = client.post("/admin/withholding", data={"rate": "2", "effective_from": "2020-01-01"})
    assert past.status_code == 400
    assert "Geçmiş bir tarihten başlayan oran girilemez" in past.get_data(as_text=True)
    saved = client.post(
        "/admin/withholding",
        data={"rate": "0", "effective_from": "2099-01-01", "note": "muafiyet"},
        follow_redirects=True,
    )
    html = saved.get_data(as_text=True)
    assert "Stopaj oranı kaydedildi" in html and "muafiyet" in html
    from coopshop.models import WithholdingRate

    (rate,) = db.session.scalars(db.select(WithholdingRate)).all()
    assert rate.rate_bp == 0
    withdrawn = client.post(f"/admin/withholding/{rate.id}/cancel", follow_redirects=True)
    assert "Planlanan stopaj oranı geri çekildi." in withdrawn.get_data(as_text=True)
    assert db.session.scalars(db.select(WithholdingRate)).all() == []


def test_the_batch_asks_for_a_sole_traders_invoice_before_paying_her(client, admin):
    fatma = producer("Fatma Demir")
    tax_status.set_tax_status(fatma.id, tax_status.TaxStatus("sole_trader", "1234567890"), None)
    db.session.commit()
    sell(fatma)
    batch, _ = payouts.close_period(OCT_END, None, SETTINGS)
    payouts.approve(batch.id, actor_id=None, settings=SETTINGS)
    db.session.commit()
    (line,) = batch.lines
    page = client.get(f"/admin/payouts/{batch.id}").get_data(as_text=True)
    assert "Üyenin faturası gerekir" in page and f"invoice-{line.id}-member_invoice_number" in page
    early = client.post(
        f"/admin/payouts/lines/{line.id}/paid", data={f"paid-{line.id}-bank_reference": "EFT-9"}
    )
    assert early.status_code == 409
    assert "faturasının numarasını girin" in early.get_data(as_text=True)
    empty = client.post(
        f"/admin/payouts/lines/{line.id}/member-invoice",
        data={f"invoice-{line.id}-member_invoice_number": ""},
        follow_redirects=True,
    )
    assert "Fatura numarasını yazın." in empty.get_data(as_text=True)
    saved = client.post(
        f"/admin/payouts/lines/{line.id}/member-invoice",
        data={f"invoice-{line.id}-member_invoice_number": "FTM2026000000007"},
        follow_redirects=True,
    )
    assert "FTM2026000000007" in saved.get_data(as_text=True)
    paid = client.post(
        f"/admin/payouts/lines/{line.id}/paid",
        data={f"paid-{line.id}-bank_reference": "EFT-9"},
        follow_redirects=True,
    )
    assert "Ödeme kaydedildi." in paid.get_data(as_text=True)
    db.session.expire_all()
    assert (line.status, line.member_invoice_number) == ("paid", "FTM2026000000007")
