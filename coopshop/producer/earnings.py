"""Her money: the earnings dashboard, sales history, one sale, monthly statements (page and CSV)
and what to bring to the centre."""

from __future__ import annotations

from datetime import date, datetime

from flask import Response, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from coopshop import turkey
from coopshop.models import utcnow
from coopshop.models.orders import CHANNELS
from coopshop.producer.forms import QuestionForm, SalesFilterForm
from coopshop.producer.routes import bp, or_404
from coopshop.services.books import balances
from coopshop.services.catalog import own_products
from coopshop.services.core import settings as settings_service
from coopshop.services.payouts import next_payout
from coopshop.services.reports import dashboard as dashboard_service
from coopshop.services.reports import producer_sales, statements
from coopshop.services.reports import to_bring as bring
from coopshop.services.reports.dashboard import add_months, local_month, month_start
from coopshop.web.permissions import current_producer, roles_required


@bp.get("/earnings")
@roles_required("producer")
def earnings():
    profile = current_producer()
    settings = settings_service.current()
    return render_template(
        "producer/earnings.html",
        profile=profile,
        board=dashboard_service.dashboard(profile.id),
        next=next_payout.next_payout(profile.id, settings),
        minimum=settings.payout_minimum_kurus,
        channels=CHANNELS,
        locale=str(get_locale() or "tr"),
    )


PERIODS = ("all", "this_month", "last_month", "last_3_months", "this_year", "custom")


def _period_choices():
    return [
        SelectChoice("all", _("Tüm zamanlar")),
        SelectChoice("this_month", _("Bu ay")),
        SelectChoice("last_month", _("Geçen ay")),
        SelectChoice("last_3_months", _("Son 3 ay")),
        SelectChoice("this_year", _("Bu yıl")),
        SelectChoice("custom", _("Tarih aralığı")),
    ]


def period_bounds(period: str, start: date | None, end: date | None, now: datetime):
    """(start, end) of a period in Istanbul time; None where the period is open."""
    year, month = local_month(now)
    if period == "this_month":
        return month_start(year, month), None
    if period == "last_month":
        return month_start(*add_months(year, month, -1)), month_start(year, month)
    if period == "last_3_months":
        return month_start(*add_months(year, month, -2)), None
    if period == "this_year":
        return month_start(year, 1), None
    if period == "custom":
        return (
            turkey.day_start(start) if start else None,
            turkey.day_end(end) if end else None,
        )
    return None, None


@bp.get("/sales")
@roles_required("producer")
def sales():
    profile = current_producer()
    form = SalesFilterForm(request.args)
    form.period.choices = _period_choices()
    form.channel.choices = [("", _("Tüm kanallar"))] + [
        (c, producer_sales.channel_label(c)) for c in CHANNELS
    ]
    form.product.choices = [("", _("Tüm ürünler"))] + [
        (pid, f"{code} · {title}") for pid, code, title in own_products.product_choices(profile.id)
    ]
    form.validate()
    period = form.period.data if form.period.data in PERIODS else "all"
    start, end = period_bounds(period, form.start.data, form.end.data, utcnow())
    product_id = form.product.data if not form.product.errors else None
    after, before = request.args.get("after"), request.args.get("before")
    filters = producer_sales.SalesFilter(
        start=start,
        end=end,
        channel=form.channel.data if form.channel.data in CHANNELS else None,
        product_id=product_id,
    )
    args = {
        k: v
        for k, v in {
            "period": period,
            "start": request.args.get("start", ""),
            "end": request.args.get("end", ""),
            "channel": filters.channel or "",
            "product": product_id or "",
        }.items()
        if v
    }
    return render_template(
        "producer/sales.html",
        profile=profile,
        form=form,
        page=producer_sales.sales(profile.id, filters, after=after, before=before),
        # The filter's totals read all her matching lines: shown on the first page only, so
        # walking on through a long history costs one page's rows a step.
        totals=None if after or before else producer_sales.totals(profile.id, filters),
        args=args,
    )


@bp.get("/sales/<int:line_id>")
@roles_required("producer")
def sale(line_id: int):
    profile = current_producer()
    detail = or_404(producer_sales.sale_detail, profile.id, line_id)
    return render_template(
        "producer/sale.html",
        profile=profile,
        detail=detail,
        form=QuestionForm(),
        kind_label=statements.kind_label,
    )


@bp.get("/statements")
@roles_required("producer")
def statements_index():
    profile = current_producer()
    return render_template(
        "producer/statements.html",
        profile=profile,
        periods=[date(y, m, 1) for y, m in statements.available_periods(profile.id)],
    )


@bp.get("/statements/<period>")
@roles_required("producer")
def statement(period: str):
    profile = current_producer()
    year, month = or_404(statements.parse_period, period)
    return render_template(
        "producer/statement.html",
        profile=profile,
        st=statements.statement(profile.id, year, month),
        first_day=date(year, month, 1),
        kind_label=statements.kind_label,
        generated_at=utcnow(),
        pending_parts=balances.pending_reasons(profile.id),
    )


@bp.get("/statements/<period>.csv")
@roles_required("producer")
def statement_csv(period: str):
    profile = current_producer()
    year, month = or_404(statements.parse_period, period)
    body = statements.statement_csv(statements.statement(profile.id, year, month))
    filename = f"hesap-dokumu-{year:04d}-{month:02d}.csv"
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/to-bring")
@roles_required("producer")
def to_bring():
    profile = current_producer()
    return render_template(
        "producer/to_bring.html", profile=profile, rows=bring.to_bring(profile.id)
    )
