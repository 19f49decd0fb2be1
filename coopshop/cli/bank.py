"""`flask bank import FILE --bank mt940|ziraat|isbank`: import the cooperative's bank statement,
match its lines (services.payouts.bank_reconcile) and list every line that is not matched, and
every document of those days the bank does not show. Exits 1 when anything is listed, 2 when
the file cannot be read."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from coopshop.money import kurus_text
from coopshop.services.core.errors import DomainError
from coopshop.services.core.uow import unit_of_work
from coopshop.services.payouts import bank_files, bank_reconcile, bank_review

bank_cli = AppGroup("bank", help="The cooperative's bank statements.")


@bank_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--bank", "bank", required=True, type=click.Choice(sorted(bank_files.BANKS)))
def import_command(path: Path, bank: str) -> None:
    """Import FILE (an MT940 statement or a bank's CSV export) and reconcile its lines."""
    try:
        with unit_of_work():
            result = bank_reconcile.import_statement(path.read_bytes(), bank, path.name, None)
            statement = result.statement
            lines = list(statement.lines)
            missing = (
                bank_review.missing(statement.first_day, statement.last_day)
                if statement.first_day
                else []
            )
    except DomainError as exc:
        click.echo(f"error: {exc.message}", err=True)
        sys.exit(2)
    click.echo(
        f"statement #{statement.id}: {result.added} line(s) added, {result.skipped} already known"
    )
    listed = 0
    for line in lines:
        if line.status == "matched":
            continue
        listed += 1
        expected = (
            "" if line.expected_kurus is None else f" expected {kurus_text(line.expected_kurus)}"
        )
        click.echo(
            f"[{line.status}:{line.problem or line.match_kind}] {line.booked_on} "
            f"{kurus_text(line.amount_kurus)}{expected} {line.description}"
        )
    for item in missing:
        listed += 1
        click.echo(f"[not_in_bank:{item.kind}] {item.ref} {kurus_text(item.amount_kurus)}")
    if listed:
        click.echo(f"{listed} item(s) to look at", err=True)
        sys.exit(1)
    click.echo("reconciled: every line matched; nothing missing")


def register(app: Flask) -> None:
    app.cli.add_command(bank_cli)
