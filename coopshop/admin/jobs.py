"""Admin page: the background jobs (mail, invoice issuing) waiting in the outbox, and the ones
that gave up after their attempts, with their last error and a retry button (routes on the admin
blueprint). Only admins."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from coopshop.admin.routes import bp
from coopshop.services.core import outbox
from coopshop.web.permissions import roles_required
from coopshop.web.uow import attempt

KIND_LABELS = {
    "mail": _l("E-posta"),
    "invoice.issue": _l("Fatura gönderimi"),
    "sms": _l("SMS"),
}


class RetryJobForm(FlaskForm):
    """A button: give a job that gave up a fresh set of attempts (a sent mail never goes twice)."""


@bp.get("/jobs")
@roles_required("admin")
def jobs():
    return render_template(
        "admin/jobs.html", state=outbox.status(), kinds=KIND_LABELS, form=RetryJobForm()
    )


@bp.post("/jobs/<int:job_id>/retry")
@roles_required("admin")
def job_retry(job_id: int):
    form = RetryJobForm()
    if not form.validate_on_submit():
        flash(_("Oturumunuzun süresi dolmuş olabilir; yeniden deneyin."), "danger")
        return redirect(url_for("admin.jobs"))
    if attempt(outbox.retry_one, job_id).ok:
        flash(_("İş yeniden sıraya alındı."), "success")
    return redirect(url_for("admin.jobs"))
