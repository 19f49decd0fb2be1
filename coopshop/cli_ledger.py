"""`flask ledger ...` commands (filled in by the ledger work)."""

from flask import Flask


def register(app: Flask) -> None:
    return None
