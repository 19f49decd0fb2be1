"""The layout's rules that an import graph cannot see, read from the source itself (AST):
only the ledger module constructs ledger rows."""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "coopshop"

LEDGER_WRITERS = {"services/books/ledger.py", "services/books/postings.py"}


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
