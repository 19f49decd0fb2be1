"""`flask ledger ...`: checking the ledger's invariants from the command line."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup

ledger_cli = AppGroup("ledger", help="Inspect the double-entry ledger.")


@ledger_cli.command("check")
def ledger_check_command() -> None:
    """Check every invariant; list each violation and exit 1, or print "ledger ok"."""
    from coopshop.services.books import ledger_check

    violations = ledger_check.check()
    if violations:
        for violation in violations:
            click.echo(str(violation), err=True)
        click.echo(f"{len(violations)} violation(s) found", err=True)
        sys.exit(1)
    click.echo("ledger ok")


@ledger_cli.command("rebuild-rollups")
@click.option(
    "--if-empty",
    is_flag=True,
    help="Only when the rollups hold nothing yet (after the upgrade that made them).",
)
def rebuild_rollups_command(if_empty: bool) -> None:
    """Rebuild the sales reports' rollups from the ledger entries (after an upgrade or a
    restore; `flask ledger check` compares them with the entries)."""
    from sqlalchemy import exists, select

    from coopshop.db import db
    from coopshop.models import ReportRollup
    from coopshop.services.books import report_rollups

    if if_empty and db.session.scalar(select(exists().where(ReportRollup.id.is_not(None)))):
        click.echo("report rollups already built")
        return
    written = report_rollups.rebuild()
    db.session.commit()
    click.echo(f"report rollups rebuilt: {written} rows")


def register(app: Flask) -> None:
    app.cli.add_command(ledger_cli)
