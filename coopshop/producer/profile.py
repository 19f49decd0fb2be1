"""Her profile: name in the shop, centre, craft, bio, photo, IBAN and e-mail preference. A new
IBAN needs her current password and waits out a hold (services.members.iban_changes)."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user

from coopshop.extensions import limiter
from coopshop.producer.forms import ProfileForm
from coopshop.producer.routes import bp, form_error
from coopshop.services.core import images, uow
from coopshop.services.core import settings as settings_service
from coopshop.services.core.errors import DomainError
from coopshop.services.members import iban_changes, signin
from coopshop.services.members import producer_profile as profile_service
from coopshop.web.permissions import current_producer, roles_required


def _proof(form: ProfileForm):
    """Her password again, for a new IBAN: the proof, or None with the error under the field
    (a wrong one is committed as a failed attempt, and nothing else of the form is saved)."""
    if not form.current_password.data:
        form.current_password.errors = [_("IBAN'ı değiştirmek için şu anki parolanızı yazın.")]
        return None
    proof = signin.reauthenticate(current_user._get_current_object(), form.current_password.data)
    uow.commit()  # the failed attempt counts even though the change is refused
    if proof.locked_until is not None:
        form.current_password.errors = [
            _(
                "Çok fazla yanlış deneme. %(time)s sonrasında yeniden deneyin.",
                time=format_datetime(proof.locked_until, "HH:mm"),
            )
        ]
        return None
    if proof.user is None:
        form.current_password.errors = [_("Parola yanlış; hiçbir şey değiştirilmedi.")]
        return None
    return proof


def _save(me, form: ProfileForm):
    """Save the form; returns True when saved (else the errors are on the form)."""
    photo = form.photo.data if form.photo.data and form.photo.data.filename else None
    data = profile_service.ProfileInput(
        display_name=form.display_name.data or "",
        centre=form.centre.data or "",
        craft=form.craft.data or "",
        bio=form.bio.data or "",
        notify_email=bool(form.notify_email.data),
        notify_payout_email=bool(form.notify_payout_email.data),
        notify_refund_email=bool(form.notify_refund_email.data),
        notify_sms=bool(form.notify_sms.data),
        phone=form.phone.data or "",
    )
    upload_dir = current_app.config["UPLOAD_DIR"]
    proof = None
    try:
        if iban_changes.is_change(me, form.iban.data):
            proof = _proof(form)
            if proof is None:
                return False
        old_files = profile_service.update_profile(
            me, data, current_user.id, photo=photo, upload_dir=upload_dir
        )
        change = None
        if proof is not None:
            change = iban_changes.request_change(
                me, form.iban.data, current_user.id, settings_service.current(), proof
            )
    except DomainError as exc:
        uow.rollback()
        form_error(form, exc)
        return False
    uow.commit()
    images.delete_files(upload_dir, *old_files)
    flash(_("Profiliniz kaydedildi."), "success")
    if change is not None and change.status == "pending":
        flash(
            _(
                "Yeni IBAN'ınız %(when)s sonrasında geçerli olacak; size e-posta gönderdik.",
                when=format_datetime(change.hold_until, "d MMMM yyyy HH:mm"),
            ),
            "info",
        )
    elif change is not None and change.status == "cancelled":
        flash(_("Bekleyen IBAN değişikliği geri alındı; geçerli IBAN'ınız aynı kaldı."), "info")
    return True


@bp.route("/profile", methods=["GET", "POST"])
@roles_required("producer")
@limiter.limit("10 per minute;60 per hour", methods=["POST"])
def profile():
    me = current_producer()
    form = ProfileForm(obj=me) if request.method == "GET" else ProfileForm()
    if request.method == "GET":
        form.iban.data = ""  # blank keeps the IBAN; the page shows it masked
        form.phone.data = me.user.phone or ""
    if form.validate_on_submit() and _save(me, form):
        return redirect(url_for("producer.profile"))
    iban_changes.settle_due(producer_ids=[me.id])
    uow.commit()
    pending = iban_changes.pending_change(me.id)
    return render_template(
        "producer/profile.html",
        profile=me,
        form=form,
        masked_iban=profile_service.masked_iban(me.iban),
        pending=pending,
        masked_pending=profile_service.masked_iban(pending.new_iban if pending else None),
    ), (400 if form.errors else 200)
