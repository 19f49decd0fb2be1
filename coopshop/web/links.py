"""Links that leave the site (e-mails, provider callbacks): built on PUBLIC_BASE_URL, never on
the request's Host header, which the sender of the request chooses."""

from __future__ import annotations

from flask import current_app, url_for


def external_url(endpoint: str, **values) -> str:
    """``url_for(endpoint, **values)`` as a full address on the configured public base."""
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for(endpoint, **values)
