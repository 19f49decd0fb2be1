"""Admin page: impact — how many women earned, how much, where — with charts and exports."""

from __future__ import annotations

import json
from datetime import datetime

from flask import Response, current_app, flash, render_template, request
from flask_babel import gettext as _

from coopshop.admin.routes import bp
from coopshop.money import kurus_text
from coopshop.services.core import vocabulary
from coopshop.services.core.errors import ValidationFailed
from coopshop.services.reports import impact as impact_service
from coopshop.services.reports import impact_periods
from coopshop.services.reports.impact_public import FIELD_LABELS, IRIS_PLUS, export_rows
from coopshop.spreadsheet import excel_csv, text_cell
from coopshop.turkey import ISTANBUL
from coopshop.web.charts import bar_chart
from coopshop.web.impact import impact_charts
from coopshop.web.permissions import roles_required


def _period() -> impact_periods.Period:
    """The period asked for, or the current course year (with a message for a bad one)."""
    default = impact_periods.course_year_of(datetime.now(ISTANBUL).date())
    key = request.args.get("period", "").strip()
    if not key:
        return default
    try:
        return impact_periods.parse(key)
    except ValidationFailed as exc:
        flash(exc.message, "danger")
        return default


def _figures(period):
    return impact_service.impact(period, current_app.config["IMPACT_MONTHLY_THRESHOLDS_KURUS"])


@bp.get("/impact")
@roles_required("admin")
def impact():
    period = _period()
    figures = _figures(period)
    channel_chart = bar_chart(
        [c.makers for c in figures.channels],
        [vocabulary.channel(c.channel) for c in figures.channels],
        title=_("Kanallara göre kadınların kazancı"),
        format_value=kurus_text,
        chart_id="impact-channels",
    )
    return render_template(
        "admin/impact.html",
        period=period,
        figures=figures,
        charts=impact_charts(figures.months, figures.bands, figures.centres, figures.crafts),
        channel_chart=channel_chart,
        previous=impact_periods.previous(period),
    )


def _export_name(period, ext: str) -> str:
    return f"etki-{period.key}.{ext}"


@bp.get("/impact.csv")
@roles_required("admin")
def impact_csv():
    period = _period()
    figures = _figures(period)
    rows = [[name, str(FIELD_LABELS[name]), IRIS_PLUS.get(name, ""), str(value)]
            for name, value in export_rows(figures)]  # fmt: skip
    rows += [[f"threshold_{t}", _("Aylık en az %(amount)s kazanan kadın", amount=kurus_text(t)),
              "", str(n)] for t, n in figures.thresholds]  # fmt: skip
    for kind, groups in (("centre", figures.centres), ("craft", figures.crafts)):
        rows += [[f"{kind}_women", text_cell(g.name or "—"), "", str(g.women)] for g in groups]
        rows += [[f"{kind}_earned_kurus", text_cell(g.name or "—"), "", str(g.earned)]
                 for g in groups]  # fmt: skip
    rows += [[f"month_women_{m.month}", m.month, "", str(m.women)] for m in figures.months]
    rows += [[f"month_earned_kurus_{m.month}", m.month, "", str(m.earned)] for m in figures.months]
    rows += [[f"channel_makers_kurus_{c.channel}", c.channel, "", str(c.makers)]
             for c in figures.channels]  # fmt: skip
    body = excel_csv([_("Alan"), _("Açıklama"), "IRIS+", _("Değer")], rows)
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{_export_name(period, "csv")}"'},
    )


@bp.get("/impact.json")
@roles_required("admin")
def impact_json():
    period = _period()
    figures = _figures(period)
    data = {
        "period": period.key,
        "first_day": period.first_day.isoformat(),
        "last_day": period.last_day.isoformat(),
        "figures": [
            {"field": name, "value": value, "iris_plus": IRIS_PLUS.get(name, "")}
            for name, value in export_rows(figures)
        ],
        "thresholds": [{"monthly_kurus": t, "women": n} for t, n in figures.thresholds],
        "months": [
            {"month": m.month, "women": m.women, "earned_kurus": m.earned} for m in figures.months
        ],  # fmt: skip
        "channels": [
            {"channel": c.channel, "makers_kurus": c.makers, "net_sales_kurus": c.net_sales}
            for c in figures.channels
        ],  # fmt: skip
        "centres": [
            {"name": g.name, "women": g.women, "earned_kurus": g.earned, "median_kurus": g.median}
            for g in figures.centres
        ],  # fmt: skip
        "crafts": [
            {"name": g.name, "women": g.women, "earned_kurus": g.earned, "median_kurus": g.median}
            for g in figures.crafts
        ],  # fmt: skip
    }
    return Response(
        json.dumps(data, ensure_ascii=False, indent=1),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{_export_name(period, "json")}"'},
    )
