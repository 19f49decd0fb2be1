"""`flask shipping ...`: catching up on parcels' tracking when a webhook was missed."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup

shipping_cli = AppGroup("shipping", help="Shipping labels and tracking.")


@shipping_cli.command("poll")
def shipping_poll() -> None:
    """Ask the provider about every parcel not yet delivered or returned and apply what it
    says, as the webhook would (cron-able; safe to run any number of times)."""
    from coopshop.services.core.uow import unit_of_work
    from coopshop.services.shipping import tracking
    from coopshop.services.shipping.base import ShippingError
    from coopshop.web import shipping as shipping_web

    try:
        adapter = shipping_web.adapter()
    except ShippingError as exc:
        click.echo(f"error: {exc.message}", err=True)
        sys.exit(1)
    if adapter.name == "manual":
        click.echo("SHIPPING_PROVIDER is manual: nothing to poll")
        return
    with unit_of_work():
        result = tracking.poll(adapter)
    click.echo(f"checked {result.checked}, changed {result.changed}, failed {result.failed}")
    if result.failed:
        sys.exit(1)


def register(app: Flask) -> None:
    app.cli.add_command(shipping_cli)
