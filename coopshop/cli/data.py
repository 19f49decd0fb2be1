"""`flask export DIR` and `flask import-export DIR`: the cooperative's data as dated CSV files
with a manifest and checksums (services.core.export), and loading them into an empty database."""

from __future__ import annotations

import sys

import click
from flask import Flask

from coopshop.services.core import export
from coopshop.services.core.uow import rollback, unit_of_work


@click.command("export")
@click.argument("directory", type=click.Path(file_okay=False))
def export_command(directory: str) -> None:
    """Write every table as CSV into DIRECTORY (new or empty), with manifest.json."""
    try:
        files = export.export_to(directory)
    except export.ExportError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    finally:
        rollback()  # reads only: nothing to keep
    total = sum(f.rows for f in files)
    click.echo(f"exported {len(files)} tables, {total} rows to {directory}")


@click.command("import-export")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
def import_command(directory: str) -> None:
    """Load an export made by `flask export` into this EMPTY database (same schema revision)."""
    try:
        with unit_of_work():
            loaded = export.import_from(directory)
    except export.ExportError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"imported {len(loaded)} tables, {sum(loaded.values())} rows")


def register(app: Flask) -> None:
    app.cli.add_command(export_command)
    app.cli.add_command(import_command)
