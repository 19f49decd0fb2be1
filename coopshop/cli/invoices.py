"""`flask invoices issue-pending`: send every invoice that is due (new, or a retry whose backoff
has passed, or a claim a crashed worker left). Cron it every few minutes; it is safe to run two
at once (each row is claimed by one conditional UPDATE). `flask invoices remind-expiring`: the
exemption certificates that expire soon (cron it daily)."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

invoices_cli = AppGroup("invoices", help="Invoices (e-Arşiv / e-Fatura).")


@invoices_cli.command("issue-pending")
@click.option("--limit", default=100, show_default=True, help="At most this many rows per run.")
def issue_pending_command(limit: int) -> None:
    """Issue due invoices and cancellations; prints a count per outcome."""
    from coopshop.services.invoicing import queue

    counts = queue.issue_pending(limit=limit)
    if not counts:
        click.echo("nothing to issue")
        return
    click.echo(", ".join(f"{outcome} {n}" for outcome, n in sorted(counts.items())))


@invoices_cli.command("remind-expiring")
@click.option("--days", type=int, default=None, help="Window (default EXEMPTION_REMINDER_DAYS).")
def remind_expiring_command(days: int | None) -> None:
    """E-mail members whose exemption certificate expires within the window (once per
    certificate) and list every certificate in it for the admins."""
    from coopshop.models import utcnow
    from coopshop.services.core import uow
    from coopshop.services.members import exemption_reminders
    from coopshop.services.reports.dashboard import LOCAL

    days = exemption_reminders.window_days() if days is None else days
    if days < 0:
        raise click.BadParameter("--days must not be negative")
    today = utcnow().astimezone(LOCAL).date()
    with uow.unit_of_work():
        results = exemption_reminders.remind(today, days)
    if not results:
        click.echo(f"no certificate expires within {days} days")
        return
    for item, sent_now in results:
        p = item.profile
        state = "EXPIRED" if item.expired else ("reminded now" if sent_now else "reminded before")
        click.echo(
            f"{p.id}\t{p.display_name}\t{p.exemption_number}\t{item.expires.isoformat()}"
            f"\t{item.days_left} days\t{state}"
        )


def register(app: Flask) -> None:
    app.cli.add_command(invoices_cli)
