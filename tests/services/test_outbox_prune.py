"""Pruning the outbox (`flask outbox prune`, cron): finished jobs and sent mail older than the
keeping time go; jobs that gave up, open jobs and unsent mail stay."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from coopshop.db import db
from coopshop.models import OutboxJob, OutboxMessage, utcnow
from coopshop.services.core import mail, outbox, uow


def _ids(model) -> set[int]:
    return set(db.session.scalars(select(model.id)))


def test_prune_keeps_what_a_person_or_a_worker_still_needs(app):
    now = utcnow()
    old, recent = now - timedelta(days=40), now - timedelta(days=5)
    sent_old = mail.queue("a@example.org", "eski", "bağlantı")
    sent_recent = mail.queue("b@example.org", "yeni", "bağlantı")
    unsent_old = mail.queue("c@example.org", "gönderilmedi", "bağlantı")
    for job in db.session.scalars(select(OutboxJob)):
        job.done_at = now  # the three jobs queue() wrote: finished just now, kept
    done_old = outbox.enqueue("mail", {"message_id": sent_old.id})
    done_recent = outbox.enqueue("mail", {"message_id": sent_recent.id})
    failed_old = outbox.enqueue("mail", {"message_id": unsent_old.id})
    open_old = outbox.enqueue("mail", {"message_id": unsent_old.id}, available_at=old)
    done_old.done_at, done_recent.done_at = old, recent
    failed_old.failed_at, open_old.created_at = old, old
    sent_old.sent_at, sent_recent.sent_at = old, recent
    db.session.flush()
    before_jobs = _ids(OutboxJob)

    assert outbox.prune(30, now=now) == 1
    assert mail.prune_sent(30, now=now) == 1
    uow.commit()

    assert _ids(OutboxJob) == before_jobs - {done_old.id}
    assert {failed_old.id, open_old.id, done_recent.id} <= _ids(OutboxJob)
    assert _ids(OutboxMessage) == {sent_recent.id, unsent_old.id}


def test_the_command_uses_the_setting_and_says_what_it_deleted(app, monkeypatch):
    message = mail.queue("a@example.org", "eski", "bağlantı")
    uow.commit()  # testing: sent in this process after the commit
    db.session.get(OutboxMessage, message.id).sent_at = utcnow() - timedelta(days=3)
    for job in db.session.scalars(select(OutboxJob)):
        job.done_at = utcnow() - timedelta(days=3)
    uow.commit()
    runner = app.test_cli_runner()
    monkeypatch.setitem(app.config, "OUTBOX_KEEP_DAYS", 30)
    result = runner.invoke(args=["outbox", "prune"])
    assert result.exit_code == 0, result.output
    assert "deleted 0 finished job(s) and 0 sent message(s) older than 30 days" in result.output
    result = runner.invoke(args=["outbox", "prune", "--keep-days", "2"])
    assert "deleted 1 finished job(s) and 1 sent message(s) older than 2 days" in result.output
    assert _ids(OutboxMessage) == set()
    assert runner.invoke(args=["outbox", "prune", "--keep-days", "0"]).exit_code == 2
