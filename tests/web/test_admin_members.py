"""The admin members pages: who may open them, the list and its filters, a member's page, and
approve / refuse / suspend / reactivate as the shop and the member see them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from coopshop.db import db
from coopshop.models import AuditEvent, CommissionRate, OutboxMessage, ProducerProfile, utcnow
from coopshop.services.books import commission, deductions, ledger_check
from tests.support.factories import (
    PASSWORD,
    CollectionFactory,
    ProducerFactory,
    ProductFactory,
    UserFactory,
)
from tests.support.sql_counter import count_queries

# Every admin page of issue 7's members, catalog and policy parts: (method, path). Ids in the
# paths exist in the fixture below (member 1, product 1, collection 1, category 1, rate 1,
# ledger transaction 1).
ROUTES = [
    ("GET", "/admin/members"),
    ("GET", "/admin/members/1"),
    ("POST", "/admin/members/1/approve"),
    ("POST", "/admin/members/1/refuse"),
    ("POST", "/admin/members/1/suspend"),
    ("POST", "/admin/members/1/reactivate"),
    ("POST", "/admin/members/1/commission"),
    ("POST", "/admin/members/1/deductions"),
    ("POST", "/admin/members/1/deductions/1/reverse"),
    ("GET", "/admin/review"),
    ("POST", "/admin/review/1/approve"),
    ("POST", "/admin/review/1/send-back"),
    ("GET", "/admin/collections"),
    ("GET", "/admin/collections/new"),
    ("POST", "/admin/collections/new"),
    ("GET", "/admin/collections/1/edit"),
    ("POST", "/admin/collections/1/edit"),
    ("GET", "/admin/categories"),
    ("GET", "/admin/categories/new"),
    ("POST", "/admin/categories/new"),
    ("GET", "/admin/categories/1/edit"),
    ("POST", "/admin/categories/1/edit"),
    ("GET", "/admin/policy"),
    ("POST", "/admin/policy"),
    ("POST", "/admin/policy/1/cancel"),
    ("GET", "/admin/products/1/commission"),
    ("POST", "/admin/products/1/commission"),
]
FORM = {
    "decision-note": "not",
    "commission-rate": "10",
    "deduction-kind": "dues",
    "deduction-amount": "100",
    "deduction-reason": "Aidat",
    "p1-reason": "Fotoğraf bulanık",
    "slug": "yeni",
    "name_tr": "Yeni",
    "position": "0",
    "target": "default",
    "rate": "10",
    "action": "save",
}


@pytest.fixture
def world(app):
    """One of everything the routes name, so a refusal is about the role, not a missing id."""
    member = ProducerFactory(membership_status="applied")
    ProductFactory(status="in_review", makers=[(member, 10_000)], collection=None)
    CollectionFactory()
    db.session.add(
        CommissionRate(scope="default", rate_bp=1400, effective_from=utcnow() + timedelta(days=3))
    )
    deductions.record_deduction(member.id, 100, "dues", "Aidat", None)
    db.session.commit()
    return member


def _log_in(client, role):
    if role == "producer":
        user = ProducerFactory().user
    else:
        user = UserFactory(role=role)
    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return user


def _snapshot():
    """What a refused request must leave untouched."""
    return (
        db.session.scalars(select(AuditEvent.id)).all(),
        db.session.scalars(select(OutboxMessage.id)).all(),
        [(p.id, p.membership_status) for p in db.session.scalars(select(ProducerProfile))],
        db.session.scalars(select(CommissionRate.id)).all(),
    )


def _own_rate(member) -> int | None:
    """Her own rate in force now (the dated policy)."""
    return commission.rates_in_force(utcnow(), [], [member.id], []).producers.get(member.id)


@pytest.mark.parametrize("role", ["customer", "producer", "staff"])
def test_every_admin_page_refuses_other_roles(client, world, role):
    _log_in(client, role)
    before = _snapshot()
    for method, path in ROUTES:
        response = client.open(path, method=method, data=FORM if method == "POST" else None)
        assert response.status_code == 403, (role, method, path)
    db.session.expire_all()
    assert _snapshot() == before
    assert ledger_check.check() == []


def test_guests_are_sent_to_log_in(client, world):
    for method, path in ROUTES:
        response = client.open(path, method=method, data=FORM if method == "POST" else None)
        assert response.status_code == 302, (method, path)
        assert response.location.startswith("/auth/login"), (method, path)


@pytest.fixture
def admin(client):
    return _log_in(client, "admin")


@pytest.mark.parametrize("path", [p for m, p in ROUTES if m == "GET"])
def test_every_admin_page_opens_for_an_admin_in_both_languages(client, world, admin, path):
    for locale in ("tr", "en"):
        client.post(f"/language/{locale}", data={"next": "/"})
        response = client.get(path)
        assert response.status_code == 200, (locale, path)
        assert f'<html lang="{locale}">' in response.get_data(as_text=True)


def test_admin_home_links_the_sections(client, admin):
    html = client.get("/admin/").get_data(as_text=True)
    for href in (
        "/admin/members",
        "/admin/review",
        "/admin/collections",
        "/admin/categories",
        "/admin/policy",
    ):
        assert f'href="{href}"' in html


def test_an_unknown_member_is_404(client, admin):
    assert client.get("/admin/members/999").status_code == 404
    assert client.post("/admin/members/999/approve", data={}).status_code == 404


# --- the list --------------------------------------------------------------------------------


def test_the_list_filters_by_status_centre_and_name(client, admin):
    for name, centre, status in [
        ("Ayşe Yılmaz", "Mamak BELMEK", "applied"),
        ("Işık Çelik", "Çankaya BELMEK", "active"),
        ("Fatma Kaya", "Mamak BELMEK", "suspended"),
    ]:
        ProducerFactory(display_name=name, user__name=name, centre=centre, membership_status=status)

    def names(**query):
        html = client.get("/admin/members", query_string=query).get_data(as_text=True)
        return [n for n in ("Ayşe Yılmaz", "Işık Çelik", "Fatma Kaya") if n in html]

    assert names() == ["Ayşe Yılmaz", "Işık Çelik", "Fatma Kaya"]
    assert names(status="applied") == ["Ayşe Yılmaz"]
    assert names(centre="Mamak BELMEK") == ["Ayşe Yılmaz", "Fatma Kaya"]
    assert names(q="isik") == ["Işık Çelik"]
    assert names(q="KAYA", status="suspended") == ["Fatma Kaya"]
    assert "Bu süzgece uyan üye yok." in client.get("/admin/members?q=yok").get_data(as_text=True)


def test_the_list_does_not_query_per_member(client, admin):
    def add(n):
        for _ in range(n):
            member = ProducerFactory()
            deductions.record_deduction(member.id, 100, "dues", "Aidat", None)
        db.session.commit()

    add(2)
    with count_queries() as few:
        assert client.get("/admin/members").status_code == 200
    add(8)
    with count_queries() as many:
        assert client.get("/admin/members").status_code == 200
    assert len(many) == len(few)


# --- decisions -------------------------------------------------------------------------------


def _shop_sees(client, product) -> bool:
    return client.get(f"/products/{product.id}").status_code == 200


def test_approving_an_application(client, admin):
    member = ProducerFactory(membership_status="applied", display_name="Sevim Demir")
    product = ProductFactory(makers=[(member, 10_000)])
    assert not _shop_sees(client, product)
    page = client.get(f"/admin/members/{member.id}").get_data(as_text=True)
    assert "Sevim Demir" in page and "Onayla" in page and "Reddet" in page

    response = client.post(f"/admin/members/{member.id}/approve", data={"decision-note": ""})
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "Üyelik onaylandı; üyeye e-posta gönderildi." in page
    db.session.expire_all()
    member = db.session.get(ProducerProfile, member.id)
    assert member.membership_status == "active"
    assert member.approved_at is not None
    message = db.session.scalars(select(OutboxMessage)).one()
    assert (message.to, message.subject) == (member.user.email, "Üyeliğiniz onaylandı")
    assert message.sent_at is not None  # delivered after the commit
    assert db.session.scalars(select(AuditEvent.action)).all() == ["member.approve"]
    assert _shop_sees(client, product)


def test_refusing_without_a_note_keeps_the_form_and_changes_nothing(client, admin):
    member = ProducerFactory(membership_status="applied")
    response = client.post(f"/admin/members/{member.id}/refuse", data={"decision-note": " "})
    assert response.status_code == 400
    assert "Bir açıklama yazın." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ProducerProfile, member.id).membership_status == "applied"
    assert db.session.scalars(select(AuditEvent)).all() == []
    assert db.session.scalars(select(OutboxMessage)).all() == []


def test_refusing_with_a_note(client, admin):
    member = ProducerFactory(membership_status="applied")
    note = "Başvurunuz için ürün fotoğrafı gerekiyor."
    response = client.post(f"/admin/members/{member.id}/refuse", data={"decision-note": note})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ProducerProfile, member.id).membership_status == "refused"
    assert note in db.session.scalars(select(OutboxMessage.body)).one()
    page = client.get(f"/admin/members/{member.id}").get_data(as_text=True)
    assert "Başvuru reddedildi" in page and note in page  # in her history


def test_suspending_hides_her_products_and_reactivating_brings_them_back(client, admin):
    member = ProducerFactory()
    product = ProductFactory(makers=[(member, 10_000)], title_tr="Yün atkı")
    assert _shop_sees(client, product)
    assert "Yün atkı" in client.get("/search?q=atki").get_data(as_text=True)

    client.post(f"/admin/members/{member.id}/suspend", data={"decision-note": "Aidat gecikti"})
    db.session.expire_all()
    assert db.session.get(ProducerProfile, member.id).membership_status == "suspended"
    assert not _shop_sees(client, product)
    assert "Yün atkı" not in client.get("/search?q=atki").get_data(as_text=True)

    client.post(f"/admin/members/{member.id}/reactivate", data={"decision-note": ""})
    db.session.expire_all()
    assert db.session.get(ProducerProfile, member.id).membership_status == "active"
    assert _shop_sees(client, product)
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["member.suspend", "member.reactivate"]


def test_a_wrong_transition_is_refused_with_a_message(client, admin):
    member = ProducerFactory(membership_status="refused")
    response = client.post(
        f"/admin/members/{member.id}/approve", data={"decision-note": ""}, follow_redirects=True
    )
    assert "Üyelik “Reddedildi” durumundan “Aktif” durumuna geçemez." in response.get_data(
        as_text=True
    )
    db.session.expire_all()
    assert db.session.get(ProducerProfile, member.id).membership_status == "refused"
    assert db.session.scalars(select(AuditEvent)).all() == []


# --- her own commission rate -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored", "status"),
    [("12,5", 1250, 302), ("%8", 800, 302), ("0", 0, 302), ("", None, 302)],
)
def test_her_own_rate(client, admin, typed, stored, status):
    member = ProducerFactory(commission_bp=1500)
    response = client.post(
        f"/admin/members/{member.id}/commission", data={"commission-rate": typed}
    )
    assert response.status_code == status
    db.session.expire_all()
    assert _own_rate(member) == stored
    event = db.session.scalars(select(AuditEvent)).one()
    assert (event.action, event.object_type, event.object_id) == (
        "member.commission",
        "ProducerProfile",
        str(member.id),
    )
    assert (event.data["from_bp"], event.data["to_bp"], event.data["scope"]) == (
        1500,
        stored,
        "producer",
    )


@pytest.mark.parametrize(
    ("typed", "message"),
    [("on beş", "Oranı 15 ya da 12,5 gibi yazın."), ("120", "Oran yüzde 100&#39;ü geçemez.")],
)
def test_a_bad_rate_is_explained_and_kept(client, admin, typed, message):
    member = ProducerFactory(commission_bp=1500)
    response = client.post(
        f"/admin/members/{member.id}/commission", data={"commission-rate": typed}
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    assert f'value="{typed}"' in html
    db.session.expire_all()
    assert _own_rate(member) == 1500
    assert len(db.session.scalars(select(CommissionRate.id)).all()) == 1  # the factory's
