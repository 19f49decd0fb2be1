"""Her profile: name in the shop, centre, craft, bio, photo, IBAN and e-mail preference."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from coopshop.producer.forms import ProfileForm
from coopshop.producer.routes import bp, form_error
from coopshop.services.core import images, uow
from coopshop.services.core.errors import DomainError
from coopshop.services.members import producer_profile as profile_service
from coopshop.web.permissions import current_producer, roles_required


@bp.route("/profile", methods=["GET", "POST"])
@roles_required("producer")
def profile():
    me = current_producer()
    form = ProfileForm(obj=me) if request.method == "GET" else ProfileForm()
    if form.validate_on_submit():
        photo = form.photo.data if form.photo.data and form.photo.data.filename else None
        data = profile_service.ProfileInput(
            display_name=form.display_name.data or "",
            centre=form.centre.data or "",
            craft=form.craft.data or "",
            bio=form.bio.data or "",
            iban=form.iban.data,
            notify_email=bool(form.notify_email.data),
        )
        upload_dir = current_app.config["UPLOAD_DIR"]
        try:
            old_files = profile_service.update_profile(
                me, data, current_user.id, photo=photo, upload_dir=upload_dir
            )
        except DomainError as exc:
            uow.rollback()
            form_error(form, exc)
        else:
            uow.commit()
            images.delete_files(upload_dir, *old_files)
            flash(_("Profiliniz kaydedildi."), "success")
            return redirect(url_for("producer.profile"))
    return render_template(
        "producer/profile.html",
        profile=me,
        form=form,
        masked_iban=profile_service.masked_iban(me.iban),
    ), (400 if form.errors else 200)
