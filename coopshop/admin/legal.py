"""Admin pages: the legal texts — each kind's version in force, what is to come, and a new
version (editing never rewrites an old one; routes on the admin blueprint)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from coopshop.admin.legal_forms import LegalDocumentForm
from coopshop.admin.routes import bp
from coopshop.models.legal import LEGAL_KINDS
from coopshop.services.legal import documents
from coopshop.services.legal.documents import DocumentDraft
from coopshop.services.legal.render import PLACEHOLDERS
from coopshop.web.formatting import when
from coopshop.web.permissions import roles_required
from coopshop.web.uow import attempt


@bp.get("/legal")
@roles_required("admin")
def legal_documents():
    return render_template("admin/legal.html", overview=documents.overview())


@bp.route("/legal/<kind>", methods=["GET", "POST"])
@roles_required("admin")
def legal_edit(kind: str):
    if kind not in LEGAL_KINDS:
        abort(404)
    history = documents.history(kind)
    form = LegalDocumentForm()
    if request.method == "GET":
        # Start from the newest version (or the cooperative's draft): an edit of it.
        base = history[0] if history else documents.unsaved_draft(kind)
        form.title_tr.data = base.title_tr
        form.body_tr.data = base.body_tr
        form.title_en.data = base.title_en
        form.body_en.data = base.body_en
    status = 200
    if form.validate_on_submit():
        draft = DocumentDraft(
            kind=kind,
            title_tr=form.title_tr.data or "",
            body_tr=form.body_tr.data or "",
            title_en=form.title_en.data or "",
            body_en=form.body_en.data or "",
            effective_from=form.effective_from.utc,
            note=form.note.data or "",
        )
        outcome = attempt(documents.publish, draft, current_user.id, form=form)
        if outcome.ok:
            flash(
                _(
                    "Sürüm %(version)s kaydedildi; %(when)s itibarıyla yürürlükte.",
                    version=outcome.value.version,
                    when=when(outcome.value.effective_from, "short"),
                ),
                "success",
            )
            return redirect(url_for("admin.legal_documents"))
        status = outcome.status
    elif request.method == "POST":
        status = 400
    return (
        render_template(
            "admin/legal_edit.html",
            kind=kind,
            form=form,
            history=history,
            placeholders=PLACEHOLDERS,
        ),
        status,
    )
