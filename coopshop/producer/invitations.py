"""Her invitations to be a co-maker: see the product and her share, accept or decline
(services.catalog.co_makers)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from coopshop.producer.forms import ActionForm
from coopshop.producer.routes import bp
from coopshop.services.catalog import co_makers
from coopshop.web.permissions import current_producer, roles_required
from coopshop.web.uow import attempt


@bp.get("/invitations")
@roles_required("producer")
def invitations():
    profile = current_producer()
    return render_template(
        "producer/invitations.html",
        profile=profile,
        rows=co_makers.invitations(profile.id),
    )


def _answer(product_id: int, answer, done: str, to_product: bool):
    profile = current_producer()
    if not ActionForm().validate_on_submit():
        abort(400)
    outcome = attempt(answer, profile, product_id, current_user.id)
    if outcome.ok:
        flash(done, "success")
        if to_product:
            return redirect(url_for("producer.product_edit", product_id=product_id))
    return redirect(url_for("producer.invitations"))


@bp.post("/invitations/<int:product_id>/accept")
@roles_required("producer")
def invitation_accept(product_id: int):
    return _answer(
        product_id,
        co_makers.accept,
        _("Payınızı kabul ettiniz; ürünü ekleyen ortağınız artık incelemeye gönderebilir."),
        to_product=True,
    )


@bp.post("/invitations/<int:product_id>/decline")
@roles_required("producer")
def invitation_decline(product_id: int):
    return _answer(
        product_id,
        co_makers.decline,
        _("Daveti reddettiniz; bu ürünün üreticileri arasında yer almıyorsunuz."),
        to_product=False,
    )
