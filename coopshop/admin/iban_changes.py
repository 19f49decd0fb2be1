"""Admin pages: members' IBAN changes — those waiting out their hold (confirm after checking
with her, or cancel one she did not ask for) and the history the accountant reads."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from coopshop.admin.payout_forms import ActionForm
from coopshop.admin.routes import bp
from coopshop.db import db
from coopshop.models import User
from coopshop.services.members import iban_changes
from coopshop.services.members.producer_profile import masked_iban
from coopshop.web.permissions import roles_required
from coopshop.web.uow import attempt


@bp.get("/iban-changes")
@roles_required("admin")
def iban_changes_page():
    attempt(iban_changes.settle_due)  # a hold that ended shows as applied
    rows = iban_changes.changes()
    ids = {i for r in rows for i in (r.requested_by_id, r.confirmed_by_id, r.closed_by_id) if i}
    people = {u.id: u.name for u in (db.session.get(User, i) for i in sorted(ids)) if u}
    return render_template(
        "admin/iban_changes.html",
        rows=rows,
        people=people,
        masked=masked_iban,
        action_form=ActionForm(),
    )


def _act(change_id: int, action, done: str):
    if not ActionForm().validate_on_submit():
        abort(400)
    if attempt(action, change_id, current_user.id).ok:
        flash(done, "success")
    return redirect(url_for("admin.iban_changes_page"))


@bp.post("/iban-changes/<int:change_id>/confirm")
@roles_required("admin")
def iban_change_confirm(change_id: int):
    return _act(
        change_id,
        iban_changes.confirm,
        _("Yeni IBAN onaylandı; bundan sonraki ödemeler bu hesaba yapılır."),
    )


@bp.post("/iban-changes/<int:change_id>/cancel")
@roles_required("admin")
def iban_change_cancel(change_id: int):
    return _act(
        change_id,
        iban_changes.cancel,
        _("IBAN değişikliği durduruldu; üyeye e-posta gönderildi."),
    )
