"""Admin pages: every data-subject request (KVKK m.11) with its 30-day deadline; an erasure is
carried out here (the service refuses while the law still needs her data) or refused with a
reason she receives."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from coopshop.admin.routes import bp
from coopshop.models import utcnow
from coopshop.services.core.errors import NotFound
from coopshop.services.members import data_requests as service
from coopshop.web.permissions import roles_required
from coopshop.web.uow import attempt


class EraseForm(FlaskForm):
    """Only the CSRF token: carrying out an erasure is a button."""


class RefuseForm(FlaskForm):
    note = TextAreaField(
        _l("Reddetme gerekçesi (talep sahibine gönderilir)"),
        validators=[
            DataRequired(_l("Reddetme gerekçesini yazın.")),
            Length(max=service.MAX_NOTE_LENGTH),
        ],
    )


def _render(code: int = 200, failed: tuple[int, RefuseForm] | None = None):
    status = request.args.get("status", "")
    status = status if status in service.STATUS_LABELS else ""
    rows = service.all_requests(status)
    holds = {
        r.id: service.erasure_holds(r.user)
        for r in rows
        if r.kind == "erasure" and r.status == "pending"
    }
    refuse_forms = {r.id: RefuseForm(prefix=f"r{r.id}") for r in rows if r.status == "pending"}
    if failed is not None and failed[0] in refuse_forms:
        refuse_forms[failed[0]] = failed[1]
    return render_template(
        "admin/data_requests.html",
        rows=rows,
        status=status,
        holds=holds,
        erase_form=EraseForm(),
        refuse_forms=refuse_forms,
        kind_labels=service.KIND_LABELS,
        status_labels=service.STATUS_LABELS,
        now=utcnow(),
    ), code


@bp.get("/data-requests")
@roles_required("admin")
def data_requests():
    return _render()


@bp.post("/data-requests/<int:request_id>/erase")
@roles_required("admin")
def data_request_erase(request_id: int):
    if not EraseForm().validate_on_submit():
        flash(_("Oturumunuzun süresi dolmuş; yeniden deneyin."), "danger")
        return redirect(url_for("admin.data_requests"))
    outcome = attempt(service.carry_out_erasure, request_id, current_user.id, show=False)
    if isinstance(outcome.error, NotFound):
        abort(404)
    if outcome.ok:
        flash(_("Veriler silindi; hesap kapatıldı."), "success")
    else:
        flash(outcome.error.message, "danger")
    return redirect(url_for("admin.data_requests"))


@bp.post("/data-requests/<int:request_id>/refuse")
@roles_required("admin")
def data_request_refuse(request_id: int):
    form = RefuseForm(prefix=f"r{request_id}")
    if not form.validate_on_submit():
        return _render(400, failed=(request_id, form))
    outcome = attempt(
        service.refuse, request_id, current_user.id, form.note.data, form=form, show=False
    )
    if isinstance(outcome.error, NotFound):
        abort(404)
    if outcome.ok:
        flash(_("Talep reddedildi; gerekçe talep sahibine gönderildi."), "info")
    else:
        flash(outcome.error.message, "danger")
    return redirect(url_for("admin.data_requests"))
