"""The background side: ``flask --app wsgi worker`` (an RQ worker over REDIS_URL that runs the
outbox's jobs) and ``flask --app wsgi outbox status|drain|retry|prune`` (what waits, what gave
up; the sweep that runs due jobs without Redis, from cron; a person's retry; the daily prune)."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup

outbox_cli = AppGroup("outbox", help="Background jobs waiting in the outbox (mail, invoices).")


def _worker_class(app: Flask):
    """An RQ SimpleWorker (no fork per job: the jobs are short, each partner call has a short
    timeout) that runs every job in a fresh app context of ``app``, so each job has its own
    database session."""
    from rq import SimpleWorker

    from coopshop.db import db

    class AppWorker(SimpleWorker):
        def execute_job(self, job, queue):
            with app.app_context():
                try:
                    return super().execute_job(job, queue)
                finally:
                    db.session.remove()

    return AppWorker


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty (tests, one-off runs).")
@click.option(
    "--scheduler/--no-scheduler",
    default=True,
    show_default=True,
    help="Also move scheduled retries to the queue when they fall due.",
)
@click.option("--name", default=None, help="This worker's name (default: host and process id).")
def worker_command(burst: bool, scheduler: bool, name: str | None) -> None:
    """Run outbox jobs from Redis (REDIS_URL, queue RQ_QUEUE). Start as many as you like, on as
    many machines: each job is claimed by one of them."""
    from coopshop.services.core import outbox

    app = current_app._get_current_object()
    if not app.config.get("REDIS_URL"):
        click.echo("error: REDIS_URL is not set; without Redis, run `flask outbox drain`", err=True)
        sys.exit(1)
    queue = outbox.rq_queue(for_worker=True)
    worker = _worker_class(app)([queue], connection=queue.connection, name=name)
    worker.work(burst=burst, with_scheduler=scheduler, logging_level="INFO")


@outbox_cli.command("status")
def status_command() -> None:
    """Count jobs by state and list the ones that gave up, with their last error."""
    from coopshop.services.core import outbox

    state = outbox.status()
    click.echo(
        f"due {state.due}, later {state.later}, running {state.running}, "
        f"done {state.done}, failed {len(state.failed)}"
    )
    for job in state.failed:
        click.echo(
            f"failed #{job.id} {job.kind} {job.payload} after {job.attempts} attempt(s): "
            f"{job.last_error}"
        )


@outbox_cli.command("drain")
@click.option("--limit", default=1000, show_default=True, help="At most this many jobs per run.")
def drain_command(limit: int) -> None:
    """Run every due job in this process (cron: picks up what a Redis outage left)."""
    from coopshop.services.core import outbox

    counts = outbox.drain(limit=limit)
    if not counts:
        click.echo("nothing due")
        return
    click.echo(", ".join(f"{outcome} {n}" for outcome, n in sorted(counts.items())))


@outbox_cli.command("retry")
@click.argument("job_ids", nargs=-1, type=int)
@click.option("--all-failed", is_flag=True, help="Every job that gave up.")
def retry_command(job_ids: tuple[int, ...], all_failed: bool) -> None:
    """Give failed jobs a fresh set of attempts (by id, or --all-failed)."""
    from coopshop.services.core import outbox, uow

    if not job_ids and not all_failed:
        click.echo("error: name the job ids or pass --all-failed", err=True)
        sys.exit(2)
    retried = outbox.retry(None if all_failed else job_ids)
    uow.commit()
    click.echo(f"retried {len(retried)} job(s)")


@outbox_cli.command("prune")
@click.option(
    "--keep-days",
    type=click.IntRange(min=1),
    default=None,
    help="Keep this many days (default OUTBOX_KEEP_DAYS).",
)
def prune_command(keep_days: int | None) -> None:
    """Delete finished jobs and sent mail older than the keeping time (cron, daily). Jobs that
    gave up and mail not yet sent are kept."""
    from coopshop.services.core import mail, outbox, uow

    days = keep_days or current_app.config["OUTBOX_KEEP_DAYS"]
    jobs = outbox.prune(days)
    messages = mail.prune_sent(days)
    uow.commit()
    click.echo(
        f"deleted {jobs} finished job(s) and {messages} sent message(s) older than {days} days"
    )


def register(app: Flask) -> None:
    app.cli.add_command(worker_command)
    app.cli.add_command(outbox_cli)
