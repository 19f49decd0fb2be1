"""Her data on her account page (KVKK): marketing consent on and off, a copy of her data as a
zip, and a request to erase it. Every page is thin: the rules are in services.members."""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField
from wtforms.validators import DataRequired

from coopshop.extensions import limiter
from coopshop.services.members import consents
from coopshop.services.members import data_requests as service
from coopshop.services.members.users import MAX_PASSWORD_LENGTH
from coopshop.shop.routes import bp
from coopshop.web.form_messages import max_length
from coopshop.web.uow import attempt


class MarketingForm(FlaskForm):
    marketing = BooleanField(consents.MARKETING_LABEL)


class ExportForm(FlaskForm):
    """Only the CSRF token: asking for a copy is a button."""


class ErasureForm(FlaskForm):
    password = PasswordField(
        _l("Parolanız"),
        validators=[DataRequired(_l("Bu alan zorunlu.")), max_length(MAX_PASSWORD_LENGTH)],
    )


def _page(erasure_form: ErasureForm | None = None, status: int = 200):
    response = make_response(
        render_template(
            "shop/my_data.html",
            export_form=ExportForm(),
            erasure_form=erasure_form or ErasureForm(),
            requests=service.requests_of(current_user.id),
            pending_erasure=service.pending_erasure(current_user.id),
            kind_labels=service.KIND_LABELS,
            status_labels=service.STATUS_LABELS,
            link_days=service.EXPORT_LINK_DAYS,
        ),
        status,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/account/data")
@login_required
def my_data():
    return _page()


@bp.post("/account/consents")
@login_required
def marketing_consent():
    form = MarketingForm()
    if not form.validate_on_submit():
        flash(_("Oturumunuzun süresi dolmuş; yeniden deneyin."), "danger")
        return redirect(url_for("shop.account"))
    outcome = attempt(
        consents.set_marketing, current_user._get_current_object(), form.marketing.data, "account"
    )
    if outcome.ok:
        if form.marketing.data:
            flash(_("Kampanya ve duyuru e-postalarına izin verdiniz."), "success")
        else:
            flash(_("Kampanya ve duyuru e-postası almayacaksınız."), "info")
    return redirect(url_for("shop.account"))


@bp.post("/account/data/export")
@login_required
@limiter.limit("10 per hour")
def data_export():
    if not ExportForm().validate_on_submit():
        flash(_("Oturumunuzun süresi dolmuş; yeniden deneyin."), "danger")
        return redirect(url_for("shop.my_data"))
    outcome = attempt(service.request_export, current_user._get_current_object())
    if not outcome.ok:
        return redirect(url_for("shop.my_data"))
    return redirect(url_for("shop.data_download", request_id=outcome.value.id))


@bp.get("/account/data/<int:request_id>/download")
@login_required
@limiter.limit("30 per hour")
def data_download(request_id: int):
    outcome = attempt(service.download_export, request_id, current_user.id, show=False)
    if not outcome.ok:
        abort(404)  # someone else's, gone, or never there: the same answer
    name, content = outcome.value
    response = make_response(content)
    response.headers["Content-Type"] = "application/zip"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/account/data/erasure")
@login_required
@limiter.limit("10 per hour")
def data_erasure():
    form = ErasureForm()
    if not form.validate_on_submit():
        return _page(form, 400)
    outcome = attempt(
        service.request_erasure, current_user._get_current_object(), form.password.data, form=form
    )
    if outcome.rerender:
        return _page(form, outcome.status)
    if outcome.ok:
        flash(
            _(
                "Silme talebinizi aldık. En geç 30 gün içinde sonuçlandırılacak ve size e-posta "
                "ile bildirilecek."
            ),
            "success",
        )
    return redirect(url_for("shop.my_data"))
