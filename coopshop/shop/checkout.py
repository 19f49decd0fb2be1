"""Checkout, the order status page and the demo payment page (development only)."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from coopshop.db import db
from coopshop.extensions import limiter
from coopshop.models import Order, OrderLine, Refund, utcnow
from coopshop.services.core import settings as settings_service
from coopshop.services.core import uow
from coopshop.services.core.errors import DomainError
from coopshop.services.legal import seller as seller_service
from coopshop.services.sales import agreements, order_history, order_states, payments, withdrawals
from coopshop.services.sales import checkout as checkout_service
from coopshop.services.sales.agreements import Acceptance
from coopshop.services.sales.order_states import PaymentInfo
from coopshop.services.sales.orders import Buyer
from coopshop.services.shipping import pricing
from coopshop.services.shipping.base import ShippingError
from coopshop.shop.checkout_forms import CheckoutForm
from coopshop.shop.routes import bp
from coopshop.web import shipping as shipping_web
from coopshop.web.links import external_url


def _serializer() -> URLSafeTimedSerializer:
    # Timed: a link from an e-mail opens the order for ORDER_LINK_DAYS, then only its owner's
    # account (or staff) does.
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="order-link")


def order_token(order: Order) -> str:
    return _serializer().dumps(order.number)


def order_url(order: Order, **kwargs) -> str:
    """The order's status page, with a signed token so a guest's e-mail link opens it."""
    return url_for("shop.order_status", number=order.number, t=order_token(order), **kwargs)


def _demo_page_url(order: Order) -> str:
    return url_for("shop.demo_pay", number=order.number, t=order_token(order))


def _token_is_valid(order: Order) -> bool:
    """The request carries this order's signed, unexpired link token."""
    token = request.args.get("t") or request.form.get("t")
    if token:
        max_age = current_app.config["ORDER_LINK_DAYS"] * 24 * 3600
        try:
            if _serializer().loads(token, max_age=max_age) == order.number:
                return True
        except BadSignature:  # forged or expired (SignatureExpired is a BadSignature)
            pass
    return False


def _may_view(order: Order) -> bool:
    return _token_is_valid(order) or _owner_or_staff(order)


def _owner_or_staff(order: Order) -> bool:
    if current_user.is_authenticated:
        if current_user.role in ("staff", "admin"):
            return True
        return order.customer_id == current_user.id
    return False


def _load_order(number: str) -> Order:
    order = db.session.scalar(
        select(Order)
        .where(Order.number == number)
        .options(selectinload(Order.lines).selectinload(OrderLine.makers))
    )
    if order is None or not _may_view(order):
        abort(404)
    return order


def _buyer(form: CheckoutForm) -> Buyer:
    """What she typed (or, on a first visit, what her account knows), stripped."""

    def text(f) -> str:
        return (f.data or "").strip()

    return Buyer(
        name=text(form.name),
        email=text(form.email).lower(),
        phone=text(form.phone),
        address_line=text(form.address_line),
        il=form.il.data or "",
        ilce=text(form.ilce),
        postal_code=text(form.postal_code),
        **form.invoice_details(),
    )


def _render_checkout(form, summary, settings, provider_method: str, status: int = 200):
    method = form.method.data if form.method.data in checkout_service.METHODS else "card"
    context = agreements.context_for_cart(
        summary,
        _buyer(form),
        provider_method if method == "card" else "bank_transfer",
        seller_service.current(),
        settings,
    )
    return (
        render_template(
            "shop/checkout.html",
            form=form,
            summary=summary,
            agreement_texts=agreements.preview(context),
        ),
        status,
    )


@bp.route("/checkout", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
def checkout():
    from coopshop.services.sales import cart as cart_service
    from coopshop.shop.cart import clear_cart, get_cart

    settings = settings_service.current()
    items = get_cart()
    form = CheckoutForm()
    quote = _shipping_quote(sum(items.values()))
    summary = cart_service.summarize(
        items, settings, province=(form.il.data or "").strip(), quote_kurus=quote
    )
    if not summary.lines:
        flash(_("Sepetiniz boş."), "info")
        return redirect(url_for("shop.index"))
    if request.method == "GET" and current_user.is_authenticated:
        form.name.data = form.name.data or current_user.name
        form.email.data = form.email.data or current_user.email
        form.phone.data = form.phone.data or current_user.phone
    card_method = payments.chosen_provider(current_app.config) or "demo"
    # "Metinleri güncelle": the two texts again, with what she has typed; nothing is placed.
    if request.form.get("action") == "preview":
        return _render_checkout(form, summary, settings, card_method)
    if form.validate_on_submit():
        provider = payments.card_provider(
            current_app.config,
            _demo_page_url,
            # From PUBLIC_BASE_URL, never the request's Host (a forged Host would send her
            # back from iyzico to another site).
            callback_url=external_url("shop.iyzico_callback"),
            buyer_ip=request.remote_addr,
        )
        req = _checkout_request(form, items, provider.payment_method, quote)
        try:
            order = checkout_service.place_order(req, settings)
        except DomainError as exc:
            uow.rollback()
            flash(exc.message, "danger")
            return _render_checkout(form, summary, settings, provider.payment_method, 409)
        uow.commit()
        clear_cart()
        if order.payment_method == "bank_transfer":
            return redirect(order_url(order))
        return _start_card_payment(order, provider)
    if request.method == "POST" and (
        form.accept_pre_information.errors or form.accept_contract.errors
    ):
        flash(_("Siparişi vermek için iki onay kutusunu da işaretleyin."), "danger")
    return _render_checkout(form, summary, settings, card_method)


def _checkout_request(form, items, card_payment_method: str, quote: int | None):
    """What she asked for, as the checkout service takes it (her approvals with her address)."""
    return checkout_service.CheckoutRequest(
        items=items,
        buyer=_buyer(form),
        method=form.method.data,
        card_payment_method=card_payment_method,
        customer_id=current_user.id if current_user.is_authenticated else None,
        locale=str(get_locale() or "tr"),
        acceptance=Acceptance(
            pre_information=bool(form.accept_pre_information.data),
            contract=bool(form.accept_contract.data),
            ip=request.remote_addr or "",
        ),
        shipping_quote_kurus=quote,
    )


def _shipping_quote(item_count: int) -> int | None:
    """The aggregator's price for the cart's parcel when the shop takes it from there."""
    if current_app.config.get("SHIPPING_PRICE_SOURCE") != "aggregator":
        return None
    try:
        adapter = shipping_web.adapter()
    except ShippingError:
        return None
    return pricing.quote(adapter, item_count, current_app.config)


def _start_card_payment(order: Order, provider: payments.PaymentProvider):
    success = external_url("shop.order_status", number=order.number, t=order_token(order))
    try:
        start = provider.start(order, success_url=success, cancel_url=success)
    except Exception:  # the provider is down or refused: give the stock back at once
        current_app.logger.exception("could not start payment for order %s", order.number)
        uow.rollback()
        order = order_states.lock_order(order.id)
        order_states.cancel(order)
        uow.commit()
        flash(
            _("Ödeme sayfası açılamadı; siparişiniz iptal edildi. Lütfen yeniden deneyin."),
            "danger",
        )
        return redirect(url_for("shop.index"))
    if start.provider_ref:
        order.payment_reference = start.provider_ref
        uow.commit()
    return redirect(start.redirect_url, code=303)


@bp.get("/orders/<number>")
def order_status(number: str):
    order = _load_order(number)
    # A GET writes nothing: an order whose time is up shows as expired; `flask orders expire`
    # (cron) and the next checkout give its stock back.
    full = _owner_or_staff(order)
    from coopshop.shop.withdrawals import WithdrawalForm, is_buyer

    settings = settings_service.current()
    buyer = is_buyer(order)
    window_ends = withdrawals.window_ends_at(order, settings)
    status = checkout_service.status_as_of(order)
    refunds, requests = order_refunds(order), withdrawals.requests_for(order.id)
    steps = order_history.history(order, status, refunds, requests)
    return render_template(
        "shop/order.html",
        order=order,
        refunds=refunds,
        history=steps,
        headline=order_history.headline(steps),
        history_labels=order_history.LABELS,
        withdrawal_requests=requests,
        withdrawable=withdrawals.withdrawable_units(order) if order.status == "paid" else {},
        window_ends=window_ends,
        window_open=buyer and window_ends is not None and utcnow() <= window_ends,
        withdrawal_form=WithdrawalForm(formdata=None) if buyer else None,
        excluded_reason=withdrawals.withdrawal_excluded_reason,
        withdrawal_status=withdrawals.STATUS_LABELS,
        status=status,
        token=request.args.get("t", ""),
        coop_iban=current_app.config["COOP_IBAN"],
        full_address=full,
        buyer_short=_short_name(order.buyer_name),
        agreements=agreements.shown(order, full, _short_name(order.buyer_name)),
    )


def order_refunds(order: Order) -> list[Refund]:
    """Her order's refunds, oldest first, for the order page ("İade edildi ₺200,00")."""
    return list(
        db.session.scalars(select(Refund).where(Refund.order_id == order.id).order_by(Refund.id))
    )


def _short_name(name: str) -> str:
    """ "Selin Aksoy" → "Selin A.": what a link's holder sees instead of name and address."""
    parts = (name or "").split()
    if len(parts) < 2:
        return parts[0] if parts else ""
    return f"{parts[0]} {parts[-1][0]}."


def _demo_order(number: str) -> Order:
    if not current_app.config.get("DEMO_PAYMENTS") or current_app.config.get("STRIPE_SECRET_KEY"):
        abort(404)
    order = _load_order(number)
    if order.payment_method != "demo":
        abort(404)
    return order


@bp.get("/checkout/demo/<number>")
def demo_pay(number: str):
    order = _demo_order(number)
    return render_template("shop/demo_pay.html", order=order, token=request.args.get("t", ""))


@bp.post("/checkout/demo/<number>")
def demo_pay_submit(number: str):
    order = _demo_order(number)
    if request.form.get("action") == "cancel":
        locked = order_states.lock_order(order.id)
        if locked.status == "pending_payment":
            order_states.cancel(locked)
            uow.commit()
        flash(_("Ödeme iptal edildi; ürünler yeniden satışta."), "info")
        return redirect(order_url(order))
    try:
        paid = checkout_service.fulfil(
            order.id,
            PaymentInfo(
                provider="demo",
                amount_kurus=order.total_kurus,
                provider_ref=f"demo-{order.number}",
            ),
            settings_service.current(),
        )
    except DomainError as exc:
        uow.rollback()
        flash(exc.message, "danger")
        return redirect(order_url(order))
    uow.commit()
    if paid:
        flash(_("Ödeme alındı (demo)."), "success")
    return redirect(order_url(order))


bp.add_app_template_global(order_token, "order_link_token")
