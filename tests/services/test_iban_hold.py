"""An IBAN change waits out its hold (IBAN_HOLD_HOURS) or an admin's confirmation before a payout
batch uses it; she is told by e-mail; the batch warns about shared IBANs and the cooperative's
own. Numbers as in test_payouts: a ₺1.200,00 bazaar sale leaves its maker 85000 kuruş."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from coopshop.db import db
from coopshop.models import AuditEvent, IbanChange, OutboxMessage, ProducerProfile
from coopshop.services.core.errors import Conflict, Forbidden, ValidationFailed
from coopshop.services.core.settings import CoopSettings
from coopshop.services.members import iban_changes, signin
from coopshop.services.payouts import batch_warnings
from coopshop.services.payouts import batches as payouts
from tests.services.test_payouts import OCT_END, sell
from tests.support.factories import PASSWORD, ProducerFactory, UserFactory

COOP_IBAN = "TR330006100519786457841326"
OLD = "TR320010009999901234567890"
NEW = "TR830006200000000012345678"
SETTINGS = CoopSettings(
    payout_minimum_kurus=10000, payout_two_admins=False, iban_hold_hours=48, coop_iban=COOP_IBAN
)
ASKED = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # after the October cutoff


@pytest.fixture
def admin(app):
    return UserFactory(role="admin", name="Nermin Yönetici")


def member(name="Ayşe Yılmaz", iban=OLD):
    return ProducerFactory(user__name=name, display_name=name, iban=iban)


def proof_of(profile):
    return signin.reauthenticate(profile.user, PASSWORD, now=ASKED)


def ask(profile, iban=NEW, when=ASKED, settings=SETTINGS):
    change = iban_changes.request_change(
        profile, iban, profile.user.id, settings, proof_of(profile), now=when
    )
    db.session.commit()
    return change


def close(admin, now):
    batch, left_out = payouts.close_period(OCT_END, admin.id, SETTINGS, now=now)
    db.session.commit()
    return batch, left_out


def test_a_change_waits_out_its_hold_and_she_is_told_by_email(app):
    ayse = member()
    change = ask(ayse)
    assert (change.status, change.old_iban, change.new_iban) == ("pending", OLD, NEW)
    assert change.hold_until == ASKED + timedelta(hours=48)
    assert db.session.get(ProducerProfile, ayse.id).iban == OLD  # still the one in force
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to == ayse.user.email))
    assert "5678" in message.body  # the last four digits of the new IBAN
    assert NEW not in message.body
    assert "4 Kasım 2026 12:00" in message.body  # when it takes effect, Istanbul time
    assert "eski IBAN'ınıza" in message.body
    assert "kooperatifi arayın" in message.body  # what to do if it was not her
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "producer.iban_change_requested")
    )
    assert (event.data["old"], event.data["new"]) == ("TR32 **** 7890", "TR83 **** 5678")


def test_without_her_password_nothing_changes(app):
    ayse = member()
    wrong = signin.reauthenticate(ayse.user, "yanlis-parola-99", now=ASKED)
    for proof in (None, wrong, proof_of(member("Fatma")), signin.SignIn()):
        with pytest.raises(Forbidden):
            iban_changes.request_change(ayse, NEW, ayse.user.id, SETTINGS, proof, now=ASKED)
        db.session.rollback()
    assert db.session.scalars(select(IbanChange)).all() == []
    assert db.session.get(ProducerProfile, ayse.id).iban == OLD


def test_a_batch_before_the_hold_ends_pays_the_old_iban_and_warns(admin):
    ayse = member()
    sell(ayse)
    ask(ayse)
    batch, _left_out = close(admin, ASKED + timedelta(hours=47))
    assert [(line.producer_id, line.iban, line.amount_kurus) for line in batch.lines] == [
        (ayse.id, OLD, 85000)
    ]
    warnings = batch_warnings.warnings_for(batch, COOP_IBAN)
    assert [(h.name, h.paid_to, h.new_iban) for h in warnings.held] == [
        ("Ayşe Yılmaz", "TR32 **** 7890", "TR83 **** 5678")
    ]
    assert iban_changes.pending_change(ayse.id).status == "pending"


def test_her_first_iban_on_hold_keeps_her_out_of_the_batch_with_the_reason(admin):
    ayse = member(iban=None)
    fatma = member("Fatma Demir", iban=OLD)
    sell(ayse)
    sell(fatma)
    ask(ayse)
    batch, left_out = close(admin, ASKED + timedelta(hours=1))
    assert [line.producer_id for line in batch.lines] == [fatma.id]
    assert [(x.producer_id, x.reason, x.amount_kurus) for x in left_out] == [
        (ayse.id, "iban_on_hold", 85000)
    ]
    held = batch_warnings.warnings_for(batch, COOP_IBAN).held
    assert [(h.name, h.paid_to) for h in held] == [("Ayşe Yılmaz", None)]


def test_after_the_hold_the_batch_pays_the_new_iban(admin):
    ayse = member()
    sell(ayse)
    change = ask(ayse)
    batch, _ = close(admin, ASKED + timedelta(hours=48, minutes=1))
    assert [line.iban for line in batch.lines] == [NEW]
    db.session.refresh(change)
    assert (change.status, change.applied_at, change.confirmed_by_id) == (
        "applied",
        ASKED + timedelta(hours=48),
        None,
    )
    assert db.session.get(ProducerProfile, ayse.id).iban == NEW
    assert not batch_warnings.warnings_for(batch, COOP_IBAN)


def test_an_admins_confirmation_puts_it_in_force_before_the_hold_ends(admin):
    ayse = member()
    sell(ayse)
    change = ask(ayse)
    confirmed_at = ASKED + timedelta(hours=2)
    iban_changes.confirm(change.id, admin.id, now=confirmed_at)
    db.session.commit()
    batch, _ = close(admin, ASKED + timedelta(hours=3))
    assert [line.iban for line in batch.lines] == [NEW]
    db.session.refresh(change)
    assert (change.status, change.applied_at, change.confirmed_by_id) == (
        "applied",
        confirmed_at,
        admin.id,
    )
    with pytest.raises(Conflict):
        iban_changes.confirm(change.id, admin.id)


def test_an_admin_cancels_a_change_she_did_not_ask_for(admin):
    ayse = member()
    sell(ayse)
    change = ask(ayse)
    iban_changes.cancel(change.id, admin.id, now=ASKED + timedelta(hours=1))
    db.session.commit()
    batch, _ = close(admin, ASKED + timedelta(days=5))
    assert [line.iban for line in batch.lines] == [OLD]
    db.session.refresh(change)
    assert (change.status, change.closed_by_id) == ("cancelled", admin.id)
    bodies = [m.body for m in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]
    assert len(bodies) == 2 and "durduruldu" in bodies[1]


def test_a_new_request_supersedes_the_pending_one_and_her_old_iban_cancels_it(app):
    ayse = member()
    first = ask(ayse)
    other = "TR550006400000011112223334"
    second = ask(ayse, iban=other, when=ASKED + timedelta(hours=1))
    db.session.refresh(first)
    assert (first.status, second.status, second.old_iban) == ("superseded", "pending", OLD)
    assert second.hold_until == ASKED + timedelta(hours=49)  # a fresh hold
    back = ask(ayse, iban=OLD, when=ASKED + timedelta(hours=2))
    assert back.id == second.id and back.status == "cancelled"
    assert iban_changes.pending_change(ayse.id) is None
    assert ask(ayse, iban=OLD) is None  # the IBAN in force: nothing to do
    history = iban_changes.changes(ayse.id)
    assert [c.status for c in history] == ["cancelled", "superseded"]


def test_the_cooperatives_own_iban_is_refused(app):
    ayse = member()
    with pytest.raises(ValidationFailed, match="kooperatifin kendi hesabı"):
        ask(ayse, iban=COOP_IBAN)


def test_no_hold_configured_applies_at_once(app):
    ayse = member()
    change = ask(ayse, settings=CoopSettings(iban_hold_hours=0))
    assert (change.status, change.applied_at) == ("applied", ASKED)
    assert db.session.get(ProducerProfile, ayse.id).iban == NEW


def test_the_batch_warns_about_a_shared_iban_and_the_cooperatives_own(admin):
    ayse = member("Ayşe Yılmaz", iban=OLD)
    fatma = member("Fatma Demir", iban=OLD)
    zeynep = member("Zeynep Kaya", iban=COOP_IBAN)  # from before the refusal at entry
    elif_ = member("Elif Şahin", iban=NEW)
    for p in (ayse, fatma, zeynep, elif_):
        sell(p)
    batch, _ = close(admin, ASKED)
    warnings = batch_warnings.warnings_for(batch, COOP_IBAN)
    assert [(s.iban, sorted(s.names)) for s in warnings.shared] == [
        ("TR32 **** 7890", ["Ayşe Yılmaz", "Fatma Demir"])
    ]
    assert warnings.coop_iban == ("Zeynep Kaya",)
    assert warnings.held == ()
