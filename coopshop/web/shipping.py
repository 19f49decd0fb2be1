"""The shipping adapter the app's settings choose, made once per process and settings.

The Geliver adapter keeps the sender address id it created, so it is reused rather than built
per request; changed settings (a test pointing at another stand-in) give a new one.
"""

from __future__ import annotations

from flask import current_app

from coopshop.services.shipping.base import ShippingAdapter
from coopshop.services.shipping.carriers import adapter_from_settings

_KEY = "coopshop.shipping"


def _settings_key() -> tuple:
    config = current_app.config
    names = sorted(n for n in config if n.startswith(("SHIPPING_", "GELIVER_")))
    return tuple((n, repr(config[n])) for n in names)


def adapter() -> ShippingAdapter:
    """The configured adapter. Raises ShippingError("not_configured") when the settings name a
    provider without its key, rather than quietly falling back to the manual path."""
    key = _settings_key()
    cached = current_app.extensions.get(_KEY)
    if cached is None or cached[0] != key:
        cached = (key, adapter_from_settings(current_app.config))
        current_app.extensions[_KEY] = cached
    return cached[1]
