"""Admin pages: a member's tax status, and the gider pusulası of a payout line to an exempt
member (routes on the admin blueprint). Only admins."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from coopshop.admin.routes import bp
from coopshop.db import db
from coopshop.models import PayoutLine, ProducerProfile
from coopshop.services.core.errors import NotFound
from coopshop.services.members import exemption_reminders
from coopshop.services.members import tax_status as tax_service
from coopshop.services.payouts import member_invoices
from coopshop.services.payouts.batches import period_label
from coopshop.web import income as income_page
from coopshop.web.permissions import roles_required
from coopshop.web.uow import attempt


class TaxStatusForm(FlaskForm):
    tax_status = SelectField(
        _l("Vergi durumu"),
        choices=[SelectChoice(k, v) for k, v in tax_service.TAX_STATUS_LABELS.items()],
        validators=[InputRequired(_l("Vergi durumunu seçin."))],
    )
    tax_id = StringField(_l("TCKN / VKN"), validators=[Optional(), Length(max=20)])
    exemption_number = StringField(
        _l("Muafiyet belgesi numarası"), validators=[Optional(), Length(max=40)]
    )
    exemption_expires = DateField(
        _l("Belgenin geçerlilik sonu"),
        validators=[Optional()],
        format=["%Y-%m-%d", "%d.%m.%Y"],
    )


def _profile_or_404(producer_id: int) -> ProducerProfile:
    profile = db.session.get(ProducerProfile, producer_id)
    if profile is None:
        abort(404)
    return profile


@bp.route("/members/<int:producer_id>/tax", methods=["GET", "POST"])
@roles_required("admin")
def member_tax(producer_id: int):
    from flask_login import current_user

    profile = _profile_or_404(producer_id)
    form = TaxStatusForm(obj=profile if request.method == "GET" else None)
    if form.validate_on_submit():
        new = tax_service.TaxStatus(
            status=form.tax_status.data,
            tax_id=form.tax_id.data or "",
            exemption_number=form.exemption_number.data or "",
            exemption_expires=form.exemption_expires.data,
        )
        outcome = attempt(
            tax_service.set_tax_status,
            producer_id,
            new,
            current_user.id,
            form=form,
            fields={"status": "tax_status"},
        )
        if outcome.ok:
            flash(_("Vergi durumu kaydedildi."), "success")
            return redirect(url_for("admin.member", producer_id=producer_id))
        return render_template("admin/member_tax.html", profile=profile, form=form), outcome.status
    status = 400 if form.errors else 200
    return render_template("admin/member_tax.html", profile=profile, form=form), status


@bp.get("/payouts/lines/<int:line_id>/gider-pusulasi")
@roles_required("admin")
def payout_voucher(line_id: int):
    line = db.session.get(PayoutLine, line_id)
    if line is None or line.tax_status != "exempt":
        abort(404)
    profile = db.session.get(ProducerProfile, line.producer_id)
    return render_template(
        "admin/payouts/voucher.html",
        line=line,
        batch=line.batch,
        profile=profile,
        period=period_label(line.batch),
    )


class MemberInvoiceForm(FlaskForm):
    member_invoice_number = StringField(
        _l("Üyenin fatura numarası"),
        validators=[InputRequired(_l("Fatura numarasını yazın.")), Length(max=40)],
    )


@bp.post("/payouts/lines/<int:line_id>/member-invoice")
@roles_required("admin")
def payout_member_invoice(line_id: int):
    from flask_login import current_user

    line = db.session.get(PayoutLine, line_id)
    if line is None:
        abort(404)
    batch_id = line.batch_id
    form = MemberInvoiceForm(prefix=f"invoice-{line_id}")
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "danger")
        return redirect(url_for("admin.payout_batch", batch_id=batch_id))
    outcome = attempt(
        member_invoices.record_invoice_number,
        line_id,
        form.member_invoice_number.data,
        current_user.id,
    )
    if outcome.ok:
        flash(_("Üyenin fatura numarası kaydedildi; satır ödenebilir."), "success")
    return redirect(url_for("admin.payout_batch", batch_id=batch_id))


@bp.app_template_global("member_invoice_form")
def member_invoice_form(line_id: int) -> MemberInvoiceForm:
    return MemberInvoiceForm(prefix=f"invoice-{line_id}", formdata=None)


@bp.get("/members/exemptions")
@roles_required("admin")
def exemptions_expiring():
    from coopshop.models import utcnow
    from coopshop.services.reports.dashboard import LOCAL

    days = request.args.get("days", type=int)
    status = 200
    if days is None or not 0 <= days <= 3650:
        if "days" in request.args:
            flash(_("Gün sayısını 0 ile 3650 arasında yazın."), "danger")
            status = 400
        days = exemption_reminders.window_days()
    today = utcnow().astimezone(LOCAL).date()
    return (
        render_template(
            "admin/exemptions.html",
            items=exemption_reminders.expiring(today, days),
            days=days,
        ),
        status,
    )


@bp.get("/members/<int:producer_id>/income/<int:year>")
@roles_required("admin")
def member_income(producer_id: int, year: int):
    from coopshop.services.reports import income_summary

    profile = _profile_or_404(producer_id)
    try:
        income_summary.check_year(year)
    except NotFound:
        abort(404)
    return render_template(
        "admin/member_income.html",
        profile=profile,
        **income_page.page_values(
            profile.id,
            year,
            csv_url=url_for("admin.member_income_csv", producer_id=producer_id, year=year),
            pdf_url=url_for("admin.member_income_pdf", producer_id=producer_id, year=year),
            year_url=lambda y: url_for("admin.member_income", producer_id=producer_id, year=y),
        ),
    )


@bp.get("/members/<int:producer_id>/income/<int:year>.csv")
@roles_required("admin")
def member_income_csv(producer_id: int, year: int):
    from coopshop.services.reports import income_summary

    profile = _profile_or_404(producer_id)
    try:
        income_summary.check_year(year)
    except NotFound:
        abort(404)
    return income_page.csv_download(profile.id, year, f"gelir-ozeti-{profile.id}-{year}.csv")


@bp.app_template_global("income_year")
def income_year() -> int:
    return income_page.this_year()


@bp.app_template_global("tax_status_label")
def tax_status_label(status: str) -> str:
    return str(tax_service.TAX_STATUS_LABELS.get(status, status))


@bp.get("/members/<int:producer_id>/income/<int:year>.pdf")
@roles_required("admin")
def member_income_pdf(producer_id: int, year: int):
    from coopshop.services.reports import income_summary

    profile = _profile_or_404(producer_id)
    try:
        income_summary.check_year(year)
    except NotFound:
        abort(404)
    return income_page.pdf_download(
        profile.id, year, profile.display_name, f"gelir-ozeti-{profile.id}-{year}.pdf"
    )
