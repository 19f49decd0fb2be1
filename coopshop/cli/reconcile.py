"""`flask reconcile stripe|iyzico --from YYYY-MM-DD --to YYYY-MM-DD`: the payment provider against
the books, plus the ledger's own check. Exits 1 when anything does not match (cron-able), 2 when
the provider is not set up or cannot be read. Both go through services.payouts.reconcile_providers,
as the admin page does.
"""

from __future__ import annotations

import sys
from datetime import datetime

import click
from flask import Flask, current_app
from flask.cli import AppGroup

reconcile_cli = AppGroup("reconcile", help="Compare the books with the payment provider.")


def _istanbul_days(command):
    """The --from/--to options every reconcile command takes (Istanbul days, both included)."""
    command = click.option(
        "--to", "end_day", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Last day (kept)."
    )(command)
    return click.option(
        "--from", "start_day", required=True, type=click.DateTime(["%Y-%m-%d"]), help="First day."
    )(command)


def _period(start_day: datetime, end_day: datetime, provider, not_configured: str):
    """The UTC bounds of the days asked for; exits 2 on days backwards or no provider."""
    from coopshop.services.payouts import reconcile

    if end_day < start_day:
        click.echo("error: --to is before --from", err=True)
        sys.exit(2)
    if provider is None:
        click.echo(f"error: {not_configured}", err=True)
        sys.exit(2)
    return reconcile.day_period(start_day.date(), end_day.date())


@reconcile_cli.command("stripe")
@_istanbul_days
def reconcile_stripe_command(start_day: datetime, end_day: datetime) -> None:
    """List every mismatch between Stripe and the books for the days FROM..TO (Istanbul time,
    both included) and every ledger check violation."""
    from coopshop.services.sales import payments

    provider = payments.stripe_provider(current_app.config)
    start, end = _period(
        start_day, end_day, provider, "Stripe is not configured (STRIPE_SECRET_KEY)"
    )
    _run("stripe", provider, start, end, start_day, end_day)


@reconcile_cli.command("iyzico")
@_istanbul_days
def reconcile_iyzico_command(start_day: datetime, end_day: datetime) -> None:
    """iyzico's transactions for the days FROM..TO (Istanbul, both included; its reporting
    service) against the iyzico orders, fees and refunds in the books, plus the ledger check."""
    from coopshop.services.sales import payments

    provider = payments.iyzico_provider(current_app.config)
    start, end = _period(
        start_day, end_day, provider, "iyzico is not configured (PAYMENT_PROVIDER, IYZICO_*)"
    )
    _run("iyzico", provider, start, end, start_day, end_day)


def _run(name: str, provider, start, end, start_day: datetime, end_day: datetime) -> None:
    from coopshop.db import db
    from coopshop.services.payouts import reconcile_providers

    try:
        report, kept = reconcile_providers.run_and_record(name, provider, start, end)
    except reconcile_providers.READ_ERRORS as exc:
        db.session.rollback()
        click.echo(f"error: {reconcile_providers.read_error_text(name, exc)}", err=True)
        sys.exit(2)
    db.session.commit()  # the settlement records (the comparison itself writes nothing)
    _print_settlements(kept)
    _print(report, start_day, end_day)


def _print_settlements(kept) -> None:
    from coopshop.money import kurus_text

    for s in kept:
        click.echo(
            f"settlement {s.external_id} {s.status} {kurus_text(s.amount_kurus)}"
            f" arriving {s.arrival_on:%Y-%m-%d}"
        )


@reconcile_cli.command("settlements")
@click.argument("provider_name", type=click.Choice(["stripe", "iyzico"]))
@_istanbul_days
def reconcile_settlements_command(provider_name: str, start_day: datetime, end_day: datetime):
    """Record the provider's settlements (Stripe payouts, iyzico's daily payouts) of the days
    FROM..TO, for the bank statement's matching, without the rest of the comparison."""
    from coopshop.db import db
    from coopshop.services.payouts import reconcile_providers, settlements

    provider = reconcile_providers.configured(current_app.config).get(provider_name)
    start, end = _period(start_day, end_day, provider, f"{provider_name} is not configured")
    try:
        kept = settlements.record(provider_name, provider, start, end)
    except reconcile_providers.READ_ERRORS as exc:
        db.session.rollback()
        click.echo(f"error: {reconcile_providers.read_error_text(provider_name, exc)}", err=True)
        sys.exit(2)
    db.session.commit()
    _print_settlements(kept)
    click.echo(f"{len(kept)} settlement(s) recorded")


def _print(report, start_day: datetime, end_day: datetime) -> None:
    counts = ", ".join(f"{k} {v}" for k, v in report.counts.items())
    click.echo(f"{start_day:%Y-%m-%d} .. {end_day:%Y-%m-%d}: checked {counts}")
    for mismatch in report.mismatches:
        click.echo(str(mismatch))
    for violation in report.violations:
        click.echo(f"[ledger] {violation}")
    if not report.ok:
        click.echo(
            f"{len(report.mismatches)} mismatch(es), {len(report.violations)} ledger violation(s)",
            err=True,
        )
        sys.exit(1)
    click.echo("reconciled: no mismatches; ledger ok")


def register(app: Flask) -> None:
    app.cli.add_command(reconcile_cli)
