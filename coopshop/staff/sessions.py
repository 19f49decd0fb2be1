"""Staff pages: bazaar cash sessions (open with a float, see the takings, close with a count)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from coopshop.money import kurus_text
from coopshop.services.bazaar import cash
from coopshop.services.bazaar import tickets as bazaar
from coopshop.services.core.errors import Conflict, DomainError, NotFound
from coopshop.staff.forms import CloseSessionForm, OpenSessionForm
from coopshop.staff.routes import bp
from coopshop.web.permissions import roles_required
from coopshop.web.uow import attempt

STAFF = ("staff", "admin")


def _session_or_404(session_id: int):
    try:
        return cash.get(session_id)
    except NotFound:
        abort(404)


def _field_error(form, exc: DomainError, default: str) -> None:
    field = getattr(form, str(exc.details.get("field", default)), None) or getattr(form, default)
    field.errors = [*field.errors, exc.message]


@bp.get("/sessions")
@roles_required(*STAFF)
def sessions():
    return render_template("staff/sessions.html", summaries=cash.summaries(cash.recent(50)))


@bp.route("/sessions/new", methods=["GET", "POST"])
@roles_required(*STAFF)
def open_session():
    form = OpenSessionForm()
    if form.validate_on_submit():
        outcome = attempt(
            cash.open_session,
            form.event_name.data,
            form.desk.data,
            form.opening_float.kurus,
            current_user.id,
            show=False,
        )
        if not outcome.ok:
            _field_error(form, outcome.error, "event_name")
            return render_template("staff/session_open.html", form=form), 409
        session = outcome.value
        flash(
            _("Kasa açıldı: %(event)s · %(desk)s", event=session.event_name, desk=session.desk),
            "success",
        )
        return redirect(url_for("staff.pos", session_id=session.id))
    status = 422 if form.errors else 200
    return render_template("staff/session_open.html", form=form), status


def _render_session(session, form=None, preview=None, status=200):
    summary = cash.summary(session)
    if form is None and session.status == "open":
        form = CloseSessionForm(formdata=None)
    return (
        render_template(
            "staff/session.html",
            summary=summary,
            sales=bazaar.recent_sales(session.id),
            unsent=[f"{d.label or d.device_id[:8]} ({d.pending})" for d in cash.unsent(session.id)],
            form=form,
            preview=preview,
        ),
        status,
    )


@bp.get("/sessions/<int:session_id>")
@roles_required(*STAFF)
def session_detail(session_id: int):
    return _render_session(_session_or_404(session_id))


@bp.post("/sessions/<int:session_id>/close")
@roles_required(*STAFF)
def close_session(session_id: int):
    session = _session_or_404(session_id)
    if session.status != "open":
        flash(_("Bu kasa oturumu zaten kapatılmış."), "warning")
        return redirect(url_for("staff.session_detail", session_id=session.id))
    form = CloseSessionForm()
    if not form.validate_on_submit():
        return _render_session(session, form, status=422)
    counted = form.counted.kurus
    if form.confirm.data != "1":
        # First step: show the expected cash, the count and the difference before booking.
        expected = cash.expected_cash(session)
        return _render_session(session, form, preview=(expected, counted, counted - expected))
    try:
        shown = int(form.expected.data)
    except (TypeError, ValueError):
        shown = None
    outcome = attempt(
        cash.close_session, session.id, counted, current_user.id, expected_kurus=shown, show=False
    )
    if isinstance(outcome.error, Conflict):  # the takings changed since the preview: show again
        session = _session_or_404(session_id)
        expected = cash.expected_cash(session)
        flash(outcome.error.message, "warning")
        return _render_session(
            session, form, preview=(expected, counted, counted - expected), status=409
        )
    if not outcome.ok:
        flash(outcome.error.message, "danger")
        return redirect(url_for("staff.session_detail", session_id=session_id))
    difference = outcome.value.difference_kurus
    if difference > 0:
        message = _("Kasa kapatıldı. Kasa fazlası: %(amount)s", amount=kurus_text(difference))
    elif difference < 0:
        message = _("Kasa kapatıldı. Kasa açığı: %(amount)s", amount=kurus_text(-difference))
    else:
        message = _("Kasa kapatıldı. Sayım beklenen tutarla aynı.")
    flash(message, "success")
    return redirect(url_for("staff.session_detail", session_id=session_id))
