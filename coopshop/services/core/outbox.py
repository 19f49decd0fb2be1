"""The outbox of slow jobs (mail, invoices): written in the business change's own transaction,
run after its commit.

A service calls ``enqueue(kind, payload)``: the row commits or rolls back with the change, so a
rollback sends nothing and a commit keeps the job even when Redis is down. After the commit a
nudge puts one RQ job per new row on Redis (``REDIS_URL``), which ``flask --app wsgi worker``
runs; without Redis (development, tests) those rows run in this process, after the response in
a page. A nudge lost to a Redis outage costs nothing but time: ``flask outbox drain`` (cron) runs
every due row.

A worker claims its row with ``SELECT ... FOR UPDATE SKIP LOCKED``, runs the kind's handler and
marks the row done in that same transaction, so concurrent workers run each job once and a done
job never runs again. A handler that commits on its own (issuing an invoice commits its claim
before calling the integrator) is covered by the lease the claim writes (``locked_at``). A
failure is retried with a backoff and after OUTBOX_MAX_ATTEMPTS waits for a person
(``flask outbox status``, ``flask outbox retry``). On SQLite there is no row locking: one
development process.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select

from coopshop.db import db
from coopshop.models import OutboxJob, utcnow
from coopshop.services.core import locks, uow
from coopshop.services.core.errors import NotFound

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=10)  # a claim a crashed worker left is taken over after this
RQ_FUNCTION = "coopshop.services.core.outbox.run_job"  # what an RQ worker imports and calls
RQ_JOB_TIMEOUT = 120  # seconds; every partner call inside a job has a shorter timeout of its own
_RUNNING = "coopshop.outbox.running"  # session.info: jobs are running here; ids still to run
DEFER = "coopshop.outbox.defer"  # app.extensions: how the web layer runs work after the response

# A handler gets the job's payload and returns None when the job is done, or the time it wants
# to run again (an invoice whose integrator asked for a later try): that is not a failure.
Handler = Callable[[dict], datetime | None]
_handlers: dict[str, Handler] = {}


class GiveUp(Exception):  # noqa: N818 (a decision, not an error of the code)
    """Raised by a handler whose job can never succeed (a partner's permanent refusal: a number
    it will not text, credentials it refuses): the job is marked failed at once with the reason,
    for a person to look at, instead of being retried."""


_on_failure: dict[str, Callable[[dict, str], None]] = {}


def register(
    kind: str, handler: Handler, on_failure: Callable[[dict, str], None] | None = None
) -> None:
    """Name the function that runs jobs of ``kind`` (each wing registers its own at start);
    ``on_failure(payload, error)`` runs in the transaction that records a failed attempt."""
    _handlers[kind] = handler
    if on_failure is not None:
        _on_failure[kind] = on_failure


def enqueue(kind: str, payload: dict, available_at: datetime | None = None) -> OutboxJob:
    """Record a job in the current transaction; it runs after the commit (never on rollback)."""
    if kind not in _handlers:
        raise LookupError(f"no handler registered for outbox jobs of kind {kind!r}")
    job = OutboxJob(kind=kind, payload=payload, available_at=available_at or utcnow(), attempts=0)
    db.session.add(job)
    db.session.flush()
    uow.after_commit(Nudge()).job_ids.append(job.id)
    return job


@dataclass(eq=False)
class Nudge:
    """The after-commit effect that starts the transaction's new jobs. All nudges are equal, so
    a transaction queues one, which collects every row it wrote."""

    job_ids: list[int] = field(default_factory=list)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Nudge)

    __hash__ = None  # type: ignore[assignment]  (mutable)

    def __call__(self) -> None:
        if not self.job_ids:
            return
        if current_app.config.get("REDIS_URL"):
            push(self.job_ids)
            return
        run = partial(run_now, list(self.job_ids))
        defer = current_app.extensions.get(DEFER)
        if current_app.config.get("OUTBOX_AFTER_RESPONSE") and defer is not None and defer(run):
            return
        run()


# -- Redis -----------------------------------------------------------------------------------------


def redis_connection(for_worker: bool = False):
    """This app's Redis client. A page's client gives up within seconds (a dead Redis must not
    hold an answer); a worker's blocks on the queue as long as it likes."""
    from redis import Redis

    url = current_app.config["REDIS_URL"]
    clients = current_app.extensions.setdefault("coopshop.redis", {})
    client = clients.get((url, for_worker))
    if client is None:
        client = (
            Redis.from_url(url)
            if for_worker
            else Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
        )
        clients[(url, for_worker)] = client
    return client


def rq_queue(for_worker: bool = False):
    from rq import Queue

    return Queue(current_app.config["RQ_QUEUE"], connection=redis_connection(for_worker))


def push(job_ids: Iterable[int], at: datetime | None = None) -> list[str]:
    """Put one RQ job per outbox row on Redis (at ``at``, for a retry: the worker's scheduler
    moves it to the queue then). Returns the RQ job ids that went; on a Redis failure the rows
    stay due in the table for ``flask outbox drain`` and the failure is logged, never raised."""
    from redis.exceptions import RedisError

    ids = list(job_ids)
    pushed: list[str] = []
    try:
        queue = rq_queue()
        if at is None:  # one round trip for all of a transaction's jobs
            jobs = queue.enqueue_many(
                [
                    queue.prepare_data(RQ_FUNCTION, (job_id,), timeout=RQ_JOB_TIMEOUT,
                                       result_ttl=0, description=f"outbox {job_id}")
                    for job_id in ids
                ]
            )  # fmt: skip
            pushed += [job.id for job in jobs]
        else:
            for job_id in ids:
                job = queue.enqueue_at(at, RQ_FUNCTION, job_id, job_timeout=RQ_JOB_TIMEOUT,
                                       result_ttl=0, description=f"outbox {job_id}")  # fmt: skip
                pushed.append(job.id)
    except (RedisError, OSError) as exc:
        log.warning(
            "Redis unreachable: %d outbox job(s) wait in the table for the sweep: %s",
            len(ids) - len(pushed),
            exc,
        )
    return pushed


# -- Running jobs ----------------------------------------------------------------------------------


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:120]


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, ... minutes after each failed attempt, at most 6 hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def _due(now: datetime):
    return (
        select(OutboxJob)
        .where(
            OutboxJob.done_at.is_(None),
            OutboxJob.failed_at.is_(None),
            OutboxJob.available_at <= now,
            or_(OutboxJob.locked_at.is_(None), OutboxJob.locked_at < now - LEASE),
        )
        .order_by(OutboxJob.available_at, OutboxJob.id)
    )


def run_one(
    job_id: int | None = None,
    now: datetime | None = None,
    exclude: Iterable[int] = (),
    kinds: Iterable[str] | None = None,
) -> tuple[int, str] | None:
    """Claim one due job (``job_id``, else the oldest due), run it and record what became of it.
    Returns (id, outcome) with outcome "done", "later", "retry" or "failed"; None when there was
    nothing to claim (done already, held by another worker, not due, or no such row)."""
    now = now or utcnow()
    query = _due(now)
    if job_id is not None:
        query = query.where(OutboxJob.id == job_id)
    if exclude := list(exclude):
        query = query.where(OutboxJob.id.not_in(exclude))
    if kinds is not None:
        query = query.where(OutboxJob.kind.in_(list(kinds)))
    job = db.session.scalars(
        query.limit(1).with_for_update(skip_locked=True).execution_options(populate_existing=True)
    ).first()
    if job is None:
        uow.commit()
        return None
    ident, kind, payload = job.id, job.kind, dict(job.payload or {})
    job.locked_by, job.locked_at = worker_name(), now
    try:
        handler = _handlers.get(kind)
        if handler is None:
            raise LookupError(f"no handler registered for outbox jobs of kind {kind!r}")
        later = handler(payload)
    except Exception as exc:  # any failure of a job is recorded on its row, never lost
        uow.rollback()
        return ident, _record_failure(ident, kind, payload, exc, now)
    # A handler that committed on its own leaves the row expired: this reloads it.
    job = db.session.get(OutboxJob, ident)
    job.locked_at = None  # locked_by stays: who ran it last
    if later is not None:
        job.available_at = later
        outcome = "later"
    else:
        job.done_at = utcnow()
        outcome = "done"
    uow.commit()
    if outcome == "later" and current_app.config.get("REDIS_URL"):
        push([ident], at=later)
    return ident, outcome


def _record_failure(ident: int, kind: str, payload: dict, exc: Exception, now: datetime) -> str:
    error = f"{type(exc).__name__}: {exc}"[:2000]
    job = locks.lock_row(OutboxJob, ident)
    if job is None or job.done_at is not None:
        uow.commit()
        return "done"
    job.attempts += 1
    job.last_error = error
    job.locked_at = None
    if isinstance(exc, GiveUp) or job.attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
        job.failed_at = now
        outcome = "failed"
        log.error("outbox job %s (%s) gave up after %d attempts: %s", ident, kind, job.attempts,
                  error)  # fmt: skip
    else:
        job.available_at = now + backoff(job.attempts)
        outcome = "retry"
        log.warning("outbox job %s (%s) failed, retried at %s: %s", ident, kind,
                    job.available_at, error)  # fmt: skip
    retry_at = job.available_at
    if kind in _on_failure:
        _on_failure[kind](payload, error)
    uow.commit()
    if outcome == "retry" and current_app.config.get("REDIS_URL"):
        push([ident], at=retry_at)
    return outcome


def run_job(job_id: int) -> str | None:
    """What an RQ worker runs for one nudge: that row, if it is still due and free."""
    result = run_one(job_id=job_id)
    return None if result is None else result[1]


def run_now(job_ids: Iterable[int]) -> None:
    """Run these jobs in this process (no Redis): what a nudge does in development and tests,
    the same one job per row that an RQ worker would run. Jobs the running ones queue (an
    issued invoice's mail) are run by the same loop, not by a run nested inside it."""
    pending = db.session.info.get(_RUNNING)
    if pending is not None:
        pending.extend(job_ids)
        return
    pending = db.session.info[_RUNNING] = list(job_ids)
    try:
        while pending:
            run_one(job_id=pending.pop(0))
    finally:
        db.session.info.pop(_RUNNING, None)


def drain(
    now: datetime | None = None, limit: int = 1000, kinds: Iterable[str] | None = None
) -> dict[str, int]:
    """Run every due job, oldest first, each at most once per call (the sweep: cron and the
    CLI; it picks up what a Redis outage left). Returns a count per outcome. Safe to run in
    several processes at once; called while jobs run in this session, it leaves them to it."""
    if db.session.info.get(_RUNNING) is not None:
        return {}
    pending = db.session.info[_RUNNING] = []
    counts: dict[str, int] = {}
    seen: list[int] = []
    try:
        while len(seen) < limit:
            result = run_one(now=now, exclude=seen, kinds=kinds)
            if result is None:
                break
            ident, outcome = result
            seen.append(ident)
            counts[outcome] = counts.get(outcome, 0) + 1
        while pending:  # queued by the jobs above and not due at ``now``
            run_one(job_id=pending.pop(0))
    finally:
        db.session.info.pop(_RUNNING, None)
    return counts


# -- For a person: what waits, what gave up -------------------------------------------------------


@dataclass(frozen=True)
class Status:
    due: int  # waiting to run now
    later: int  # waiting for a retry or a later time
    running: int  # claimed by a worker (lease)
    done: int
    failed: list[OutboxJob]  # gave up: a person looks


def status(now: datetime | None = None, failed_limit: int = 50) -> Status:
    now = now or utcnow()
    open_ = (OutboxJob.done_at.is_(None), OutboxJob.failed_at.is_(None))

    def count(*where) -> int:
        return db.session.scalar(select(func.count(OutboxJob.id)).where(*where)) or 0

    leased = OutboxJob.locked_at >= now - LEASE
    free = or_(OutboxJob.locked_at.is_(None), ~leased)
    return Status(
        due=count(*open_, OutboxJob.available_at <= now, free),
        later=count(*open_, OutboxJob.available_at > now, free),
        running=count(*open_, leased),
        done=count(OutboxJob.done_at.is_not(None)),
        failed=list(
            db.session.scalars(
                select(OutboxJob)
                .where(OutboxJob.failed_at.is_not(None), OutboxJob.done_at.is_(None))
                .order_by(OutboxJob.id)
                .limit(failed_limit)
            )
        ),
    )  # fmt: skip


def retry_one(job_id: int) -> OutboxJob:
    """An admin's retry of one job that gave up (the admin page's button)."""
    if not retry([job_id]):
        raise NotFound(_l("Yeniden denenecek iş bulunamadı; belki zaten gönderildi."))
    return db.session.get(OutboxJob, job_id)


def retry(job_ids: Iterable[int] | None = None) -> list[int]:
    """Give failed jobs (these, or every one) a fresh set of attempts, due now; they run after
    the commit. Returns the ids retried."""
    query = select(OutboxJob).where(OutboxJob.failed_at.is_not(None), OutboxJob.done_at.is_(None))
    if job_ids is not None:
        query = query.where(OutboxJob.id.in_(list(job_ids)))
    retried = []
    nudge = uow.after_commit(Nudge())
    for job in db.session.scalars(query.order_by(OutboxJob.id).with_for_update()):
        job.failed_at = None
        job.attempts = 0
        job.available_at = utcnow()
        retried.append(job.id)
        nudge.job_ids.append(job.id)
    db.session.flush()
    return retried


def prune(keep_days: int, now: datetime | None = None) -> int:
    """Delete jobs finished more than ``keep_days`` ago; returns how many. Jobs that gave up are
    kept until a person retries them, and open ones are never touched."""
    cutoff = (now or utcnow()) - timedelta(days=keep_days)
    result = db.session.execute(
        delete(OutboxJob).where(OutboxJob.done_at.is_not(None), OutboxJob.done_at < cutoff)
    )
    return result.rowcount or 0
