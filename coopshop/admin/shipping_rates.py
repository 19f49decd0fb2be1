"""Admin page: the shipping price table (routes on the admin blueprint): bands by desi and
province, free shipping above the threshold (a setting), the flat fee where no band applies."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange

from coopshop.admin.member_forms import ConfirmForm
from coopshop.admin.routes import bp
from coopshop.services.sales import shipping_price
from coopshop.services.shipping import rates
from coopshop.turkey import PROVINCES
from coopshop.web.fields import KurusField, WholeNumberField
from coopshop.web.permissions import roles_required
from coopshop.web.uow import attempt

_FIELDS = {"province": "province", "max_desi": "max_desi", "price": "price"}


class RateForm(FlaskForm):
    province = SelectField(
        _l("İl"),
        choices=[SelectChoice("", _l("Türkiye geneli (kendi fiyatı olmayan iller)"))]
        + [SelectChoice(p, p) for p in PROVINCES],
        validate_choice=True,
    )
    max_desi = WholeNumberField(
        _l("En fazla desi"),
        validators=[
            InputRequired(_l("Desiyi yazın.")),
            NumberRange(min=1, max=rates.MAX_DESI, message=_l("Desi 1 ile 1000 arası.")),
        ],
        message=_l("Desi bir tam sayı olmalı."),
    )
    price = KurusField(
        _l("Fiyat (KDV dahil)"), validators=[InputRequired(_l("Fiyatı yazın."))], allow_zero=True
    )


def _page(form: RateForm, status: int = 200):
    config = current_app.config
    box = shipping_price.cart_box(1, config)
    return (
        render_template(
            "admin/shipping_rates.html",
            form=form,
            rates=rates.table(),
            remove_form=ConfirmForm(),
            box=box,
            flat_kurus=config["SHIPPING_FLAT_KURUS"],
            threshold_kurus=config["FREE_SHIPPING_THRESHOLD_KURUS"],
            source=config.get("SHIPPING_PRICE_SOURCE", "table"),
        ),
        status,
    )


@bp.route("/shipping-rates", methods=["GET", "POST"])
@roles_required("admin")
def shipping_rates():
    form = RateForm()
    if not form.validate_on_submit():
        return _page(form, 422 if form.is_submitted() else 200)
    outcome = attempt(
        rates.add,
        form.province.data or "",
        form.max_desi.data,
        form.price.kurus,
        current_user.id,
        form=form,
        fields=_FIELDS,
    )
    if not outcome.ok:
        return _page(form, 422)
    flash(_("Kargo fiyatı eklendi."), "success")
    return redirect(url_for("admin.shipping_rates"))


@bp.post("/shipping-rates/<int:rate_id>/remove")
@roles_required("admin")
def shipping_rate_remove(rate_id: int):
    if ConfirmForm().validate_on_submit():
        outcome = attempt(rates.remove, rate_id, current_user.id)
        if outcome.ok:
            flash(_("Kargo fiyatı silindi."), "success")
    return redirect(url_for("admin.shipping_rates"))
