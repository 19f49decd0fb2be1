"""The cart pages: the cart kept in the session, its forms, and the navbar badge.

The rules (quantities, stock, shipping) are in services.cart; this module only reads the form,
calls the service and keeps the resulting dict in the session.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    current_app,
    flash,
    has_request_context,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.validators import InputRequired

from coopshop.services.core import settings as settings_service
from coopshop.services.core.errors import DomainError
from coopshop.services.sales import cart as cart_service
from coopshop.shop import taksit
from coopshop.shop.routes import bp
from coopshop.web.fields import WholeNumberField

SESSION_KEY = "cart"
_NOT_A_NUMBER = _l("Adet bir tam sayı olmalı.")


class RemoveForm(FlaskForm):
    product_id = WholeNumberField(
        validators=[InputRequired(_l("Ürün seçilmedi."))], message=_NOT_A_NUMBER
    )


class QuantityForm(RemoveForm):
    quantity = WholeNumberField(
        _l("Adet"), default=1, validators=[InputRequired(_l("Adet girin."))], message=_NOT_A_NUMBER
    )


# The session stores JSON: keys come back as strings, so every read goes through get_cart().
def get_cart() -> dict[int, int]:
    raw = session.get(SESSION_KEY)
    items: dict[int, int] = {}
    if not isinstance(raw, dict):
        return items
    for key, value in raw.items():
        try:
            product_id, quantity = int(key), int(value)
        except (TypeError, ValueError):
            continue
        if product_id > 0 and quantity > 0:
            items[product_id] = quantity
    return items


def save_cart(items: dict[int, int]) -> None:
    session[SESSION_KEY] = {str(pid): int(qty) for pid, qty in items.items()}


def clear_cart() -> None:
    session.pop(SESSION_KEY, None)


@bp.app_context_processor
def inject_cart_count() -> dict:
    # From the session alone: the badge costs no query on any page. Templates rendered outside
    # a request (e-mails from a CLI command) have no session and no badge.
    if not has_request_context():
        return {}
    return {"cart_count": sum(get_cart().values())}


def _back(fallback: str) -> str:
    """The form's ``next`` when it stays on this site, else ``fallback``."""
    target = request.form.get("next", "")
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.netloc:
        return target
    return fallback


def _first_error(form: FlaskForm) -> str:
    for errors in form.errors.values():
        if errors:
            return str(errors[0])
    return _("Geçersiz istek.")


@bp.get("/cart")
def cart():
    items = get_cart()
    summary = cart_service.summarize(items, settings_service.current())
    if summary.unknown_ids:
        for product_id in summary.unknown_ids:
            items = cart_service.remove(items, product_id)
        save_cart(items)
        flash(_("Sepetinizdeki bazı ürünler artık yok; sepetten çıkarıldı."), "warning")
    checkout_ready = "shop.checkout" in current_app.view_functions
    return render_template(
        "shop/cart.html",
        summary=summary,
        checkout_ready=checkout_ready,
        max_quantity=cart_service.MAX_QUANTITY,
        taksit=taksit.tables_for(summary.total_kurus) if summary.ok else (),
    )


def _change(form: FlaskForm, change, success: str, fallback: str):
    """Validate, apply ``change`` to the cart, save it; on any refusal flash why and keep the
    cart as it was."""
    if not form.validate_on_submit():
        flash(_first_error(form), "danger")
        return redirect(_back(fallback))
    try:
        items = change(get_cart())
    except DomainError as exc:
        flash(str(exc.message), "danger")
        return redirect(_back(fallback))
    save_cart(items)
    flash(success, "success")
    return None


@bp.post("/cart/add")
def cart_add():
    form = QuantityForm()
    refused = _change(
        form,
        lambda items: cart_service.checked_add(items, form.product_id.data, form.quantity.data),
        _("Ürün sepete eklendi."),
        url_for("shop.cart"),
    )
    return refused or redirect(url_for("shop.cart"))


@bp.post("/cart/update")
def cart_update():
    form = QuantityForm()
    refused = _change(
        form,
        lambda items: cart_service.checked_set_quantity(
            items, form.product_id.data, form.quantity.data
        ),
        _("Sepet güncellendi."),
        url_for("shop.cart"),
    )
    return refused or redirect(url_for("shop.cart"))


@bp.post("/cart/remove")
def cart_remove():
    form = RemoveForm()
    refused = _change(
        form,
        lambda items: cart_service.remove(items, form.product_id.data),
        _("Ürün sepetten çıkarıldı."),
        url_for("shop.cart"),
    )
    return refused or redirect(url_for("shop.cart"))
