"""Admin pages: payout batches — close a period, approve, the bank file, settle each line
(routes on the admin blueprint). Only admins: staff never move money out."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Response, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from coopshop import turkey
from coopshop.admin.payout_forms import ActionForm, ClosePeriodForm, LineFailedForm, LinePaidForm
from coopshop.admin.routes import bp
from coopshop.db import db
from coopshop.models import PayoutLine, User, utcnow
from coopshop.services.core import settings as settings_service
from coopshop.services.core.errors import DomainError, NotFound, ValidationFailed
from coopshop.services.payouts import batch_warnings, payout_lines
from coopshop.services.payouts import batches as payouts
from coopshop.services.payouts import payout_export as bank_file
from coopshop.services.payouts.totals import totals
from coopshop.web.permissions import roles_required
from coopshop.web.uow import attempt

LEFT_OUT_LABELS = {
    "below_minimum": _l("Asgari tutarın altında"),
    "negative_balance": _l("Bakiyesi eksi (sonraki ödemelerden düşülecek)"),
    "not_active": _l("Üyeliği aktif değil"),
    "no_iban": _l("IBAN girilmemiş"),
    "invalid_iban": _l("IBAN geçersiz"),
    "iban_on_hold": _l("Yeni IBAN'ı bekleme süresinde (ilk IBAN'ı)"),
}
BATCH_LABELS = {
    "draft": _l("Taslak"),
    "approved": _l("Onaylandı"),
    "paid": _l("Tamamlandı"),
    "cancelled": _l("İptal edildi"),
}
LINE_LABELS = {"pending": _l("Bekliyor"), "paid": _l("Ödendi"), "failed": _l("Ödenemedi")}


def _labels() -> dict:
    return {
        "left_out_labels": LEFT_OUT_LABELS,
        "batch_labels": BATCH_LABELS,
        "line_labels": LINE_LABELS,
    }


def _last_day_of_previous_month(today: date) -> date:
    return today.replace(day=1) - timedelta(days=1)


def _index(form: ClosePeriodForm, left_out=None, status: int = 200):
    return render_template(
        "admin/payouts/index.html",
        form=form,
        batches=payouts.recent_batches(),
        draft=payouts.open_draft(),
        left_out=left_out,
        minimum=settings_service.current().payout_minimum_kurus,
        **_labels(),
    ), status


@bp.get("/payouts")
@roles_required("admin")
def payouts_home():
    form = ClosePeriodForm()
    if form.last_day.data is None:
        form.last_day.data = _last_day_of_previous_month(turkey.istanbul_date(utcnow()))
    return _index(form)


@bp.post("/payouts/close")
@roles_required("admin")
def payouts_close():
    form = ClosePeriodForm()
    if not form.validate_on_submit():
        return _index(form, status=422)
    outcome = attempt(
        payouts.close_month,
        form.last_day.data,
        current_user.id,
        settings_service.current(),
        form=form,
        fields={"cutoff": "last_day"},
    )
    if not outcome.ok:
        return _index(form, status=422 if outcome.rerender else 409)
    batch, left_out = outcome.value
    if batch is None:  # nothing to pay, and nothing was written
        flash(_("Bu dönem için ödenecek üretici yok."), "info")
        return _index(form, left_out=left_out)
    flash(_("Ödeme listesi hazırlandı; onaylanınca para bakiyelerden düşer."), "success")
    return redirect(url_for("admin.payout_batch", batch_id=batch.id))


def _batch_or_404(batch_id: int):
    try:
        return payouts.get_batch(batch_id)
    except NotFound:
        abort(404)


def _people(batch) -> dict[int, str]:
    ids = {i for i in (batch.created_by_id, batch.approved_by_id) if i}
    return {u.id: u.name for u in (db.session.get(User, i) for i in ids) if u}


def _render_batch(batch, status: int = 200, paid_forms=None, failed_forms=None):
    settings = settings_service.current()
    paid_forms = paid_forms or {}
    failed_forms = failed_forms or {}
    for line in batch.lines:
        paid_forms.setdefault(line.id, LinePaidForm(prefix=f"paid-{line.id}", formdata=None))
        failed_forms.setdefault(line.id, LineFailedForm(prefix=f"failed-{line.id}", formdata=None))
    return render_template(
        "admin/payouts/batch.html",
        batch=batch,
        totals=totals(batch),
        label=payouts.period_label(batch),
        people=_people(batch),
        action_form=ActionForm(),
        paid_forms=paid_forms,
        failed_forms=failed_forms,
        may_approve=(
            batch.status == "draft"
            and not (settings.payout_two_admins and batch.created_by_id == current_user.id)
        ),
        two_admins=settings.payout_two_admins,
        warnings=batch_warnings.warnings_for(batch, settings.coop_iban),
        **_labels(),
    ), status


@bp.get("/payouts/<int:batch_id>")
@roles_required("admin")
def payout_batch(batch_id: int):
    return _render_batch(_batch_or_404(batch_id))


def _act(batch_id: int, action, done_message: str):
    _batch_or_404(batch_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if attempt(action).ok:
        flash(done_message, "success")
    return redirect(url_for("admin.payout_batch", batch_id=batch_id))


@bp.post("/payouts/<int:batch_id>/approve")
@roles_required("admin")
def payout_approve(batch_id: int):
    return _act(
        batch_id,
        lambda: payouts.approve(batch_id, current_user.id, settings_service.current()),
        _("Liste onaylandı; ödemeler bakiyelerden düşüldü. Banka dosyasını indirebilirsiniz."),
    )


@bp.post("/payouts/<int:batch_id>/cancel")
@roles_required("admin")
def payout_cancel(batch_id: int):
    return _act(
        batch_id,
        lambda: payouts.cancel(batch_id, current_user.id),
        _("Taslak iptal edildi; tutarlar bakiyelerde kaldı."),
    )


@bp.post("/payouts/<int:batch_id>/export")
@roles_required("admin")
def payout_export(batch_id: int):
    batch = _batch_or_404(batch_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    outcome = attempt(bank_file.export_csv, batch_id, current_user.id)  # audited: who took it
    if not outcome.ok:
        return redirect(url_for("admin.payout_batch", batch_id=batch_id))
    data = outcome.value
    filename = f"odeme-{payouts.period_label(batch)}-{batch.id}.csv"
    return Response(
        data,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@bp.get("/payouts/<int:batch_id>/print")
@roles_required("admin")
def payout_print(batch_id: int):
    batch = _batch_or_404(batch_id)
    return render_template(
        "admin/payouts/print.html",
        batch=batch,
        label=payouts.period_label(batch),
        people=_people(batch),
        coop_name=current_app.config["COOP_NAME"],
        totals=totals(batch),
        warnings=batch_warnings.warnings_for(batch, settings_service.current().coop_iban),
        **_labels(),
    )


def _show_error(field, exc: DomainError) -> None:
    """Bad input goes next to the field; a clash with the line's state is said at the top."""
    if isinstance(exc, ValidationFailed):
        field.errors = [str(exc.message)]
    else:
        flash(str(exc.message), "danger")


def _line_or_404(line_id: int) -> PayoutLine:
    line = db.session.get(PayoutLine, line_id)
    if line is None:
        abort(404)
    return line


def _settle_line(line_id: int, kind: str, form_class, field: str, settle, done, category: str):
    """Mark one line of a batch paid or failed with the form's one field (the bank's reference
    or the reason); on an error show the batch again with that form as typed."""
    line = _line_or_404(line_id)
    batch_id = line.batch_id
    form = form_class(prefix=f"{kind}-{line_id}")
    forms = {f"{kind}_forms": {line_id: form}}
    if not form.validate_on_submit():
        return _render_batch(_batch_or_404(batch_id), 422, **forms)
    outcome = attempt(settle, line_id, form[field].data, current_user.id, show=False)
    if not outcome.ok:
        _show_error(form[field], outcome.error)
        return _render_batch(_batch_or_404(batch_id), 409, **forms)
    flash(done, category)
    return redirect(url_for("admin.payout_batch", batch_id=batch_id))


@bp.post("/payouts/lines/<int:line_id>/paid")
@roles_required("admin")
def payout_line_paid(line_id: int):
    return _settle_line(
        line_id,
        "paid",
        LinePaidForm,
        "bank_reference",
        payout_lines.mark_line_paid,
        _("Ödeme kaydedildi."),
        "success",
    )


@bp.post("/payouts/lines/<int:line_id>/failed")
@roles_required("admin")
def payout_line_failed(line_id: int):
    return _settle_line(
        line_id,
        "failed",
        LineFailedForm,
        "reason",
        payout_lines.mark_line_failed,
        _("Satır ödenemedi olarak işaretlendi; tutar üreticinin bakiyesine döndü."),
        "warning",
    )
