"""/admin/audit: filters, newest first, paging, who/when/what shown; and the log is
append-only: no route edits it, the ORM refuses, and the database refuses (SQLite and
PostgreSQL), whether its tables came from create_all() or from the migrations."""

from __future__ import annotations

import html
import os
import re
from datetime import UTC, datetime, timedelta

import flask_migrate
import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from coopshop.db import db
from coopshop.models import AuditEvent
from coopshop.models.audit import AuditImmutableError
from coopshop.services.core import audit
from tests.support.factories import ProducerFactory, UserFactory
from tests.support.sql_counter import count_queries
from tests.test_migrations import _trigger_names, empty_app  # noqa: F401  (fixture)

POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql"))


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def event(actor, action, obj_type="", obj_id="", when=None, **data) -> AuditEvent:
    row = audit.record(actor.id if actor else None, action, **data)
    row.object_type, row.object_id = obj_type, obj_id
    row.created_at = when or at(2026, 3, 1, 9)
    return row


@pytest.fixture
def admin(login):
    user = UserFactory(role="admin", name="Selma Yönetici", email="selma@example.org")
    login(user)
    return user


@pytest.fixture
def log(admin):
    staff = UserFactory(role="staff", name="Hatice Kasa", email="hatice@example.org")
    member = ProducerFactory(user__name="Gülsüm Aksoy").user
    events = {
        "approve": event(admin, "payout.approved", "PayoutBatch", "7", at(2026, 3, 2, 8)),
        "paid": event(admin, "payout.paid", "PayoutBatch", "7", at(2026, 3, 3, 8), bank="Ziraat"),
        "refund": event(
            staff,
            "refund.created",
            "Order",
            "12",
            at(2026, 3, 31, 22, 30),  # 1 April 01:30 in Istanbul
            amount_kurus=1500,
            reason="Leke var",
        ),
        "applied": event(member, "membership.applied", "ProducerProfile", "3", at(2026, 2, 1)),
        "webhook": event(None, "payment.after_expiry", "Order", "12", at(2026, 4, 2, 12)),
    }
    db.session.commit()
    return events, {"admin": admin, "staff": staff, "member": member}


def actions(response) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return re.findall(r'data-action="([^"]+)"', response.get_data(as_text=True))


def test_everything_newest_first_with_who_when_and_data(client, log):
    response = client.get("/admin/audit")
    assert actions(response) == [
        "payment.after_expiry",
        "refund.created",
        "payout.paid",
        "payout.approved",
        "membership.applied",
    ]
    page = html.unescape(response.get_data(as_text=True))
    assert "Hatice Kasa" in page and "Görevli" in page and "Sistem" in page
    assert "1 Nis 2026 01:30:00" in page  # shown in Istanbul time
    # Details in words, money as money; no stored code or raw JSON reaches the page.
    text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert "Gerekçe: Leke var" in text and "Tutar: ₺15,00" in text
    assert "İade yapıldı" in page and "Süresi dolmuş siparişe ödeme geldi" in page
    assert '"amount_kurus"' not in page and "refund.created<" not in page
    assert "5 kayıt" in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"action": "payout."}, ["payout.paid", "payout.approved"]),
        ({"action": "payout.p"}, ["payout.paid"]),
        ({"action": "%"}, []),  # a LIKE wildcard is only a character here
        ({"actor": "hatice"}, ["refund.created"]),
        ({"actor": "selma@"}, ["payout.paid", "payout.approved"]),
        ({"role": "producer"}, ["membership.applied"]),
        ({"role": "system"}, ["payment.after_expiry"]),
        ({"object_type": "Order"}, ["payment.after_expiry", "refund.created"]),
        ({"object_type": "Order", "object_id": "12", "role": "staff"}, ["refund.created"]),
        ({"object_type": "PayoutBatch", "object_id": "8"}, []),
        # Istanbul days: 31 March 22:30 UTC is 1 April.
        ({"start": "2026-04-01", "end": "2026-04-01"}, ["refund.created"]),
        ({"start": "2026-03-02", "end": "31.03.2026"}, ["payout.paid", "payout.approved"]),
    ],
)
def test_filters(client, log, query, expected):
    assert actions(client.get("/admin/audit", query_string=query)) == expected


def test_actor_by_user_number(client, log):
    _, people = log
    response = client.get("/admin/audit", query_string={"actor": str(people["member"].id)})
    assert actions(response) == ["membership.applied"]


def test_bad_dates_are_explained_and_kept(client, admin):
    response = client.get("/admin/audit", query_string={"start": "2026-13-01"})
    assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    assert "Tarihi GG.AA.YYYY ya da YYYY-AA-GG olarak girin." in page
    assert 'value="2026-13-01"' in page
    response = client.get("/admin/audit", query_string={"start": "2026-04-02", "end": "2026-04-01"})
    assert "Bitiş tarihi başlangıçtan önce olamaz." in html.unescape(
        response.get_data(as_text=True)
    )


def test_pages_of_fifty_keep_the_filter(client, admin):
    for i in range(60):
        event(admin, "stock.adjusted", "Product", str(i), at(2026, 3, 1) + timedelta(minutes=i))
    event(admin, "payout.approved", "PayoutBatch", "1", at(2026, 5, 1))
    db.session.commit()
    first = client.get("/admin/audit", query_string={"action": "stock."})
    assert len(actions(first)) == 50
    page = first.get_data(as_text=True)
    assert 'href="/admin/audit?page=2&amp;action=stock." rel="next"' in page
    assert 'href="/admin/audit?object_type=Product&amp;object_id=59"' in page  # newest first
    second = client.get("/admin/audit", query_string={"action": "stock.", "page": 2})
    assert len(actions(second)) == 10
    assert 'href="/admin/audit?object_type=Product&amp;object_id=0"' in second.get_data(
        as_text=True
    )


def test_the_page_costs_the_same_queries_for_5_and_60_events(client, admin):
    def count() -> int:
        with count_queries() as statements:
            assert client.get("/admin/audit").status_code == 200
        return len(statements)

    for i in range(5):
        event(admin, f"price.changed.{i}", "Product", str(i))
    db.session.commit()
    few = count()
    for i in range(55):
        event(UserFactory(role="staff"), f"stock.adjusted.{i}", "Product", str(i))
    db.session.commit()
    assert count() == few


@pytest.mark.parametrize("role", ["customer", "producer", "staff"])
def test_only_admins_read_the_log(client, login, role):
    login(ProducerFactory().user if role == "producer" else UserFactory(role=role))
    assert client.get("/admin/audit").status_code == 403


def test_no_route_writes_to_the_log(app, client, admin):
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/admin/audit")]
    assert [r.rule for r in rules] == ["/admin/audit"]
    assert rules[0].methods - {"GET", "HEAD", "OPTIONS"} == set()
    for method in ("post", "put", "patch", "delete"):
        assert getattr(client, method)("/admin/audit").status_code == 405


# --- append-only ---------------------------------------------------------------------------


@pytest.fixture
def one_event(app):
    row = audit.record(None, "payout.approved", reason="ilk")
    db.session.commit()
    return row


def test_the_orm_refuses_to_change_an_event(one_event):
    one_event.action = "payout.cancelled"
    with pytest.raises(AuditImmutableError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(one_event)
    with pytest.raises(AuditImmutableError):
        db.session.flush()
    db.session.rollback()
    for statement in (
        update(AuditEvent).values(action="x"),
        delete(AuditEvent),
        update(AuditEvent.__table__).values(action="x"),
    ):
        with pytest.raises(AuditImmutableError):
            db.session.execute(statement)
        db.session.rollback()
    assert db.session.scalars(select(AuditEvent.action)).all() == ["payout.approved"]


def test_adding_events_still_works(one_event):
    audit.record(None, "payout.paid")
    db.session.commit()
    assert db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all() == [
        "payout.approved",
        "payout.paid",
    ]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET action = 'payout.cancelled'",
        "DELETE FROM audit_events",
        *(["TRUNCATE audit_events"] if POSTGRES else []),
    ],
)
def test_the_database_refuses_raw_sql(one_event, statement):
    with db.engine.connect() as conn:
        with pytest.raises(DBAPIError, match="append-only"):
            conn.execute(text(statement))
        conn.rollback()
        assert conn.execute(text("SELECT action FROM audit_events")).scalars().all() == [
            "payout.approved"
        ]


def test_the_migration_makes_the_log_append_only_and_undoes_it(empty_app):  # noqa: F811
    with empty_app.app_context():
        flask_migrate.upgrade()
        expected = (
            {"audit_events_append_only"}
            if POSTGRES
            else {"audit_events_no_update", "audit_events_no_delete"}
        )
        assert expected <= _trigger_names()
        with db.engine.connect() as conn:
            conn.execute(
                text(
                    "INSERT INTO audit_events (action, object_type, object_id, data, created_at) "
                    "VALUES ('payout.approved', '', '', '{}', CURRENT_TIMESTAMP)"
                )
            )
            conn.commit()
            with pytest.raises(DBAPIError, match="append-only"):
                conn.execute(text("UPDATE audit_events SET action = 'x'"))
            conn.rollback()
        flask_migrate.downgrade(revision="0005")
        assert not expected & _trigger_names()
        with db.engine.connect() as conn:
            conn.execute(text("DELETE FROM audit_events"))  # allowed again once undone
            conn.commit()
