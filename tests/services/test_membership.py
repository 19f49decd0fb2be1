"""services.membership: the transition table, what each decision writes (status, dates, mail,
audit), the shop's view of a suspended member, her own rate, and Turkish-aware name search."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from coopshop.db import db
from coopshop.models import AuditEvent, CommissionRate, OutboxMessage, ProducerProfile, utcnow
from coopshop.services.books import commission
from coopshop.services.catalog import listing as catalog
from coopshop.services.core.errors import InvalidTransition, ValidationFailed
from coopshop.services.members import membership
from coopshop.services.members.membership import MemberFilter
from tests.support.factories import ProducerFactory, ProductFactory, UserFactory

STATUSES = ("applied", "active", "suspended", "refused")
ALLOWED = {
    ("applied", "approve"): "active",
    ("applied", "refuse"): "refused",
    ("active", "suspend"): "suspended",
    ("suspended", "reactivate"): "active",
}


@pytest.fixture
def admin(app):
    return UserFactory(role="admin", name="Yönetici Hanım")


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", ["approve", "refuse", "suspend", "reactivate"])
def test_every_status_and_action(app, admin, status, action):
    profile = ProducerFactory(membership_status=status)
    expected = ALLOWED.get((status, action))
    if expected is None:
        with pytest.raises(InvalidTransition):
            membership.change_status(profile, action, admin.id, note="bir not")
        assert profile.membership_status == status
        assert db.session.scalars(select(AuditEvent)).all() == []
        return
    membership.change_status(profile, action, admin.id, note="bir not")
    db.session.commit()
    assert profile.membership_status == expected
    assert expected in membership.MEMBERSHIP_TRANSITIONS[status]
    assert action in membership.allowed_actions(ProducerProfile(membership_status=status))


def test_the_transitions_table_is_the_one_place():
    assert membership.MEMBERSHIP_TRANSITIONS == {
        "applied": {"active", "refused"},
        "active": {"suspended"},
        "suspended": {"active"},
        "refused": set(),
    }


def test_approve_dates_mails_and_audits(app, admin):
    profile = ProducerFactory(membership_status="applied", display_name="Sevim")
    membership.change_status(profile, "approve", admin.id, note="Hoş geldiniz")
    db.session.commit()
    assert profile.approved_at is not None
    message = db.session.scalars(select(OutboxMessage)).one()
    assert message.to == profile.user.email
    assert message.subject == "Üyeliğiniz onaylandı"
    assert "Merhaba Sevim," in message.body
    assert "Hoş geldiniz" in message.body
    event = db.session.scalars(select(AuditEvent)).one()
    assert (event.actor_id, event.action, event.object_type, event.object_id) == (
        admin.id,
        "member.approve",
        "ProducerProfile",
        str(profile.id),
    )
    assert event.data == {"from_status": "applied", "to_status": "active", "note": "Hoş geldiniz"}


def test_refusing_needs_a_note_and_sends_it(app, admin):
    profile = ProducerFactory(membership_status="applied")
    with pytest.raises(ValidationFailed) as caught:
        membership.change_status(profile, "refuse", admin.id, note="   ")
    assert caught.value.details["field"] == "note"
    assert profile.membership_status == "applied"
    membership.change_status(profile, "refuse", admin.id, note="Önce kursu bitirmeniz gerekiyor.")
    db.session.commit()
    assert profile.membership_status == "refused"
    assert profile.approved_at is None
    message = db.session.scalars(select(OutboxMessage)).one()
    assert "Önce kursu bitirmeniz gerekiyor." in message.body


def test_mail_follows_her_language(app, admin):
    profile = ProducerFactory(membership_status="active", user__locale="en")
    membership.change_status(profile, "suspend", admin.id)
    message = db.session.scalars(select(OutboxMessage)).one()
    assert message.subject == "Your membership is on hold"


def test_a_suspended_members_products_leave_the_shop_and_come_back(app, admin):
    profile = ProducerFactory()
    hers = ProductFactory(makers=[(profile, 10_000)])
    shared = ProductFactory(makers=[(profile, 5000), (ProducerFactory(), 5000)])
    other = ProductFactory()

    def for_sale():
        return set(db.session.scalars(catalog.for_sale().with_only_columns(catalog.Product.id)))

    assert for_sale() == {hers.id, shared.id, other.id}
    membership.change_status(profile, "suspend", admin.id, note="Aidat")
    db.session.commit()
    assert for_sale() == {other.id}
    membership.change_status(profile, "reactivate", admin.id)
    db.session.commit()
    assert for_sale() == {hers.id, shared.id, other.id}


def test_her_own_rate_is_set_cleared_and_audited(app, admin):
    profile = ProducerFactory()
    membership.set_commission_override(profile, 1250, admin.id)
    membership.set_commission_override(profile, 1250, admin.id)  # no change, no event
    membership.set_commission_override(profile, None, admin.id)
    db.session.commit()
    now = commission.rates_in_force(utcnow(), [], [profile.id], [])
    assert now.producer_bp([profile.id]) is None
    rows = db.session.scalars(select(CommissionRate).order_by(CommissionRate.id)).all()
    assert [(r.scope, r.producer_id, r.rate_bp) for r in rows] == [
        ("producer", profile.id, 1250),
        ("producer", profile.id, None),
    ]
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.action, e.data["from_bp"], e.data["to_bp"]) for e in events] == [
        ("member.commission", None, 1250),
        ("member.commission", 1250, None),
    ]
    with pytest.raises(ValidationFailed):
        membership.set_commission_override(profile, 10_001, admin.id)


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("ayşe", {"Ayşe Yılmaz"}),
        ("ayse", {"Ayşe Yılmaz"}),
        ("AYŞE", {"Ayşe Yılmaz"}),
        ("yilmaz", {"Ayşe Yılmaz"}),
        ("ISIK", {"Işık Çelik"}),
        ("çelik", {"Işık Çelik"}),
        ("celik", {"Işık Çelik"}),
        ("İpek", {"İpek Öztürk"}),
        ("ozturk", {"İpek Öztürk"}),
        ("k", {"Işık Çelik", "İpek Öztürk"}),
        ("xyz", set()),
        ("%", set()),
    ],
)
def test_name_search_is_turkish_aware(app, query, found):
    for name in ("Ayşe Yılmaz", "Işık Çelik", "İpek Öztürk"):
        ProducerFactory(display_name=name, user__name=name)
    page = membership.list_members(MemberFilter(q=query), 1)
    assert {p.display_name for p in page.items} == found


def test_filters_and_applications_first(app):
    ProducerFactory(display_name="Zeynep", membership_status="applied", centre="Mamak")
    ProducerFactory(display_name="Ayla", centre="Mamak")
    ProducerFactory(display_name="Berna", centre="Çankaya", membership_status="suspended")
    names = [p.display_name for p in membership.list_members(MemberFilter(), 1).items]
    assert names == ["Zeynep", "Ayla", "Berna"]
    mamak = membership.list_members(MemberFilter(centre="Mamak"), 1).items
    assert [p.display_name for p in mamak] == ["Zeynep", "Ayla"]
    suspended = membership.list_members(MemberFilter(status="suspended"), 1).items
    assert [p.display_name for p in suspended] == ["Berna"]
    assert set(membership.centres()) == {"Mamak", "Çankaya"}


def test_history_names_who_did_what(app, admin):
    profile = ProducerFactory(membership_status="applied")
    membership.change_status(profile, "approve", admin.id)
    membership.set_commission_override(profile, 1000, admin.id)
    db.session.commit()
    history = membership.history(profile.id)
    assert [(e.action, who) for e, who in history] == [
        ("member.commission", "Yönetici Hanım"),
        ("member.approve", "Yönetici Hanım"),
    ]
    assert db.session.get(ProducerProfile, profile.id).membership_status == "active"
