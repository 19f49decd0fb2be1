"""The admin page of background jobs: what waits and what gave up, with the last error, and a
retry that sends a mail that gave up once (never one that was sent)."""

from __future__ import annotations

import socket
from datetime import timedelta

from sqlalchemy import select

from coopshop.db import db
from coopshop.models import OutboxJob, OutboxMessage, utcnow
from coopshop.services.core import mail, outbox
from tests.support.factories import UserFactory


def _given_up_mail(app, monkeypatch) -> OutboxJob:
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    monkeypatch.setitem(app.config, "MAIL_PORT", closed)  # nothing listens: refused
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", False)
    monkeypatch.setitem(app.config, "OUTBOX_MAX_ATTEMPTS", 2)
    mail.queue("ayse@example.org", "Siparişiniz alındı", "Merhaba")
    db.session.commit()
    outbox.drain()
    outbox.drain(now=utcnow() + timedelta(minutes=5))
    job = db.session.scalars(select(OutboxJob)).one()
    assert job.failed_at is not None
    monkeypatch.setitem(app.config, "MAIL_SERVER", "")  # the server is back (the folder, here)
    return job


def test_admins_see_the_jobs_that_gave_up_and_retry_one(app, client, login, monkeypatch):
    job = _given_up_mail(app, monkeypatch)
    login(UserFactory(role="staff"))
    assert client.get("/admin/jobs").status_code == 403
    client.post("/auth/logout")
    login(UserFactory(role="admin"))
    page = client.get("/admin/jobs").get_data(as_text=True)
    assert "Denemeleri biten işler" in page and "E-posta" in page
    assert "ConnectionRefusedError" in page and "Yeniden dene" in page
    response = client.post(f"/admin/jobs/{job.id}/retry", follow_redirects=True)
    assert "İş yeniden sıraya alındı." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(OutboxJob, job.id).done_at is not None
    assert db.session.scalars(select(OutboxMessage.sent_at)).one() is not None
    assert "Denemeleri biten iş yok." in client.get("/admin/jobs").get_data(as_text=True)
    again = client.post(f"/admin/jobs/{job.id}/retry", follow_redirects=True)
    assert "Yeniden denenecek iş bulunamadı" in again.get_data(as_text=True)
    assert client.post("/admin/jobs/999999/retry", follow_redirects=True).status_code == 200
