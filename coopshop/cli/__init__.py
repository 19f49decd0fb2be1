"""Flask commands. Thin: they parse arguments, call a service, print, and commit."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup

from coopshop.db import db
from coopshop.models.user import ROLES
from coopshop.services.core.errors import DomainError
from coopshop.services.members import users as user_service

users_cli = AppGroup("users", help="Manage accounts.")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), default="customer", show_default=True)
@click.option("--password", default=None, help="Generated and printed once if left out.")
@click.option("--name", default=None, help="Full name (defaults to the e-mail's local part).")
def users_create(email: str, role: str, password: str | None, name: str | None) -> None:
    """Create an account with ROLE. A producer account also gets an active member profile."""
    generated = password is None
    password = password or user_service.generate_password()
    try:
        user = user_service.create_user(email, password, name or email.split("@")[0], role=role)
        if role == "producer":
            user_service.ensure_producer_profile(user, active=True)
    except DomainError as exc:
        db.session.rollback()
        click.echo(f"error: {exc.message}", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"created {user.role} {user.email}")
    if generated:
        click.echo(f"password (shown once): {password}")


@users_cli.command("token")
@click.argument("email")
@click.option("--name", default="cli", show_default=True, help="A label for the token.")
def users_token(email: str, name: str) -> None:
    """Print a new API token for EMAIL (stored hashed; shown only now)."""
    try:
        user = user_service.require_user(email)
        token = user_service.issue_api_token(user, name=name)
    except DomainError as exc:
        db.session.rollback()
        click.echo(f"error: {exc.message}", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(token)


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has users.")
@click.option("--seed", default=2024, show_default=True, help="Random seed, for repeatable data.")
def seed_demo(if_empty: bool, seed: int) -> None:
    """Load realistic demo data and print one login per role."""
    from coopshop.demo import seed as demo

    if if_empty and user_service.count_users() > 0:
        click.echo("database already has data; demo data not loaded")
        return
    try:
        summary = demo.seed(seed=seed, progress=click.echo)
    except DomainError as exc:  # a database with data, or a production config
        db.session.rollback()
        click.echo(f"error: {exc.message}", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(summary.describe())


orders_cli = AppGroup("orders", help="Orders.")


@orders_cli.command("expire")
def orders_expire() -> None:
    """Expire unpaid online and bank-transfer orders past their time (stock back; cron)."""
    from coopshop.services.sales import checkout

    count = checkout.expire_due()
    db.session.commit()
    click.echo(f"expired {count} order(s)")


mail_cli = AppGroup("mail", help="Outgoing mail.")


@mail_cli.command("send")
def mail_send() -> None:
    """Send due mail now (SMTP, or the outbox folder without MAIL_SERVER)."""
    from coopshop.services.core import mail

    click.echo(f"sent {mail.deliver_pending()} message(s)")


def register(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(orders_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(seed_demo)
    from coopshop.cli import ledger as cli_ledger

    cli_ledger.register(app)
    from coopshop.cli import reconcile as cli_reconcile

    cli_reconcile.register(app)
    from coopshop.cli import bank as cli_bank

    cli_bank.register(app)
    from coopshop.cli import data as cli_data

    cli_data.register(app)
    from coopshop.cli import shipping as cli_shipping

    cli_shipping.register(app)
    from coopshop.cli import invoices as cli_invoices

    cli_invoices.register(app)
    from coopshop.cli import outbox as cli_outbox

    cli_outbox.register(app)
