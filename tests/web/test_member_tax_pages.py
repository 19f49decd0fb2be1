"""The admin sets a member's tax status; the payout batch shows the withholding and links the
gider pusulası of each exempt member's line."""

from __future__ import annotations

from datetime import date

import pytest

from coopshop.db import db
from coopshop.services.members import tax_status
from coopshop.services.payouts import batches as payouts
from tests.factories import UserFactory
from tests.invoicing_support import TCKN
from tests.services.test_payouts import OCT_END, SETTINGS, producer, sell


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
    assert "₺850,00" in page and '−<span class="money">₺17,00</span>' in page
    assert "₺833,00" in page and "Gider pusulası" in page
    voucher = client.get(f"/admin/payouts/lines/{batch.lines[0].id}/gider-pusulasi")
    html = voucher.get_data(as_text=True)
    assert voucher.status_code == 200
    assert TCKN in html and "MUAF-114" in html and "₺833,00" in html and "%2" in html
