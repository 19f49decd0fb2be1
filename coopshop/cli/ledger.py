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


def register(app: Flask) -> None:
    app.cli.add_command(ledger_cli)
