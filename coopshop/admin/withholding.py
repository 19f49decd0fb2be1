"""Admin pages: the dated withholding (stopaj) rate on payouts to exempt members — the rate in
force, changes to come (withdrawable), past ones, and a new rate — and the monthly withholding
report for the accountant, with its CSV (routes on the admin blueprint)."""

from __future__ import annotations

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length

from coopshop.admin.member_forms import ConfirmForm, RateField
from coopshop.admin.policy_forms import IstanbulDateTimeField
from coopshop.admin.routes import bp
from coopshop.models import utcnow
from coopshop.services.core.errors import NotFound
from coopshop.services.payouts import withholding_policy
from coopshop.services.reports import statements, withholding_report
from coopshop.services.reports.dashboard import add_months, local_month
from coopshop.web.formatting import when
from coopshop.web.permissions import roles_required
from coopshop.web.uow import attempt


class WithholdingRateForm(FlaskForm):
    rate = RateField(_l("Stopaj oranı (%)"), description=_l("Kesinti yoksa 0 yazın."))
    effective_from = IstanbulDateTimeField(
        _l("Başlangıç (İstanbul saati)"),
        description=_l("Boş bırakılırsa hemen başlar."),
        render_kw={"type": "datetime-local"},
    )
    note = TextAreaField(
        _l("Not (neden)"), validators=[Length(max=withholding_policy.MAX_NOTE_LENGTH)]
    )


@bp.route("/withholding", methods=["GET", "POST"])
@roles_required("admin")
def withholding_rates():
    form = WithholdingRateForm()
    status = 200
    if form.validate_on_submit():
        change = withholding_policy.WithholdingChange(
            rate_bp=form.rate.bp, effective_from=form.effective_from.utc, note=form.note.data or ""
        )
        outcome = attempt(withholding_policy.schedule, change, current_user.id, form=form)
        if outcome.ok:
            flash(
                _(
                    "Stopaj oranı kaydedildi; %(when)s itibarıyla kesilen ödemelere uygulanır.",
                    when=when(outcome.value.effective_from, "short"),
                ),
                "success",
            )
            return redirect(url_for("admin.withholding_rates"))
        status = outcome.status
    elif request.method == "POST":
        status = 400
    now = utcnow()
    return (
        render_template(
            "admin/withholding.html",
            form=form,
            rates=withholding_policy.history(),
            current_bp=withholding_policy.rate_at(now),
            now=now,
            confirm=ConfirmForm(),
        ),
        status,
    )


@bp.post("/withholding/<int:rate_id>/cancel")
@roles_required("admin")
def withholding_rate_cancel(rate_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    outcome = attempt(withholding_policy.cancel, rate_id, current_user.id, show=False)
    if isinstance(outcome.error, NotFound):
        abort(404)
    if outcome.ok:
        flash(_("Planlanan stopaj oranı geri çekildi."), "success")
    else:
        flash(outcome.error.message, "danger")
    return redirect(url_for("admin.withholding_rates"))


def _period() -> tuple[int, int] | None:
    """The month asked for (?period=YYYY-MM), last month when none; None when malformed."""
    key = (request.args.get("period") or "").strip()
    if not key:
        return add_months(*local_month(utcnow()), -1)
    try:
        return statements.parse_period(key)
    except NotFound:
        return None


def month_shown() -> tuple[tuple[int, int], int]:
    """A monthly report page's month and status: the month asked for, or last month with a
    flash and 400 when the one asked for is malformed."""
    period = _period()
    if period is None:
        flash(_("Ayı 2026-10 gibi yazın."), "danger")
        return add_months(*local_month(utcnow()), -1), 400
    return period, 200


@bp.get("/withholding/report")
@roles_required("admin")
def withholding_report_page():
    (year, month), status = month_shown()
    rows = list(withholding_report.rows(year, month))
    return (
        render_template(
            "admin/withholding_report.html",
            rows=rows,
            period=f"{year:04d}-{month:02d}",
            totals={
                "gross": sum(r.gross_kurus for r in rows),
                "withholding": sum(r.withholding_kurus for r in rows),
                "net": sum(r.net_kurus for r in rows),
            },
            ledger_total=withholding_report.ledger_movement(year, month),
        ),
        status,
    )


@bp.get("/withholding/report.csv")
@roles_required("admin")
def withholding_report_csv():
    period = _period()
    if period is None:
        return redirect(url_for("admin.withholding_report_page", **request.args))
    year, month = period
    filename = f"stopaj-{year:04d}-{month:02d}.csv"
    chunks = (chunk.encode("utf-8") for chunk in withholding_report.csv_chunks(year, month))
    return Response(
        stream_with_context(chunks),
        mimetype="text/csv",
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{filename}"',
        },
    )
