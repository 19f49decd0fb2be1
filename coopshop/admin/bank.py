"""Admin pages: the bank statements (upload, each statement's lines and what the bank does not
show, a match by hand) and the month-end close. Thin views over services.payouts.bank_reconcile,
bank_review and month_end; the same services as `flask bank import`."""

from __future__ import annotations

from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from coopshop import turkey
from coopshop.admin.bank_forms import MATCH_KIND_LABELS, ManualMatchForm, StatementUploadForm
from coopshop.admin.routes import bp
from coopshop.models import utcnow
from coopshop.services.core.errors import NotFound
from coopshop.services.payouts import bank_files, bank_reconcile, bank_review, month_end
from coopshop.web.permissions import roles_required
from coopshop.web.uow import attempt

STATUS_LABELS = {
    "matched": _l("Eşleşti"),
    "different": _l("Farklı"),
    "unmatched": _l("Eşleşmedi"),
    "manual": _l("Elle eşleştirildi"),
}


def _labels() -> dict:
    return {
        "status_labels": STATUS_LABELS,
        "kind_labels": MATCH_KIND_LABELS,
        "problems": bank_reconcile.PROBLEMS,
        "banks": bank_files.BANKS,
    }


@bp.route("/bank", methods=["GET", "POST"])
@roles_required("admin")
def bank_statements():
    form = StatementUploadForm()
    status = 200
    if form.validate_on_submit():
        upload = form.statement.data
        outcome = attempt(
            bank_reconcile.import_statement,
            upload.read(),
            form.bank.data,
            upload.filename or "",
            current_user.id,
            form=form,
            fields={"file": "statement"},
        )
        if outcome.ok:
            result = outcome.value
            flash(
                _(
                    "Ekstre yüklendi: %(added)d yeni satır, %(skipped)d satır önceden vardı.",
                    added=result.added,
                    skipped=result.skipped,
                ),
                "success",
            )
            return redirect(url_for("admin.bank_statement", statement_id=result.statement.id))
        status = outcome.status
    elif form.is_submitted():
        status = 422
    return render_template(
        "admin/bank/index.html", form=form, statements=bank_review.statements(), **_labels()
    ), status


@bp.get("/bank/<int:statement_id>")
@roles_required("admin")
def bank_statement(statement_id: int):
    try:
        statement = bank_review.get_statement(statement_id)
    except NotFound:
        abort(404)
    missing = (
        bank_review.missing(statement.first_day, statement.last_day) if statement.first_day else []
    )
    return render_template(
        "admin/bank/statement.html",
        statement=statement,
        missing=missing,
        match_form=ManualMatchForm(formdata=None),
        **_labels(),
    )


@bp.post("/bank/lines/<int:line_id>/match")
@roles_required("admin")
def bank_line_match(line_id: int):
    form = ManualMatchForm()
    statement_id = request.form.get("statement_id", type=int)
    if form.validate_on_submit():
        outcome = attempt(
            bank_review.match_by_hand,
            line_id,
            form.kind.data,
            form.ref.data or "",
            form.reason.data,
            current_user.id,
        )
        if outcome.ok:
            flash(_("Satır elle eşleştirildi."), "success")
            statement_id = outcome.value.statement_id
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(error, "danger")
    if statement_id is None:
        return redirect(url_for("admin.bank_statements"))
    return redirect(url_for("admin.bank_statement", statement_id=statement_id) + f"#line-{line_id}")


PART_LABELS = {
    "transfers_banked": _l("Havale/EFT siparişleri: parası ekstrede görüldü"),
    "transfers_not_banked": _l("Havale/EFT siparişleri: ödendi işaretli, ekstrede henüz yok"),
    "transfer_refunds": _l("Havale ile yapılan iadeler"),
    "transfers_awaited": _l("Havalesi beklenen siparişler (deftere girmedi)"),
    "cash_deposited": _l("Kapanan kasalar: bankaya yatırıldı"),
    "cash_not_deposited": _l("Kapanan kasalar: henüz yatırılmadı"),
    "cash_at_open_desks": _l("Açık kasalardaki nakit"),
    "provider_banked": _l("Sağlayıcı aktarımları: bankaya geldi"),
    "settlements_not_banked": _l("Sağlayıcı aktarımları: sağlayıcı gönderdi, ekstrede henüz yok"),
    "at_provider": _l("Sağlayıcıda bekleyen (bankaya gelmedi)"),
    "payouts_confirmed": _l("Üye ödemeleri: ekstrede görüldü"),
    "payouts_marked_paid": _l("Üye ödemeleri: ödendi işaretli, ekstrede yok"),
    "payouts_not_confirmed": _l("Üye ödemeleri: onaylandı, bankadan teyit yok"),
}
ACCOUNT_LABELS = {
    "clearing:bank": _l("Banka havale/EFT tahsilatı (clearing:bank)"),
    "clearing:cash": _l("Pazar nakdi (clearing:cash)"),
    "clearing:stripe": _l("Stripe (clearing:stripe)"),
    "clearing:iyzico": _l("iyzico (clearing:iyzico)"),
    "bank:payouts": _l("Üyelere ödenen (bank:payouts)"),
}


def _month(text: str | None) -> date:
    """The month asked for (``2026-11``), else the one just ended (Istanbul)."""
    try:
        year, month = (int(part) for part in (text or "").split("-"))
        return date(year, month, 1)
    except ValueError:
        today = turkey.istanbul_date(utcnow())
        return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


@bp.get("/month-end")
@roles_required("admin")
def month_end_page():
    report = month_end.close(_month(request.args.get("month")))
    return render_template(
        "admin/bank/month_end.html",
        report=report,
        part_labels=PART_LABELS,
        account_labels=ACCOUNT_LABELS,
    )
