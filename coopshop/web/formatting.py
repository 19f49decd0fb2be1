"""Jinja filters and globals: money and rates (text from coopshop.money), dates in Istanbul."""

from __future__ import annotations

from flask import Flask
from flask_babel import format_datetime, get_locale
from flask_babel import lazy_gettext as _l

from coopshop.models import utcnow
from coopshop.money import kurus_text, percent_text


def when(value, fmt: str = "medium") -> str:
    if value is None:
        return ""
    return format_datetime(value, fmt)


_ORDER_STATUS = {
    "pending_payment": _l("Ödeme bekleniyor"),
    "paid": _l("Ödendi"),
    "cancelled": _l("İptal edildi"),
    "expired": _l("Süresi doldu"),
}


def order_status_label(status: str) -> str:
    return str(_ORDER_STATUS.get(status, status))


def init_app(app: Flask) -> None:
    app.add_template_global(order_status_label)
    app.add_template_global(utcnow, "now_utc")
    app.add_template_filter(kurus_text, "money")
    app.add_template_filter(percent_text, "percent")
    app.add_template_filter(when, "when")

    @app.context_processor
    def inject_locale():
        return {"current_locale": str(get_locale() or "tr")}
