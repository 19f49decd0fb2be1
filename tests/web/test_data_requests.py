"""KVKK pages through the test client: the marketing box (unticked, recorded with its time),
her data page (export zip, erasure request with her password), who may download what, and the
admin's list with deadlines where erasure is carried out."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from coopshop.db import db
from coopshop.models import AuditEvent, ConsentRecord, DataRequest, OutboxMessage, User
from coopshop.services.members import consents
from coopshop.services.members.erasure import erased_email
from tests.support.data_request_support import customer, data_json, delivered_order, unzip
from tests.support.factories import PASSWORD, ProducerFactory, ProductFactory, UserFactory

NEW_PASSWORD = "bir-kuzu-iki-keci-38"  # noqa: S105 (a test password zxcvbn accepts)


def _login(client, user, password=PASSWORD):
    response = client.post("/auth/login", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)


def _marketing_box(html: str) -> str:
    match = re.search(r'<input[^>]*name="marketing"[^>]*>', html)
    assert match, "the marketing checkbox is on the page"
    return match.group(0)


@pytest.mark.parametrize("path", ["/auth/register", "/auth/apply"])
def test_the_marketing_box_is_separate_and_unticked(client, path):
    html = client.get(path).get_data(as_text=True)
    box = _marketing_box(html)
    assert 'type="checkbox"' in box
    assert "checked" not in box
    assert "Kampanya ve duyuru e-postaları almak istiyorum" in html


def _register(client, email, **extra):
    return client.post(
        "/auth/register",
        data={
            "name": "Elif Yıldız",
            "email": email,
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
            **extra,
        },
    )


def test_registering_without_the_box_records_no_consent(client, app):
    assert _register(client, "elif@example.org").status_code == 302
    user = db.session.scalar(select(User).where(User.email == "elif@example.org"))
    assert db.session.scalars(select(ConsentRecord)).all() == []
    assert consents.may_send_marketing(user) is False
    assert consents.queue_marketing(user, "Kış pazarı", "Gelin!") is None
    assert consents.marketing_recipients() == []


def test_a_ticked_box_is_recorded_with_time_and_words_and_can_be_withdrawn(client, app):
    assert _register(client, "elif@example.org", marketing="y").status_code == 302
    user = db.session.scalar(select(User).where(User.email == "elif@example.org"))
    (row,) = db.session.scalars(select(ConsentRecord)).all()
    assert (row.user_id, row.purpose, row.granted, row.source) == (
        user.id,
        "marketing_email",
        True,
        "register",
    )
    assert row.wording == "Kampanya ve duyuru e-postaları almak istiyorum"
    assert row.recorded_at is not None
    assert consents.may_send_marketing(user) is True
    assert consents.marketing_recipients() == [user]
    queued = consents.queue_marketing(user, "Kış pazarı", "Gelin!")
    assert queued is not None and queued.to == "elif@example.org"
    db.session.rollback()

    client.post("/auth/login", data={"email": "elif@example.org", "password": NEW_PASSWORD})
    page = client.get("/account").get_data(as_text=True)
    assert "checked" in _marketing_box(page)
    assert "İzin verdiniz" in page
    # Unticking on the account page withdraws it: a new row, the old one kept.
    response = client.post("/account/consents", data={})
    assert response.status_code == 302
    rows = db.session.scalars(select(ConsentRecord).order_by(ConsentRecord.id)).all()
    assert [(r.granted, r.source) for r in rows] == [(True, "register"), (False, "account")]
    db.session.expire_all()
    assert consents.may_send_marketing(db.session.get(User, user.id)) is False
    assert consents.marketing_recipients() == []
    page = client.get("/account").get_data(as_text=True)
    assert "checked" not in _marketing_box(page)
    assert "İzni geri aldınız" in page
    # The same choice again writes nothing.
    client.post("/account/consents", data={})
    assert len(db.session.scalars(select(ConsentRecord.id)).all()) == 2
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.startswith("consent."))
    ).all()
    assert actions == ["consent.marketing_given", "consent.marketing_withdrawn"]


def test_a_closed_account_gets_no_marketing_whatever_it_said(app):
    user = UserFactory()
    consents.set_marketing(user, True, "account")
    assert consents.may_send_marketing(user) is True
    user.active = False
    assert consents.may_send_marketing(user) is False
    assert consents.may_send_marketing(None) is False


@pytest.fixture
def shoppers(local_invoicing):
    product = ProductFactory(price_kurus=30_000, stock=10)
    selin = customer("Selin Aksoy", "selin@example.org")
    zeynep = customer("Zeynep Kaya", "zeynep@example.org")
    mine = delivered_order(selin, product, 1, "Atatürk Bulvarı No: 12")
    theirs = delivered_order(zeynep, product, 2, "Tunalı Hilmi Cad. 88/3")
    return selin, zeynep, mine, theirs


def test_she_downloads_her_zip_and_nobody_else_can(client, app, shoppers):
    selin, zeynep, mine, theirs = shoppers
    _login(client, selin)
    assert "Verilerimi indir" in client.get("/account/data").get_data(as_text=True)
    response = client.post("/account/data/export")
    assert response.status_code == 302
    request = db.session.scalars(select(DataRequest)).one()
    assert response.location.endswith(f"/account/data/{request.id}/download")

    download = client.get(response.location)
    assert download.status_code == 200
    assert download.headers["Content-Type"] == "application/zip"
    assert "attachment" in download.headers["Content-Disposition"]
    assert download.headers["Cache-Control"] == "no-store"
    files = unzip(download.data)
    assert [o["number"] for o in data_json(files)["orders"]] == [mine.number]
    assert theirs.number not in "".join(files.values())

    # Zeynep (and a guest, an admin) cannot open Selin's export by its id.
    client.post("/auth/logout")
    _login(client, zeynep)
    assert client.get(f"/account/data/{request.id}/download").status_code == 404
    assert client.get("/account/data/999999/download").status_code == 404
    client.post("/auth/logout")
    assert client.get(f"/account/data/{request.id}/download").status_code == 302  # to login
    admin = UserFactory(role="admin")
    _login(client, admin)
    assert client.get(f"/account/data/{request.id}/download").status_code == 404


def test_erasure_by_the_page_then_by_an_admin(client, app, shoppers):
    selin, zeynep, mine, theirs = shoppers
    _login(client, selin)
    wrong = client.post("/account/data/erasure", data={"password": "yanlis-parola-12"})
    assert wrong.status_code == 400
    assert "Parola yanlış" in wrong.get_data(as_text=True)
    assert db.session.scalars(select(DataRequest)).all() == []

    response = client.post("/account/data/erasure", data={"password": PASSWORD})
    assert response.status_code == 302
    request = db.session.scalars(select(DataRequest)).one()
    assert (request.kind, request.status) == ("erasure", "pending")
    page = client.get("/account/data").get_data(as_text=True)
    assert "Silme talebiniz alındı" in page
    receipt = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.subject == "Veri silme talebinizi aldık")
    ).one()
    assert receipt.to == "selin@example.org"

    # A customer or the staff cannot carry it out; an admin sees it with its deadline.
    client.post("/auth/logout")
    staff = UserFactory(role="staff")
    _login(client, staff)
    assert client.post(f"/admin/data-requests/{request.id}/erase").status_code == 403
    client.post("/auth/logout")
    admin = UserFactory(role="admin")
    _login(client, admin)
    listing = client.get("/admin/data-requests").get_data(as_text=True)
    assert "Selin Aksoy" in listing
    assert "Son gün" in listing
    assert "Verileri sil ve hesabı kapat" in listing

    done = client.post(f"/admin/data-requests/{request.id}/erase", follow_redirects=True)
    assert done.status_code == 200
    assert "Veriler silindi" in done.get_data(as_text=True)
    assert client.post("/admin/data-requests/999999/erase").status_code == 404

    # Her old login is refused; the address registers anew.
    client.post("/auth/logout")
    refused = client.post("/auth/login", data={"email": "selin@example.org", "password": PASSWORD})
    assert refused.status_code == 200
    assert "E-posta ya da parola yanlış" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, selin.id).email == erased_email(selin.id)
    assert _register(client, "selin@example.org").status_code == 302
    assert db.session.scalar(select(User.id).where(User.email == "selin@example.org")) != selin.id


def test_a_refusal_needs_its_reason(client, app):
    member = ProducerFactory()
    admin = UserFactory(role="admin")
    _login(client, member.user)
    client.post("/account/data/erasure", data={"password": PASSWORD})
    request = db.session.scalars(select(DataRequest)).one()
    client.post("/auth/logout")
    _login(client, admin)
    empty = client.post(
        f"/admin/data-requests/{request.id}/refuse", data={f"r{request.id}-note": ""}
    )
    assert empty.status_code == 400
    assert "Reddetme gerekçesini yazın." in empty.get_data(as_text=True)
    ok = client.post(
        f"/admin/data-requests/{request.id}/refuse",
        data={f"r{request.id}-note": "Vergi kaydı için bekleniyor."},
    )
    assert ok.status_code == 302
    db.session.expire_all()
    assert db.session.get(DataRequest, request.id).status == "refused"
