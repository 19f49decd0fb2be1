"""Jinja filters and globals: money and rates (text from coopshop.money), dates in Istanbul."""

from __future__ import annotations

from flask import Flask
from flask_babel import format_date, format_datetime, get_locale
from flask_babel import lazy_gettext as _l

from coopshop.models import utcnow
from coopshop.money import kurus_text, percent_text
from coopshop.services.books import ledger
from coopshop.services.core import vocabulary


def when(value, fmt: str = "medium") -> str:
    if value is None:
        return ""
    return format_datetime(value, fmt)


def day(value, fmt: str = "medium") -> str:
    """A calendar day (a bank statement's booking date): no time, no time zone."""
    if value is None:
        return ""
    return format_date(value, fmt)


_ORDER_STATUS = {
    "pending_payment": _l("Ödeme bekleniyor"),
    "paid": _l("Ödendi"),
    "cancelled": _l("İptal edildi"),
    "expired": _l("Süresi doldu"),
}


def order_status_label(status: str) -> str:
    return str(_ORDER_STATUS.get(status, status))


def locale_code() -> str:
    return str(get_locale() or "tr")


def audit_details(data) -> list[tuple[str, str]]:
    return list(vocabulary.audit_details(data, locale_code()))


def init_app(app: Flask) -> None:
    from coopshop.web import legal

    legal.init_app(app)
    app.add_template_global(order_status_label)
    # Words for stored codes, one vocabulary (services/core/vocabulary.py, docs/glossary.md).
    app.add_template_global(vocabulary.channel, "channel_word")
    app.add_template_global(vocabulary.payment_method, "payment_method_word")
    app.add_template_global(vocabulary.payment_status, "payment_status_word")
    app.add_template_global(vocabulary.audit_action, "audit_action_word")
    app.add_template_global(vocabulary.object_type, "object_type_word")
    app.add_template_global(audit_details)
    app.add_template_global(utcnow, "now_utc")
    app.add_template_filter(kurus_text, "money")
    app.add_template_filter(percent_text, "percent")
    app.add_template_filter(ledger.to_member, "to_member")
    app.add_template_filter(when, "when")
    app.add_template_filter(day, "day")

    # A global, not only a context variable: macros imported without context (the product cards)
    # see globals, so English pages show English titles there too.
    app.add_template_global(locale_code)

    @app.context_processor
    def inject_locale():
        return {"current_locale": locale_code()}
