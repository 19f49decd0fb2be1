"""API: offline sales from the point-of-sale app, reading an order, and refunds.

A sale is services.offline_sales.sell (a bazaar desk's sale is services.bazaar.sell); a refund
is services.sales.refund_start, the admin page's entry: booked at once for offline and demo orders;
for online ones written down with a job that asks the order's card provider (iyzico or Stripe)
after the answer (202, read again at the request's url).
"""

from __future__ import annotations

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from coopshop.api.auth import api_user
from coopshop.api.errors import ApiError
from coopshop.api.routes import operation
from coopshop.api.schemas import (
    OrderLineMakerOut,
    OrderLineOut,
    OrderOut,
    RefundIn,
    RefundLineOut,
    RefundOut,
    RefundPendingOut,
    SaleIn,
    SaleLineById,
)
from coopshop.db import db
from coopshop.models import Order, OrderLine, Refund, RefundRequest
from coopshop.services.bazaar import offline_sales
from coopshop.services.core import uow
from coopshop.services.sales import payments, refund_start
from coopshop.services.sales.orders import LineRequest


def load_order(order_id: int) -> Order:
    order = db.session.scalar(
        select(Order)
        .where(Order.id == order_id)
        .options(selectinload(Order.lines).selectinload(OrderLine.makers))
        .execution_options(populate_existing=True)
    )
    if order is None:
        raise ApiError(404, "not_found", _l("Sipariş bulunamadı."))
    return order


def order_out(order: Order) -> OrderOut:
    return OrderOut(
        id=order.id,
        number=order.number,
        channel=order.channel,
        payment_method=order.payment_method,
        status=order.status,
        fulfilment_status=order.fulfilment_status,
        subtotal_kurus=order.subtotal_kurus,
        shipping_kurus=order.shipping_kurus,
        total_kurus=order.total_kurus,
        cash_session_id=order.cash_session_id,
        created_at=order.created_at,
        paid_at=order.paid_at,
        lines=[
            OrderLineOut(
                id=line.id,
                product_id=line.product_id,
                code=line.product_code,
                title=line.title,
                quantity=line.quantity,
                unit_price_kurus=line.unit_price_kurus,
                gross_kurus=line.gross_kurus,
                vat_bp=line.vat_bp,
                commission_bp=line.commission_bp,
                makers=[
                    OrderLineMakerOut(producer_id=m.producer_id, share_bp=m.share_bp)
                    for m in line.makers
                ],
            )
            for line in order.lines
        ],
    )


@operation(
    "POST",
    "/sales",
    summary="Record an offline sale (staff, admin)",
    tag="sales",
    roles=("staff", "admin"),
    body=SaleIn,
    response=OrderOut,
    status=201,
    also={200: OrderOut},
    errors=(404, 409, 422),
)
def record_sale(body: SaleIn):
    """A bazaar sale (cash or card terminal, at an open cash session) or a bank-transfer sale
    whose money has arrived: the order is created, its stock taken, paid and booked in one
    step. Short stock answers 409 insufficient_stock and nothing is written; a cash session
    that does not exist, 404; one that is closed, 409. With
    ``client_ref``, sending the same ticket again answers 200 with the first order."""
    sale = offline_sales.OfflineSale(
        channel=body.channel,
        payment_method=body.payment_method,
        lines=[
            LineRequest(quantity=line.quantity, product_id=line.product_id)
            if isinstance(line, SaleLineById)
            else LineRequest(quantity=line.quantity, code=line.code)
            for line in body.lines
        ],
        actor_id=api_user().id,
        cash_session_id=body.cash_session_id,
        client_ref=body.client_ref,
    )
    found = offline_sales.previous(sale)
    if found is not None:
        return order_out(load_order(found.id)), 200
    order = offline_sales.sell(sale)
    uow.commit()
    return order_out(load_order(order.id))


@operation(
    "GET",
    "/orders/{order_id}",
    summary="One order with its lines (staff, admin)",
    tag="sales",
    roles=("staff", "admin"),
    response=OrderOut,
)
def get_order(order_id: int):
    """An order with its line ids (what a refund names), as sold."""
    return order_out(load_order(order_id))


def refund_out(refund: Refund) -> RefundOut:
    return RefundOut(
        id=refund.id,
        order_id=refund.order_id,
        amount_kurus=refund.amount_kurus,
        shipping_kurus=refund.shipping_kurus,
        method=refund.method,
        reason=refund.reason,
        created_at=refund.created_at,
        lines=[
            RefundLineOut(id=rl.id, line_id=rl.line_id, amount_kurus=rl.amount_kurus)
            for rl in sorted(refund.lines, key=lambda rl: rl.id)
        ],
    )


@operation(
    "POST",
    "/orders/{order_id}/refunds",
    summary="Refund lines of an order (admin)",
    tag="sales",
    roles=("admin",),
    body=RefundIn,
    response=RefundOut,
    status=201,
    also={202: RefundPendingOut},
    errors=(409, 422),
)
def refund(order_id: int, body: RefundIn):
    """Refund whole lines or parts of lines (and shipping), never more than what remains.

    Offline and demo orders are booked at once (201); ``method`` says how the money went back
    (cash, bank_transfer, card_terminal; by default the way it was paid). An online order is
    refunded through the provider it was paid with (iyzico or Stripe), never inside this call:
    the refund request is written down with a job that asks the provider, and the answer is 202
    with status ``pending`` and the request's ``url``; read it there until it is ``succeeded``
    (with the booked ``refund_id``) or ``failed`` (the provider's message in ``error``). 409
    provider_unavailable when that provider is not configured, or while another refund of the
    order waits for its provider."""
    order = load_order(order_id)
    actor = api_user()
    lines = [(line.line_id, line.amount_kurus) for line in body.lines]
    done = refund_start.start(
        order,
        lines,
        body.shipping_kurus,
        body.reason,
        actor.id,
        provider=payments.refund_provider(current_app.config, order),
        method=body.method,
        note=body.note,
    )
    if isinstance(done, Refund):  # booked at once
        uow.commit()
        return refund_out(done)
    pending = request_out(done)  # as written: the provider has not been asked yet
    uow.commit()  # the job runs after this (a worker), or after the answer (no Redis)
    return pending, 202


def request_out(request: RefundRequest) -> RefundPendingOut:
    return RefundPendingOut(
        request_id=request.id,
        order_id=request.order_id,
        status=request.status,
        amount_kurus=request.amount_kurus,
        error=request.error,
        refund_id=request.refund_id,
        url=url_for("api.get_refund_request", order_id=request.order_id, request_id=request.id),
    )


@operation(
    "GET",
    "/orders/{order_id}/refund-requests/{request_id}",
    summary="A card refund sent to its provider (admin)",
    tag="sales",
    roles=("admin",),
    response=RefundPendingOut,
)
def get_refund_request(order_id: int, request_id: int):
    """Where a 202 refund stands: pending, succeeded (``refund_id``) or failed (``error``)."""
    request = db.session.get(RefundRequest, request_id)
    if request is None or request.order_id != order_id:
        raise ApiError(404, "not_found", _l("İade isteği bulunamadı."))
    return request_out(request)
