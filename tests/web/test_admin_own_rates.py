"""A product's and a member's own dated commission rate on their admin pages: saved from a date,
shown with its history, a bad input explained in the admin's language and nothing written, a
scheduled change withdrawn back to the page it came from."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from coopshop.db import db
from coopshop.models import AuditEvent, CommissionRate, utcnow
from tests.support.factories import PASSWORD, ProducerFactory, ProductFactory, UserFactory

ISTANBUL = ZoneInfo("Europe/Istanbul")


@pytest.fixture
def admin(client):
    user = UserFactory(role="admin")
    client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    return user


def _local(moment) -> str:
    return moment.astimezone(ISTANBUL).strftime("%Y-%m-%dT%H:%M")


def _rows(scope):
    return db.session.execute(
        select(CommissionRate.rate_bp, CommissionRate.note)
        .where(CommissionRate.scope == scope)
        .order_by(CommissionRate.id)
    ).all()


def test_a_product_rate_from_next_month_is_saved_shown_and_audited(client, admin):
    product = ProductFactory(commission_bp=1200)
    start = (utcnow() + timedelta(days=31)).replace(second=0, microsecond=0)
    response = client.post(
        f"/admin/products/{product.id}/commission",
        data={
            "commission-rate": "9",
            "commission-effective_from": _local(start),
            "commission-note": "Kermes indirimi",
        },
    )
    assert response.status_code == 302
    assert _rows("product") == [(1200, ""), (900, "Kermes indirimi")]
    event = db.session.scalars(select(AuditEvent)).one()
    assert (event.action, event.data["from_bp"], event.data["to_bp"]) == (
        "policy.rate_scheduled",
        1200,
        900,
    )
    page = client.get(f"/admin/products/{product.id}/commission").get_data(as_text=True)
    assert "%12" in page  # still in force today
    assert "%9" in page and "planlandı" in page and "Kermes indirimi" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"commission-rate": "on beş"}, "Oranı 15 ya da 12,5 gibi yazın."),
        ({"commission-rate": "120"}, "Oran yüzde 100&#39;ü geçemez."),
        (
            {"commission-rate": "10", "commission-effective_from": "yarın"},
            "Tarihi 2025-09-01 10:00 gibi yazın.",
        ),
        (
            {"commission-rate": "10", "commission-effective_from": "2020-01-01 10:00"},
            "Geçmiş bir tarihten başlayan oran girilemez",
        ),
    ],
)
def test_bad_input_is_explained_and_kept(client, admin, data, message):
    product = ProductFactory(commission_bp=1200)
    response = client.post(f"/admin/products/{product.id}/commission", data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    assert f'value="{data["commission-rate"]}"' in html
    assert _rows("product") == [(1200, "")]
    assert db.session.scalars(select(AuditEvent)).all() == []


def test_bad_input_in_english(client, admin):
    client.post("/language/en", data={"next": "/"})
    product = ProductFactory()
    response = client.post(
        f"/admin/products/{product.id}/commission",
        data={"commission-rate": "10", "commission-effective_from": "2020-01-01 10:00"},
    )
    assert response.status_code == 400
    assert "A rate cannot start on a past date" in response.get_data(as_text=True)
    page = client.get(f"/admin/products/{product.id}/commission").get_data(as_text=True)
    assert "Own rate in force now:" in page and "no own rate" in page


def test_an_unknown_product_is_404(client, admin):
    assert client.get("/admin/products/999999/commission").status_code == 404
    assert client.post("/admin/products/999999/commission").status_code == 404


def test_her_rate_from_a_date_and_its_withdrawal(client, admin):
    member = ProducerFactory(commission_bp=1000)
    start = utcnow() + timedelta(days=10)
    response = client.post(
        f"/admin/members/{member.id}/commission",
        data={"commission-rate": "8", "commission-effective_from": _local(start)},
    )
    assert response.status_code == 302
    page = client.get(f"/admin/members/{member.id}").get_data(as_text=True)
    assert "planlandı" in page and "%8" in page
    scheduled = db.session.scalars(
        select(CommissionRate).where(CommissionRate.rate_bp == 800)
    ).one()
    response = client.post(f"/admin/policy/{scheduled.id}/cancel")
    assert response.status_code == 302
    assert response.location.endswith(f"/admin/members/{member.id}")
    assert _rows("producer") == [(1000, "")]
