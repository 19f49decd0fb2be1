"""Admin pages: reports (sales, income, VAT) as a table, an SVG chart and a CSV download."""

from __future__ import annotations

from datetime import timedelta

from flask import Response, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from coopshop.admin.routes import bp
from coopshop.models.orders import CHANNELS
from coopshop.money import kurus_text
from coopshop.services.reports import summary as reports
from coopshop.services.reports.report_tables import (
    DIMENSION_LABELS,
    GRAIN_LABELS,
    KINDS,
    csv_filename,
    csv_for,
)
from coopshop.web.charts import bar_chart
from coopshop.web.permissions import roles_required

MAX_DAILY_RANGE_DAYS = 400  # a daily report of more than about a year is unreadable
CHART_MAX_BARS = 40
_DATE_ERROR = _l("Tarihi GG.AA.YYYY ya da YYYY-AA-GG olarak girin.")


class ReportForm(FlaskForm):
    """The report's choices, read from the query string (a GET form: nothing to protect)."""

    class Meta:
        csrf = False

    report = SelectField(
        _l("Rapor"), choices=[SelectChoice(k, v.title) for k, v in KINDS.items()], default="sales"
    )
    dimension = SelectField(
        _l("Kırılım"),
        choices=[SelectChoice(k, v) for k, v in DIMENSION_LABELS.items()],
        default="period",
    )
    grain = SelectField(
        _l("Dönem uzunluğu"),
        choices=[SelectChoice(k, v) for k, v in GRAIN_LABELS.items()],
        default="month",
    )
    start = DateField(
        _l("Başlangıç tarihi"),
        format=["%Y-%m-%d", "%d.%m.%Y"],
        validators=[Optional()],
        default=lambda: reports.ReportFilter.default().start,
    )
    end = DateField(
        _l("Bitiş tarihi"),
        format=["%Y-%m-%d", "%d.%m.%Y"],
        validators=[Optional()],
        default=lambda: reports.ReportFilter.default().end,
    )
    channel = SelectField(
        _l("Kanal"),
        choices=[SelectChoice("", _l("Tüm kanallar"))]
        + [SelectChoice(c, reports.CHANNEL_LABELS[c]) for c in CHANNELS],
        default="",
    )

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        for field in (self.start, self.end):
            if field.errors and field.raw_data and field.raw_data[0]:
                field.errors[:] = [_DATE_ERROR]
        if not ok:
            return False
        default = reports.ReportFilter.default()
        start, end = self.start.data or default.start, self.end.data or default.end
        if end < start:
            self.end.errors.append(_l("Bitiş tarihi başlangıçtan önce olamaz."))
            return False
        if self.grain.data == "day" and (end - start) > timedelta(days=MAX_DAILY_RANGE_DAYS):
            self.grain.errors.append(
                _l("Günlük rapor en fazla %(n)d gün için alınabilir.", n=MAX_DAILY_RANGE_DAYS)
            )
            return False
        return True

    def to_filter(self) -> reports.ReportFilter:
        default = reports.ReportFilter.default()
        return reports.ReportFilter(
            start=self.start.data or default.start,
            end=self.end.data or default.end,
            channel=self.channel.data or None,
        )


def _form() -> ReportForm:
    return ReportForm(formdata=request.args if request.args else None)


def _report(form: ReportForm) -> reports.Report:
    return reports.report(
        form.dimension.data,
        form.to_filter(),
        grain=form.grain.data,
        locale=str(get_locale() or "tr"),
    )


def _chart(report: reports.Report, kind):
    column = kind.chart_column()
    rows = report.rows
    if len(rows) > CHART_MAX_BARS:
        # Periods: the most recent ones; other rows come largest first.
        rows = rows[-CHART_MAX_BARS:] if report.dimension == "period" else rows[:CHART_MAX_BARS]
    dimension = DIMENSION_LABELS[report.dimension]
    return bar_chart(
        [column.value(r.figures) for r in rows],
        [r.label for r in rows],
        title=f"{kind.title}: {column.label} / {dimension}",
        description=str(
            _l(
                "%(measure)s, %(dimension)s kırılımında; sayılar aşağıdaki tabloda.",
                measure=column.label,
                dimension=dimension,
            )
        ),
        format_value=kurus_text,
        chart_id=f"chart-{kind.key}",
    ), len(rows) < len(report.rows)


@bp.get("/reports", endpoint="reports")
@roles_required("admin")
def reports_page():
    form = _form()
    if request.args and not form.validate():
        return render_template("admin/reports.html", form=form, report=None), 400
    kind = KINDS[form.report.data]
    report = _report(form)
    summary = report.total if report.includes_shipping else reports.summary(report.filter)
    chart, chart_cut = _chart(report, kind)
    return render_template(
        "admin/reports.html",
        form=form,
        kind=kind,
        kinds=KINDS,
        report=report,
        columns=kind.columns_for(report),
        summary=summary,
        chart=chart,
        chart_cut=chart_cut,
        chart_max=CHART_MAX_BARS,
        dimension_label=DIMENSION_LABELS[report.dimension],
        args={k: v for k, v in request.args.items() if k in form._fields},
    )


@bp.get("/reports.csv")
@roles_required("admin")
def reports_csv():
    form = _form()
    if request.args and not form.validate():
        # The page says what is wrong, with the choices kept as typed.
        return redirect(url_for("admin.reports", **request.args))
    kind = KINDS[form.report.data]
    report = _report(form)
    return Response(
        csv_for(report, kind).encode("utf-8"),
        mimetype="text/csv",
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{csv_filename(report, kind)}"',
        },
    )
