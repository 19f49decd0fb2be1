"""Reminders before an exemption certificate expires: once per certificate, by mail to the
member, listed for the admins with the expired ones; a renewed certificate is reminded again."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from coopshop.db import db
from coopshop.models import ExemptionReminder, OutboxMessage, utcnow
from coopshop.services.members import exemption_reminders, tax_status
from coopshop.services.reports.dashboard import LOCAL
from tests.services.test_payouts import producer
from tests.support.factories import UserFactory
from tests.support.invoicing_support import TCKN

TODAY = date(2026, 12, 2)


def _exempt(name, number, expires):
    member = producer(name)
    tax_status.set_tax_status(
        member.id, tax_status.TaxStatus("exempt", TCKN, number, expires), actor_id=None
    )
    return member


@pytest.fixture
def members(app):
    soon = _exempt("Ayşe Yılmaz", "MUAF-1", TODAY + timedelta(days=10))
    edge = _exempt("Fatma Demir", "MUAF-2", TODAY + timedelta(days=30))
    later = _exempt("Zeynep Kaya", "MUAF-3", TODAY + timedelta(days=31))
    gone = _exempt("Elif Şahin", "MUAF-4", TODAY - timedelta(days=1))
    sole = producer("Hatice Çelik")
    tax_status.set_tax_status(sole.id, tax_status.TaxStatus("sole_trader", "1234567890"), None)
    db.session.commit()
    return soon, edge, later, gone


def _mails():
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def test_members_in_the_window_are_mailed_once_and_admins_see_all(members):
    soon, edge, later, gone = members
    results = exemption_reminders.remind(TODAY, 30)
    db.session.commit()
    assert [(i.profile.id, i.days_left, sent) for i, sent in results] == [
        (gone.id, -1, False),  # expired: listed for the admins, not mailed
        (soon.id, 10, True),
        (edge.id, 30, True),
    ]
    mails = _mails()
    assert [m.to for m in mails] == [soon.user.email, edge.user.email]
    assert mails[0].subject == "Muafiyet belgenizin süresi doluyor"
    assert "MUAF-1" in mails[0].body and "12.12.2026" in mails[0].body
    assert "10 gün kaldı" in mails[0].body
    # the next day's run reminds no one twice; only Zeynep, new in the window, is mailed
    again = exemption_reminders.remind(TODAY + timedelta(days=1), 30)
    db.session.commit()
    assert [(i.profile.id, sent) for i, sent in again] == [
        (gone.id, False),
        (soon.id, False),
        (edge.id, False),
        (later.id, True),
    ]
    assert [m.to for m in _mails()][2:] == [later.user.email]
    listed = exemption_reminders.expiring(TODAY + timedelta(days=1), 30)
    assert all(i.reminded_at is not None for i in listed if not i.expired)


def test_a_renewed_certificate_is_reminded_again(members):
    soon, *_ = members
    exemption_reminders.remind(TODAY, 30)
    tax_status.set_tax_status(
        soon.id, tax_status.TaxStatus("exempt", TCKN, "MUAF-1B", TODAY + timedelta(days=20)), None
    )
    results = {i.profile.id: sent for i, sent in exemption_reminders.remind(TODAY, 30)}
    db.session.commit()
    assert results[soon.id] is True
    assert db.session.scalars(
        select(ExemptionReminder.exemption_number).where(ExemptionReminder.producer_id == soon.id)
    ).all() == ["MUAF-1", "MUAF-1B"]


def test_the_cli_reminds_and_lists(members, app):
    soon, edge, later, gone = members
    runner = app.test_cli_runner()
    today = utcnow().astimezone(LOCAL).date()
    # put Ayşe's certificate 5 days from the real today so the command's own date finds it
    tax_status.set_tax_status(
        soon.id, tax_status.TaxStatus("exempt", TCKN, "MUAF-1", today + timedelta(days=5)), None
    )
    db.session.commit()
    first = runner.invoke(args=["invoices", "remind-expiring", "--days", "7"])
    assert first.exit_code == 0, first.output
    line = next(ln for ln in first.output.splitlines() if ln.startswith(f"{soon.id}\t"))
    assert line.endswith("5 days\treminded now")
    second = runner.invoke(args=["invoices", "remind-expiring", "--days", "7"])
    line = next(ln for ln in second.output.splitlines() if ln.startswith(f"{soon.id}\t"))
    assert line.endswith("reminded before")
    assert len([m for m in _mails() if m.to == soon.user.email]) == 1


def test_the_admin_list(members, client, login):
    login(UserFactory(role="admin"))
    exemption_reminders.remind(utcnow().astimezone(LOCAL).date(), 3650)
    db.session.commit()
    page = client.get("/admin/members/exemptions?days=3650")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for number in ("MUAF-1", "MUAF-2", "MUAF-3", "MUAF-4"):
        assert number in html
    assert client.get("/admin/members/exemptions?days=-3").status_code == 400
