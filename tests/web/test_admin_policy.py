"""The commission policy page: the rates in force, a preview before saving (the numbers of a
small case as the admin reads them), saving a dated change, refusing a backdated one, and
withdrawing a change that has not started."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from coopshop.db import db
from coopshop.models import AuditEvent, CommissionRate, OrderLine, utcnow
from coopshop.services.books import ledger_check
from coopshop.services.core.settings import CoopSettings
from tests.support.factories import (
    PASSWORD,
    CollectionFactory,
    ProducerFactory,
    ProductFactory,
    UserFactory,
    paid_order,
)

ISTANBUL = ZoneInfo("Europe/Istanbul")
SETTINGS = CoopSettings(default_commission_bp=1500)


@pytest.fixture
def admin(client):
    user = UserFactory(role="admin")
    client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    return user


@pytest.fixture
def sold(app):
    """Ayşe and Fatma (60/40) sold a ₺120,00 scarf five days ago at the default 15%."""
    ayse = ProducerFactory(display_name="Ayşe")
    fatma = ProducerFactory(display_name="Fatma")
    scarf = ProductFactory(price_kurus=12000, vat_bp=2000, makers=[(ayse, 6000), (fatma, 4000)])
    paid_order([(scarf, 1)], settings=SETTINGS, paid_at=utcnow() - timedelta(days=5))
    db.session.commit()
    return scarf


def _local(moment) -> str:
    return moment.astimezone(ISTANBUL).strftime("%Y-%m-%dT%H:%M")


def test_the_page_shows_the_rates_in_force(client, admin):
    CollectionFactory(name_tr="İpek Yolu", commission_bp=1200)
    CollectionFactory(name_tr="Ankara")
    html = client.get("/admin/policy").get_data(as_text=True)
    assert "Komisyon politikası" in html
    assert "%15" in html  # the default from the settings
    assert "İpek Yolu" in html and "%12" in html
    assert "satış anındaki oranı sipariş satırında saklar ve hiç değişmez" in html
    assert 'value="save"' not in html  # saving comes after a preview


def test_preview_shows_each_members_numbers_and_saves_nothing(client, admin, sold):
    response = client.post(
        "/admin/policy", data={"target": "default", "rate": "10", "action": "preview"}
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    table = html[html.index('id="preview-table"') :]
    # Ayşe got ₺51,00 and would get ₺54,00; Fatma ₺34,00 and ₺36,00; ₺85,00 -> ₺90,00 in all.
    for text in ("Ayşe", "₺51,00", "₺54,00", "₺3,00", "Fatma", "₺34,00", "₺36,00", "₺2,00"):
        assert text in table, text
    assert "₺85,00" in table and "₺90,00" in table and "₺5,00" in table
    assert "₺15,00" in table and "₺10,00" in table  # the cooperative's commission
    assert 'value="save"' in html
    assert 'value="10"' in html  # the form kept as typed
    assert db.session.scalars(select(CommissionRate)).all() == []
    assert db.session.scalars(select(AuditEvent)).all() == []


def test_saving_a_future_rate_applies_only_from_its_date(client, admin, sold):
    start = (utcnow() + timedelta(days=2)).replace(second=0, microsecond=0)
    response = client.post(
        "/admin/policy",
        data={
            "target": "default",
            "rate": "12,5",
            "effective_from": _local(start),
            "note": "Genel kurul kararı",
            "action": "save",
        },
    )
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "Oran kaydedildi;" in page
    assert "Planlanan değişiklikler" in page and "Genel kurul kararı" in page
    rate = db.session.scalars(select(CommissionRate)).one()
    assert (rate.scope, rate.rate_bp, rate.effective_from, rate.note) == (
        "default",
        1250,
        start,
        "Genel kurul kararı",
    )
    assert db.session.scalars(select(AuditEvent.action)).all() == ["policy.rate_scheduled"]

    earlier = db.session.scalars(select(OrderLine.commission_bp)).all()
    paid_order([(sold, 1)], settings=SETTINGS, paid_at=start - timedelta(minutes=1))
    paid_order([(sold, 1)], settings=SETTINGS, paid_at=start)
    db.session.commit()
    rates = db.session.scalars(select(OrderLine.commission_bp).order_by(OrderLine.id)).all()
    assert rates == [*earlier, 1500, 1250] == [1500, 1500, 1250]
    assert ledger_check.check() == []


def test_a_collection_rate_from_now(client, admin, sold):
    silk = CollectionFactory(name_tr="İpek Yolu")
    product = ProductFactory(collection=silk)
    response = client.post(
        "/admin/policy",
        data={"target": f"collection:{silk.id}", "rate": "8", "action": "save"},
    )
    assert response.status_code == 302
    line = paid_order([(product, 1)], settings=SETTINGS).lines[0]
    assert line.commission_bp == 800
    html = client.get("/admin/collections").get_data(as_text=True)
    assert "%8" in html


def test_a_backdated_rate_is_refused_with_the_reason(client, admin):
    yesterday = utcnow() - timedelta(days=1)
    response = client.post(
        "/admin/policy",
        data={
            "target": "default",
            "rate": "10",
            "effective_from": _local(yesterday),
            "action": "save",
        },
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Geçmiş bir tarihten başlayan oran girilemez" in html
    assert f'value="{_local(yesterday)}"' in html
    assert db.session.scalars(select(CommissionRate)).all() == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"target": "default", "rate": ""}, "Genel oran boş bırakılamaz."),
        ({"target": "default", "rate": "yüzde on"}, "Oranı 15 ya da 12,5 gibi yazın."),
        ({"target": "default", "rate": "10", "effective_from": "yarın"}, "Tarihi 2025-09-01"),
        ({"target": "collection:999", "rate": "10"}, "Listeden bir seçenek seçin."),
    ],
)
def test_bad_input_is_explained(client, admin, data, message):
    response = client.post("/admin/policy", data={**data, "action": "preview"})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_a_scheduled_change_can_be_withdrawn(client, admin):
    rate = CommissionRate(
        scope="default", rate_bp=1000, effective_from=utcnow() + timedelta(days=1)
    )
    db.session.add(rate)
    db.session.commit()
    response = client.post(f"/admin/policy/{rate.id}/cancel", data={}, follow_redirects=True)
    assert "Planlanan oran değişikliği geri çekildi." in response.get_data(as_text=True)
    assert db.session.scalars(select(CommissionRate)).all() == []
    assert db.session.scalars(select(AuditEvent.action)).all() == ["policy.rate_cancelled"]
    assert client.post("/admin/policy/999/cancel", data={}).status_code == 404
