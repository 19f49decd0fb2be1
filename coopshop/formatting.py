"""Display formatting through Babel: money as Turks expect (₺1.234,50), dates in Istanbul."""

from __future__ import annotations

from decimal import Decimal

from babel import Locale
from flask import Flask
from flask_babel import format_currency, format_datetime, get_locale
from flask_babel import lazy_gettext as _l


def kurus_to_decimal(kurus: int) -> Decimal:
    return Decimal(int(kurus)).scaleb(-2)


def money(kurus: int | None) -> str:
    """₺1.234,50 in Turkish, TRY 1,234.50 in English."""
    if kurus is None:
        return ""
    amount = kurus_to_decimal(kurus)
    locale = str(get_locale() or "tr")
    if locale.startswith("en"):
        return format_currency(amount, "TRY", format="¤¤ #,##0.00", currency_digits=True)
    return format_currency(amount, "TRY")


def percent_bp(bp: int | None) -> str:
    """Basis points as a percentage: 1500 -> %15, 1250 -> %12,5 (15%, 12.5% in English)."""
    if bp is None:
        return ""
    from flask_babel import format_percent

    # The locale's own pattern (Turkish puts the sign first: %15), with up to two decimals.
    locale = get_locale() or Locale.parse("tr")
    pattern = locale.percent_formats[None].pattern.replace("#,##0", "#,##0.##", 1)
    return format_percent(Decimal(bp).scaleb(-4), format=pattern)


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
    app.add_template_filter(money, "money")
    app.add_template_filter(percent_bp, "percent")
    app.add_template_filter(when, "when")

    @app.context_processor
    def inject_locale():
        return {"current_locale": str(get_locale() or "tr")}
