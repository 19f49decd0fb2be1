"""POST /checkout/iyzico/callback: where iyzico's payment page sends the shopper back.

iyzico posts only a token (cross-site, so without our CSRF token or session cookie): the
payment is confirmed server-side by services.sales.iyzico_payments, never from the post itself.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import lazy_gettext as _l

from coopshop.db import db
from coopshop.extensions import csrf, limiter
from coopshop.models import Order
from coopshop.services.core import settings as settings_service
from coopshop.services.sales import iyzico_payments, payments
from coopshop.shop.checkout import order_url
from coopshop.shop.routes import bp
from coopshop.web.uow import attempt

_MESSAGES = {
    "paid": ("success", _l("Ödemeniz alındı. Teşekkür ederiz!")),
    "already paid": ("success", _l("Ödemeniz alındı. Teşekkür ederiz!")),
    "failed": (
        "danger",
        _l("Ödeme yapılamadı; siparişiniz iptal edildi ve ürünler yeniden satışta."),
    ),
    "pending": ("info", _l("Ödemeniz henüz onaylanmadı; onaylanınca e-postayla bildireceğiz.")),
    "mismatch": ("danger", _l("Ödeme siparişle eşleşmedi; ekibimiz inceleyecek.")),
}


@bp.post("/checkout/iyzico/callback")
@csrf.exempt
@limiter.limit("60 per minute")
def iyzico_callback():
    provider = payments.iyzico_provider(current_app.config)
    token = (request.form.get("token") or "").strip()
    if provider is None:
        abort(404)
    if not token or len(token) > 255:
        abort(400)
    outcome = attempt(
        iyzico_payments.confirm, token, provider.client, settings_service.current(), "callback"
    )
    if not outcome.ok:  # attempt has shown the message
        order = iyzico_payments.order_for_token(token)
        return redirect(order_url(order) if order else url_for("shop.index"), code=303)
    done = outcome.value
    category, message = _MESSAGES.get(done.action, ("info", _l("Siparişinizin durumu aşağıda.")))
    flash(str(message), category)
    order = db.session.scalar(db.select(Order).where(Order.number == done.order_number))
    return redirect(order_url(order), code=303)
