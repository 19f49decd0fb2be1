"""Static files with fingerprinted URLs: ``url_for('static', filename=...)`` adds ``?v=`` and
the first 12 hex digits of the file's SHA-256, and such a URL is answered with a year's
``Cache-Control`` (the file at that URL never changes: a new file is a new fingerprint). A URL
without the fingerprint, or with a stale one, gets Flask's default (revalidated) answer, so
nothing old is kept for a year by mistake."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from flask import Flask, request

# An installed web app is known by its manifest's URL: that one stays the same across deploys.
_STABLE = (".webmanifest", ".webmanifest.json")


@cache
def fingerprint(folder: str, filename: str) -> str | None:
    """The file's fingerprint, computed once per worker (static files change only on deploy)."""
    path = Path(folder, filename)
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    except OSError:
        return None


def init_app(app: Flask) -> None:
    folder = str(app.static_folder)
    default_max_age = app.get_send_file_max_age

    @app.url_defaults
    def add_fingerprint(endpoint: str, values: dict) -> None:
        if endpoint != "static" or "v" in values:
            return
        if "filename" in values and not values["filename"].endswith(_STABLE):
            found = fingerprint(folder, values["filename"])
            if found:
                values["v"] = found

    def max_age(filename: str | None) -> int | None:
        if filename and request.args.get("v") == fingerprint(folder, filename):
            return app.config["STATIC_FINGERPRINT_MAX_AGE"]
        return default_max_age(filename)

    app.get_send_file_max_age = max_age
