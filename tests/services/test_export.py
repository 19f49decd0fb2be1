"""`flask export` writes every table with a manifest and checksums; `flask import-export` puts
it back into an empty database, row for row, and refuses a tampered or partial export."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from coopshop.db import db
from coopshop.models import Base
from coopshop.services.books import balances, ledger_check
from coopshop.services.core import export
from coopshop.services.sales import refunds
from tests.conftest import reset_database
from tests.support.factories import ProducerFactory, ProductFactory, UserFactory, paid_order


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table, as plain values (timestamps in UTC)."""
    out = {}
    for table in Base.metadata.sorted_tables:
        rows = db.session.execute(select(table).order_by(*table.primary_key.columns)).all()
        out[table.name] = [
            tuple(export._cell(v, export._kind(c)) for v, c in zip(r, table.columns, strict=True))
            for r in rows
        ]  # noqa: E501
    return out


@pytest.fixture
def books(app):
    maker = ProducerFactory(display_name='Gülsüm; "Usta"', bio="satır 1\nsatır 2, virgül")
    product = ProductFactory(price_kurus=12_000, makers=[(maker, 10_000)], stock=5)
    order = paid_order([(product, 2)], charge_shipping=True)
    refunds.create_refund(order, [(order.lines[0].id, 6_000)])
    UserFactory(role="admin", phone=None)
    db.session.commit()
    return maker


def test_an_export_loads_back_into_an_empty_database_row_for_row(app, books, tmp_path, _tmp_root):
    before = snapshot()
    maker_id = books.id
    owed = balances.balance(maker_id).balance
    files = export.export_to(tmp_path / "out")
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert {t["table"] for t in manifest["tables"]} == set(before)
    assert {f.table: f.rows for f in files}["ledger_entries"] == len(before["ledger_entries"])
    assert all(len(t["sha256"]) == 64 for t in manifest["tables"])

    db.session.remove()
    reset_database(app, _tmp_root)
    assert snapshot()["ledger_entries"] == []

    loaded = export.import_from(tmp_path / "out")
    db.session.commit()
    assert loaded["orders"] == 1
    assert snapshot() == before
    assert balances.balance(maker_id).balance == owed
    assert ledger_check.check() == []
    # New rows continue after the imported ids.
    later = ProducerFactory()
    assert later.id > maker_id


def test_a_tampered_file_is_refused_before_anything_is_written(app, books, tmp_path, _tmp_root):
    export.export_to(tmp_path / "out")
    ledger = next((tmp_path / "out").glob("*-ledger_entries.csv"))
    ledger.write_text(ledger.read_text().replace("-", "+", 1))
    db.session.remove()
    reset_database(app, _tmp_root)
    with pytest.raises(export.ExportError, match="checksum"):
        export.import_from(tmp_path / "out")


def test_import_refuses_a_database_that_is_not_empty(app, books, tmp_path):
    export.export_to(tmp_path / "out")
    with pytest.raises(export.ExportError, match="not empty"):
        export.import_from(tmp_path / "out")


def test_export_refuses_a_directory_with_files(app, tmp_path):
    (tmp_path / "x").write_text("keep me")
    with pytest.raises(export.ExportError, match="not empty"):
        export.export_to(tmp_path)


def test_the_cli_commands(app, books, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["export", str(tmp_path / "cli")])
    assert result.exit_code == 0, result.output
    assert "exported" in result.output
    result = runner.invoke(args=["import-export", str(tmp_path / "cli")])
    assert result.exit_code == 1
    assert "not empty" in result.output
