"""The layout's rules that an import graph cannot see, read from the source itself (AST):
only the ledger module constructs ledger rows, and only the unit of work (which the outbox's
workers use too) and the CLI commit."""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "coopshop"

# postings.py decides each transaction's legs and writes them through ledger.post(); only
# ledger.py builds the rows.
LEDGER_WRITERS = {"services/books/ledger.py"}
COMMITTERS = {"services/core/uow.py"}  # the outbox and mail commit through it


def _modules():
    for path in sorted(APP.rglob("*.py")):
        yield path.relative_to(APP).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def _called_name(node: ast.Call) -> str | None:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def test_only_the_ledger_constructs_ledger_rows():
    offenders = [
        f"{name}:{node.lineno}"
        for name, tree in _modules()
        if name not in LEDGER_WRITERS and not name.startswith("models/")
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and _called_name(node) in ("LedgerEntry", "LedgerTransaction")
    ]
    assert offenders == []


def _is_session_commit(node: ast.Call) -> bool:
    func = node.func
    return (
        isinstance(func, ast.Attribute)
        and func.attr == "commit"
        and isinstance(func.value, ast.Attribute)
        and func.value.attr == "session"
    )


def test_only_the_unit_of_work_and_the_cli_commit():
    offenders = [
        f"{name}:{node.lineno}"
        for name, tree in _modules()
        if name not in COMMITTERS and not name.startswith("cli/")
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and _is_session_commit(node)
    ]
    assert offenders == []


def test_migrations_import_no_app_code():
    # A migration is the schema frozen at its revision: importing live models would make an old
    # revision build today's tables (or fail once the imported name is gone).
    versions = APP.parent / "migrations" / "versions"
    offenders = []
    for path in sorted(versions.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            offenders += [
                f"{path.name}:{node.lineno}" for n in names if n.split(".")[0] == "coopshop"
            ]
    assert offenders == []
