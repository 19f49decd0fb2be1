"""The cooperative's data as dated CSV files with a manifest and checksums, and back.

``export_to(dir)`` writes one CSV per table (members, products, orders, the ledger, payouts,
invoices, everything the models hold), in dependency order, and ``manifest.json`` naming each
file with its row count, columns and SHA-256, the schema revision and the time. The files are
plain UTF-8 CSV (comma, header row): NULL is written ``\\N`` so it is told apart from empty text,
times as ISO 8601 in UTC, JSON columns as JSON text. It is the format an accountant, another
tool or a lawyer can read without coopshop; pg_dump stays the backup (README).

``import_from(dir)`` loads such an export into an EMPTY database of the same schema revision:
checksums and row counts are verified first, rows are inserted table by table in dependency
order in one transaction (the ledger's zero-sum and append-only rules hold for inserts), and
PostgreSQL's id sequences are moved past the highest id. Anything wrong raises before a row is
written, and a failure mid-way rolls everything back.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import JSON, Boolean, Date, DateTime, Integer, func, insert, select, text
from sqlalchemy.types import TypeDecorator

from coopshop.db import db
from coopshop.models import Base, utcnow

NULL = "\\N"
MANIFEST = "manifest.json"
FORMAT = "coopshop-export-1"


class ExportError(Exception):
    """The export cannot be read back: named file, reason."""


@dataclass(frozen=True)
class TableFile:
    table: str
    file: str
    rows: int
    sha256: str


def _tables():
    return list(Base.metadata.sorted_tables)


def _kind(column) -> type:
    col_type = column.type
    if isinstance(col_type, TypeDecorator):
        col_type = col_type.impl if not isinstance(col_type.impl, type) else col_type.impl()
    for kind in (JSON, Boolean, DateTime, Date, Integer):
        if isinstance(col_type, kind):
            return kind
    return str


def _cell(value, kind) -> str:
    if value is None:
        return NULL
    if kind is JSON:
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if kind is Boolean:
        return "1" if value else "0"
    if kind is DateTime:
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat()
    if kind is Date:
        return value.isoformat()
    return str(value)


def _value(cell: str, kind):
    if cell == NULL:
        return None
    if kind is JSON:
        return json.loads(cell)
    if kind is Boolean:
        return cell == "1"
    if kind is DateTime:
        return datetime.fromisoformat(cell)
    if kind is Date:
        return date.fromisoformat(cell)
    if kind is Integer:
        return int(cell)
    return cell


def _revision() -> str:
    try:
        return db.session.scalar(text("SELECT version_num FROM alembic_version")) or ""
    except Exception:  # a database made by create_all() (tests) has no alembic table
        db.session.rollback()
        return ""


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def csv_text(table, rows, columns=None) -> tuple[str, int]:
    """``rows`` (tuples in the order of ``columns``, by default every column of ``table``) as
    this module's CSV: a header row, NULL as ``\\N``, UTC times, JSON as text. The data-subject
    export (services.members.data_requests) writes one person's rows with it. Returns the
    text and how many rows it holds (``rows`` may be a streamed result)."""
    columns = list(columns) if columns is not None else list(table.columns)
    kinds = [_kind(c) for c in columns]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([c.name for c in columns])
    count = 0
    for row in rows:
        writer.writerow([_cell(v, k) for v, k in zip(row, kinds, strict=True)])
        count += 1
    return buffer.getvalue(), count


def export_to(directory: str | Path, now: datetime | None = None) -> list[TableFile]:
    """Write every table and the manifest into ``directory`` (created; must be empty)."""
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    if any(target.iterdir()):
        raise ExportError(f"{target} is not empty")
    now = now or utcnow()
    stamp = f"{now.astimezone(UTC):%Y%m%d}"
    files = []
    for table in _tables():
        name = f"{stamp}-{table.name}.csv"
        order = list(table.primary_key.columns) or list(table.columns)
        content, count = csv_text(table, db.session.execute(select(table).order_by(*order)))
        path = target / name
        path.write_text(content, encoding="utf-8")
        files.append(TableFile(table.name, name, count, _sha256(path)))
    manifest = {
        "format": FORMAT,
        "exported_at": now.astimezone(UTC).isoformat(),
        "schema_revision": _revision(),
        "tables": [
            {
                "table": f.table,
                "file": f.file,
                "rows": f.rows,
                "sha256": f.sha256,
                "columns": [c.name for c in Base.metadata.tables[f.table].columns],
            }
            for f in files
        ],
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return files


def _read_manifest(source: Path) -> dict:
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ExportError(f"{MANIFEST}: {exc}") from exc
    if manifest.get("format") != FORMAT:
        raise ExportError(f"{MANIFEST}: not a {FORMAT} export")
    known = {t.name: t for t in _tables()}
    for entry in manifest["tables"]:
        table = known.get(entry["table"])
        if table is None:
            raise ExportError(f"{entry['file']}: unknown table {entry['table']}")
        if entry["columns"] != [c.name for c in table.columns]:
            raise ExportError(f"{entry['file']}: columns differ from this schema")
        path = source / entry["file"]
        if not path.is_file() or _sha256(path) != entry["sha256"]:
            raise ExportError(f"{entry['file']}: missing or its checksum does not match")
    return manifest


def _is_empty() -> bool:
    return all(not db.session.scalar(select(func.count()).select_from(t)) for t in _tables())


def import_from(directory: str | Path) -> dict[str, int]:
    """Load an export into an empty database; returns rows per table. Adds and flushes: the
    caller commits (or rolls back on an error)."""
    source = Path(directory)
    manifest = _read_manifest(source)
    revision = _revision()
    if manifest["schema_revision"] and revision and manifest["schema_revision"] != revision:
        raise ExportError(
            f"the export is of schema {manifest['schema_revision']}, this database {revision}"
        )
    if not _is_empty():
        raise ExportError("the database is not empty")
    by_name = {e["table"]: e for e in manifest["tables"]}
    loaded = {}
    for table in _tables():  # dependency order, whatever order the manifest lists
        entry = by_name.get(table.name)
        if entry is None:
            continue
        kinds = [_kind(c) for c in table.columns]
        with (source / entry["file"]).open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            next(reader)
            rows = [
                {
                    c.name: _value(cell, k)
                    for c, cell, k in zip(table.columns, r, kinds, strict=True)
                }
                for r in reader
            ]
        if len(rows) != entry["rows"]:
            raise ExportError(
                f"{entry['file']}: {len(rows)} rows, the manifest says {entry['rows']}"
            )
        for start in range(0, len(rows), 1000):
            db.session.execute(insert(table), rows[start : start + 1000])
        loaded[table.name] = len(rows)
    db.session.flush()
    _move_sequences()
    return loaded


def _move_sequences() -> None:
    """PostgreSQL: each serial id's sequence continues after the highest imported id."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for table in _tables():
        if "id" not in table.columns or not isinstance(table.columns["id"].type, Integer):
            continue
        # The table names are the models' own, never input: safe to write into the SQL.
        sql = (
            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608
            f'COALESCE((SELECT max(id) FROM "{table.name}"), 0) + 1, false)'
        )
        db.session.execute(text(sql))
