"""The admin's IBAN changes page (confirm, stop, the history with masked IBANs) and the payout
batch's warnings on its page and its printable preview."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from coopshop.db import db
from coopshop.models import AuditEvent, IbanChange, ProducerProfile, utcnow
from coopshop.services.core.settings import CoopSettings
from coopshop.services.members import iban_changes, signin
from coopshop.services.payouts import batches as payouts
from tests.services.test_payouts import sell
from tests.support.factories import PASSWORD, ProducerFactory, UserFactory

OLD = "TR320010009999901234567890"
NEW = "TR830006200000000012345678"


@pytest.fixture
def admin(client):
    user = UserFactory(role="admin", name="Nermin Yönetici")
    client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    return user


def _ask(profile, when=None):
    settings = CoopSettings(iban_hold_hours=48)
    proof = signin.reauthenticate(profile.user, PASSWORD)
    change = iban_changes.request_change(
        profile, NEW, profile.user.id, settings, proof, now=when or utcnow()
    )
    db.session.commit()
    return change


def test_the_page_lists_a_pending_change_masked_and_an_admin_confirms_it(client, admin):
    ayse = ProducerFactory(display_name="Ayşe Yılmaz", iban=OLD)
    change = _ask(ayse)
    html = client.get("/admin/iban-changes").get_data(as_text=True)
    assert "Ayşe Yılmaz" in html and "TR32 **** 7890" in html and "TR83 **** 5678" in html
    assert NEW not in html and OLD not in html
    assert "Bekliyor" in html
    response = client.post(f"/admin/iban-changes/{change.id}/confirm", follow_redirects=True)
    assert "Yeni IBAN onaylandı" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ProducerProfile, ayse.id).iban == NEW
    change = db.session.get(IbanChange, change.id)
    assert (change.status, change.confirmed_by_id) == ("applied", admin.id)
    assert "onaylayan Nermin Yönetici" in client.get("/admin/iban-changes").get_data(as_text=True)
    assert (
        db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "producer.iban_change_confirmed")
        ).actor_id
        == admin.id
    )


def test_an_admin_stops_a_change(client, admin):
    ayse = ProducerFactory(iban=OLD)
    change = _ask(ayse)
    client.post(f"/admin/iban-changes/{change.id}/cancel")
    db.session.expire_all()
    assert db.session.get(IbanChange, change.id).status == "cancelled"
    assert db.session.get(ProducerProfile, ayse.id).iban == OLD
    # A second answer is refused with a message, and changes nothing.
    response = client.post(f"/admin/iban-changes/{change.id}/confirm", follow_redirects=True)
    assert "artık beklemede değil" in response.get_data(as_text=True)
    assert db.session.get(ProducerProfile, ayse.id).iban == OLD


def test_the_batch_page_and_its_print_preview_warn(app, client, admin):
    coop = app.config["COOP_IBAN"]
    ayse = ProducerFactory(user__name="Ayşe Yılmaz", display_name="Ayşe Yılmaz", iban=OLD)
    ProducerFactory(user__name="Fatma Demir", display_name="Fatma Demir", iban=OLD)
    ProducerFactory(user__name="Zeynep Kaya", display_name="Zeynep Kaya", iban=coop)
    for profile in db.session.scalars(select(ProducerProfile)).all():
        sell(profile)
    _ask(ayse, when=utcnow() - timedelta(hours=1))
    batch, _ = payouts.close_period(utcnow(), UserFactory(role="admin").id, CoopSettings())
    db.session.commit()
    for path in (f"/admin/payouts/{batch.id}", f"/admin/payouts/{batch.id}/print"):
        html = client.get(path).get_data(as_text=True)
        assert "Bankaya göndermeden önce kontrol edin" in html, path
        assert "birden fazla üye ödeniyor: Ayşe Yılmaz, Fatma Demir." in html, path
        assert "Zeynep Kaya kooperatifin kendi IBAN" in html, path
        assert "Ayşe Yılmaz yeni IBAN" in html and "eski IBAN" in html, path
