"""Links that leave the site (e-mails, provider callbacks): built on PUBLIC_BASE_URL, never on
the request's Host header, which the sender of the request chooses."""

from __future__ import annotations

from flask import current_app, has_request_context, url_for


def external_url(endpoint: str, **values) -> str:
    """``url_for(endpoint, **values)`` as a full address on the configured public base; outside
    a request (a command, a worker) the path is built from the app's URL map alone."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    if has_request_context() or current_app.config.get("SERVER_NAME"):
        return base + url_for(endpoint, **values)
    return base + current_app.url_map.bind("localhost").build(endpoint, values)
