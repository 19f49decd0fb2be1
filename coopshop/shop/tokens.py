"""The account's API tokens page: create a token (shown once), see when each was last used,
revoke one. Any logged-in user; a token acts with its owner's role."""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import StringField

from coopshop.extensions import limiter
from coopshop.services.core import uow
from coopshop.services.core.errors import DomainError, NotFound
from coopshop.services.members import users as user_service
from coopshop.shop.routes import bp
from coopshop.web.form_messages import max_length

_NEW_TOKEN_KEY = "new_api_token"  # noqa: S105 (a session key, not a secret)


class TokenForm(FlaskForm):
    name = StringField(
        _l("Anahtarın adı (örneğin: Pazar tableti)"),
        validators=[max_length(user_service.API_TOKEN_NAME_MAX)],
    )


class RevokeForm(FlaskForm):
    """Only the CSRF token: revoking is a POST from a button."""


def _page(form: TokenForm, status: int = 200):
    # Shown once: the new token travels from the POST to this page in the session and is
    # dropped as it is shown.
    new_token = session.pop(_NEW_TOKEN_KEY, None)
    response = make_response(
        render_template(
            "shop/tokens.html",
            form=form,
            revoke_form=RevokeForm(),
            tokens=user_service.api_tokens_of(current_user),
            new_token=new_token,
        ),
        status,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/account/tokens")
@login_required
def api_tokens():
    return _page(TokenForm())


@bp.post("/account/tokens")
@login_required
@limiter.limit("10 per minute")
def create_api_token():
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(form, 400)
    try:
        token = user_service.issue_api_token(
            current_user, form.name.data or "", actor_id=current_user.id
        )
    except DomainError as exc:
        uow.rollback()
        form.name.errors = [*form.name.errors, exc.message]
        return _page(form, 400)
    uow.commit()
    session[_NEW_TOKEN_KEY] = token
    flash(_("API anahtarı oluşturuldu. Şimdi kopyalayın: bir daha gösterilmeyecek."), "success")
    return redirect(url_for("shop.api_tokens"))


@bp.post("/account/tokens/<int(max=2147483647):token_id>/revoke")
@login_required
def revoke_api_token(token_id: int):
    if not RevokeForm().validate_on_submit():
        flash(_("Oturumunuzun süresi dolmuş; yeniden deneyin."), "danger")
        return redirect(url_for("shop.api_tokens"))
    try:
        user_service.revoke_api_token(current_user, token_id)
    except NotFound:
        abort(404)  # someone else's token, or none: the same answer
    uow.commit()
    flash(_("API anahtarı iptal edildi."), "info")
    return redirect(url_for("shop.api_tokens"))
