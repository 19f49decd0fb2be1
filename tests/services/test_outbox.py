"""The outbox of jobs: mail (and invoices) written with the change, so a rollback sends nothing and
a commit keeps the job even with Redis down; each job runs once however many workers race for
it (RQ workers on PostgreSQL and Redis, or drains in threads); a failing job is retried with a
backoff and then gives up where a person sees it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from uuid import uuid4

import pytest
from flask import has_request_context
from sqlalchemy import func, select

from coopshop.db import db
from coopshop.models import OutboxJob, OutboxMessage, Product, utcnow
from coopshop.services.core import mail, outbox, uow
from tests.conftest import REDIS_TEST_URL
from tests.support.factories import (
    PASSWORD,
    ProducerFactory,
    ProductFactory,
    ProductImageFactory,
    UserFactory,
)
from tests.support.smtp_standin import SmtpStandin

ROOT = Path(__file__).resolve().parents[2]


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again on leaving: nothing listens there


@pytest.fixture
def smtp(app, monkeypatch):
    """Mail goes by SMTP to a stand-in that counts what it receives."""
    with SmtpStandin() as standin:
        monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
        monkeypatch.setitem(app.config, "MAIL_PORT", standin.port)
        monkeypatch.setitem(app.config, "MAIL_USE_TLS", False)
        yield standin


def test_a_rollback_sends_nothing_and_leaves_no_job(app, smtp):
    mail.queue("ayse@example.org", "Siparişiniz alındı", "Merhaba")
    assert _count(OutboxJob) == 1  # written in the transaction...
    uow.rollback()
    assert _count(OutboxJob) == 0  # ...and gone with it
    assert _count(OutboxMessage) == 0
    assert outbox.drain() == {}
    assert smtp.messages == []


def test_a_commit_runs_the_job_once_and_marks_it_done(app, smtp):
    message = mail.queue("ayse@example.org", "Siparişiniz alındı", "Merhaba")
    uow.commit()  # testing: the job runs in this process right after the commit
    assert smtp.subjects() == ["Siparişiniz alındı"]
    job = db.session.scalars(select(OutboxJob)).one()
    assert (job.kind, job.payload, job.attempts) == ("mail", {"message_id": message.id}, 0)
    assert job.done_at is not None and job.locked_at is None
    assert db.session.get(OutboxMessage, message.id).sent_at is not None
    # A done job never runs again, and a second job for the same message (a duplicate nudge, a
    # lease taken over) finds it sent.
    assert outbox.run_one(job_id=job.id, now=utcnow() + timedelta(days=1)) is None
    outbox.enqueue(mail.JOB, {"message_id": message.id})
    uow.commit()
    assert len(smtp.messages) == 1
    assert _count(OutboxJob, OutboxJob.done_at.is_not(None)) == 2
    assert smtp.messages[0]["Message-ID"] == f"<outbox-{message.id}-" + (
        f"{int(message.created_at.timestamp())}@example.org>"
    )


def test_with_redis_unreachable_the_commit_keeps_the_job_and_a_later_drain_sends_it(
    app, smtp, monkeypatch, caplog
):
    monkeypatch.setitem(app.config, "REDIS_URL", f"redis://127.0.0.1:{_closed_port()}/0")
    message = mail.queue("ayse@example.org", "Siparişiniz alındı", "Merhaba")
    started = time.monotonic()
    uow.commit()  # the nudge fails: logged, not raised
    assert time.monotonic() - started < 3
    assert "Redis unreachable: 1 outbox job(s) wait in the table" in caplog.text
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).sent_at is None
    assert smtp.messages == []
    runner = app.test_cli_runner()
    assert runner.invoke(args=["outbox", "status"]).output.startswith("due 1, later 0")
    # The sweep (cron) needs no Redis.
    result = runner.invoke(args=["outbox", "drain"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "done 1"
    assert smtp.subjects() == ["Siparişiniz alındı"]
    assert runner.invoke(args=["outbox", "drain"]).output.strip() == "nothing due"
    assert len(smtp.messages) == 1


def test_a_failing_job_is_retried_with_a_backoff_then_gives_up_visibly(app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", _closed_port())  # refused: an SMTP outage
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", False)
    monkeypatch.setitem(app.config, "OUTBOX_MAX_ATTEMPTS", 3)
    message = mail.queue("ayse@example.org", "Siparişiniz alındı", "Merhaba")
    before = utcnow()
    uow.commit()  # first attempt, at once
    job = db.session.scalars(select(OutboxJob)).one()
    assert (job.attempts, job.failed_at, job.done_at) == (1, None, None)
    assert "ConnectionRefusedError" in job.last_error
    assert before + timedelta(minutes=1) <= job.available_at <= utcnow() + timedelta(minutes=1)
    assert "ConnectionRefusedError" in db.session.get(OutboxMessage, message.id).error
    assert outbox.drain() == {}  # not due before its backoff
    assert outbox.drain(now=utcnow() + timedelta(minutes=2)) == {"retry": 1}
    db.session.expire_all()
    job = db.session.get(OutboxJob, job.id)
    assert job.attempts == 2
    assert job.available_at >= utcnow() + timedelta(minutes=3)  # 2 minutes after the 2nd try
    assert outbox.drain(now=utcnow() + timedelta(minutes=10)) == {"failed": 1}
    db.session.expire_all()
    job = db.session.get(OutboxJob, job.id)
    assert job.attempts == 3 and job.failed_at is not None
    assert outbox.drain(now=utcnow() + timedelta(days=30)) == {}  # it waits for a person
    runner = app.test_cli_runner()
    listing = runner.invoke(args=["outbox", "status"]).output
    assert listing.splitlines()[0] == "due 0, later 0, running 0, done 0, failed 1"
    assert f"failed #{job.id} mail {{'message_id': {message.id}}} after 3 attempt(s): " in listing
    assert "ConnectionRefusedError" in listing
    # The server is back; a person retries it, and it goes.
    monkeypatch.setitem(app.config, "MAIL_SERVER", "")
    assert runner.invoke(args=["outbox", "retry", "--all-failed"]).output.strip() == (
        "retried 1 job(s)"
    )
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).sent_at is not None
    assert db.session.get(OutboxJob, job.id).done_at is not None
    assert (Path(app.config["MAIL_OUTBOX_DIR"]) / f"{message.id:08d}.eml").exists()


def test_a_job_without_a_handler_fails_on_its_row_not_in_the_caller(app, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOX_MAX_ATTEMPTS", 1)
    db.session.add(OutboxJob(kind="no.such.kind", payload={}, attempts=0))
    db.session.commit()
    assert outbox.drain() == {"failed": 1}
    job = db.session.scalars(select(OutboxJob)).one()
    assert "no handler registered for outbox jobs of kind 'no.such.kind'" in job.last_error
    with pytest.raises(LookupError):
        outbox.enqueue("no.such.kind", {})


def test_without_redis_a_page_runs_its_jobs_after_the_response(app, client, monkeypatch):
    """Development: the mail of a page goes once the answer has been sent, not inside it."""
    monkeypatch.setitem(app.config, "OUTBOX_AFTER_RESPONSE", True)
    ran_in_request: list[bool] = []
    real_run_now = outbox.run_now

    def spy(*args, **kwargs):
        ran_in_request.append(has_request_context())
        return real_run_now(*args, **kwargs)

    monkeypatch.setattr(outbox, "run_now", spy)
    admin = UserFactory(role="admin")
    product = ProductFactory(status="in_review", makers=[(ProducerFactory(), 10000)])
    ProductImageFactory(product=product)  # a product goes on sale only with a photo
    db.session.commit()
    client.post("/auth/login", data={"email": admin.email, "password": PASSWORD})
    response = client.post(f"/admin/review/{product.id}/approve")
    assert response.status_code == 302
    assert ran_in_request == []  # the answer is out; the mail waits for it to be closed
    assert db.session.scalars(select(OutboxMessage.sent_at)).all() == [None]
    response.close()  # what the WSGI server does once the answer has been sent
    assert ran_in_request == [False]  # once, and outside the request
    db.session.expire_all()
    assert db.session.get(Product, product.id).status == "active"
    (message,) = db.session.scalars(select(OutboxMessage))
    assert message.sent_at is not None


def _mail_batch(count: int) -> list[int]:
    for n in range(count):
        mail.queue(f"uye{n}@example.org", f"Mesaj {n:03d}", "Merhaba")
    db.session.commit()  # a plain commit: the rows wait in the table, nothing nudged yet
    return list(db.session.scalars(select(OutboxJob.id).order_by(OutboxJob.id)))


def _assert_each_delivered_once(standin: SmtpStandin, count: int) -> None:
    subjects = Counter(standin.subjects())
    assert sorted(subjects) == [f"Mesaj {n:03d}" for n in range(count)]
    assert set(subjects.values()) == {1}, subjects.most_common(3)
    assert set(Counter(str(m["Message-ID"]) for m in standin.messages).values()) == {1}
    db.session.expire_all()
    assert _count(OutboxMessage, OutboxMessage.sent_at.is_(None)) == 0
    assert _count(OutboxJob, OutboxJob.done_at.is_(None)) == 0


@pytest.mark.postgres
def test_exactly_once_mail_under_4_concurrent_drains_on_postgresql(app, monkeypatch):
    """Four sweeps at once (four cron runs, each its own connection) over the same 200 rows."""
    with SmtpStandin(delay=0.005) as standin:
        monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
        monkeypatch.setitem(app.config, "MAIL_PORT", standin.port)
        monkeypatch.setitem(app.config, "MAIL_USE_TLS", False)
        _mail_batch(200)
        start = threading.Barrier(4)
        results: list[dict] = []

        def sweep():
            with app.app_context():
                start.wait()
                results.append(outbox.drain())
                db.session.remove()

        threads = [threading.Thread(target=sweep) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    assert sum(r.get("done", 0) for r in results) == 200
    assert sum(1 for r in results if r.get("done")) >= 2  # they really shared the work
    _assert_each_delivered_once(standin, 200)


def _clean_redis(connection, queue_name: str, rq_job_ids: list[str]) -> None:
    """Remove what this test put in Redis: its queue's keys, its workers, its jobs."""
    ours = [queue_name, *rq_job_ids]
    for key in connection.scan_iter(count=1000):
        name = key.decode()
        if any(part in name for part in ours):
            connection.delete(key)
    for member in connection.smembers("rq:workers"):
        if queue_name in member.decode():
            connection.srem("rq:workers", member)
    connection.srem("rq:queues", f"rq:queue:{queue_name}")


@pytest.mark.postgres
@pytest.mark.redis
def test_exactly_once_mail_under_4_concurrent_rq_workers_on_postgresql_and_redis(
    app, monkeypatch, tmp_path
):
    """Four `flask --app wsgi worker` processes on the real Redis, 200 messages, every row nudged
    twice in a row (so two workers reach the same row at once): 200 deliveries, one each."""
    from rq import Queue, Worker

    queue_name = f"coopshop-test-{uuid4().hex[:12]}"
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_TEST_URL)
    monkeypatch.setitem(app.config, "RQ_QUEUE", queue_name)
    connection = outbox.redis_connection()
    queue = Queue(queue_name, connection=connection)
    rq_job_ids: list[str] = []
    workers: list[subprocess.Popen] = []
    logs = []
    with SmtpStandin(delay=0.005) as standin:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("MAIL_", "FLASK_"))},
            "FLASK_CONFIG": "development",
            "REDIS_URL": REDIS_TEST_URL,
            "RQ_QUEUE": queue_name,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(standin.port),
            "MAIL_USE_TLS": "0",
            "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
            "UPLOAD_DIR": str(tmp_path / "uploads"),
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        job_ids = _mail_batch(200)
        try:
            for n in range(4):
                log = open(tmp_path / f"worker{n}.log", "w")  # noqa: SIM115 (closed below)
                logs.append(log)
                command = [sys.executable, "-m", "flask", "--app", "wsgi", "worker"]
                command += ["--no-scheduler", "--name", f"{queue_name}-w{n}"]
                workers.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=log,
                                                stderr=subprocess.STDOUT))  # fmt: skip
            deadline = time.monotonic() + 90
            while len(Worker.all(queue=queue)) < 4:  # all four listening before any job
                assert time.monotonic() < deadline, "the workers did not start"
                assert all(w.poll() is None for w in workers), "a worker exited"
                time.sleep(0.2)
            for job_id in job_ids:
                rq_job_ids += outbox.push([job_id, job_id])
            assert len(rq_job_ids) == 400
            deadline = time.monotonic() + 180
            while (
                queue.count
                or queue.started_job_registry.count
                or (_count(OutboxJob, OutboxJob.done_at.is_(None)))
            ):
                assert time.monotonic() < deadline, "the workers did not finish"
                db.session.rollback()
                time.sleep(0.3)
        finally:
            for worker in workers:
                worker.send_signal(signal.SIGTERM)  # a warm shutdown: the current job ends
            for worker in workers:
                try:
                    worker.wait(30)
                except subprocess.TimeoutExpired:
                    worker.kill()
                    worker.wait(5)
            for log in logs:
                log.close()
            _clean_redis(connection, queue_name, rq_job_ids)
    _assert_each_delivered_once(standin, 200)
    runners = Counter(db.session.scalars(select(OutboxJob.locked_by)))
    assert len(runners) >= 2, runners  # more than one worker delivered
    assert sum(runners.values()) == 200
    worked = "".join((tmp_path / f"worker{n}.log").read_text() for n in range(4))
    assert "Traceback" not in worked
