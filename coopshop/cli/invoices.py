"""`flask invoices issue-pending`: send every invoice that is due (new, or a retry whose backoff
has passed, or a claim a crashed worker left). Cron it every few minutes; it is safe to run two
at once (each row is claimed by one conditional UPDATE)."""

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


def register(app: Flask) -> None:
    app.cli.add_command(invoices_cli)
