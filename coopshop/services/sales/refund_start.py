"""The one way a refund starts, for the admin's refund page, the API and a withdrawal's refund.

``start`` picks the path (booked at once for an offline or demo order, the provider protocol of
services.sales.refund_flow for a card order, sent by the ``refund.send`` job of
services.sales.refund_jobs after the commit, never inside the request), the method by default
(the way it was paid) and refuses, before anything is written, a second refund while one waits
for the provider or a card refund with no provider configured. The caller's unit of work commits
and maps its errors.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from coopshop.models import Order, Refund, RefundRequest
from coopshop.services.core.errors import ProviderUnavailable
from coopshop.services.sales import payments, refund_flow, refund_jobs


def default_method(order: Order, method: str | None = None) -> str:
    """``method`` when given, else the way the order was paid when the money may go back that
    way (a transfer for a transfer order), else the first way it may."""
    if method:
        return method
    allowed = refund_flow.methods_for(order)
    return order.payment_method if order.payment_method in allowed else allowed[0]


def start(
    order: Order,
    lines: list[tuple[int, int]],
    shipping_kurus: int,
    reason: str,
    actor_id: int | None,
    *,
    provider=None,
    method: str | None = None,
    note: str = "",
    now: datetime | None = None,
) -> Refund | RefundRequest:
    """Refund ``lines`` ([(order line id, kuruş)]) and ``shipping_kurus`` of ``order``.

    An offline or demo order's refund is booked at once with ``method`` (how the money went
    back) and ``note``: the Refund is returned. A card order's RefundRequest is written with its
    ``refund.send`` job in the caller's transaction and returned 'pending': the job asks the
    provider after the commit. Raises Conflict while another request is pending and
    ProviderUnavailable when ``provider`` (the configured one) is None for a card order.
    """
    if not refund_flow.goes_through_provider(order):
        chosen = default_method(order, method)
        return refund_flow.refund_offline(
            order, lines, shipping_kurus, reason, chosen, note, actor_id, now=now
        )
    refund_flow.refuse_if_pending(order.id)
    if provider is None:
        raise ProviderUnavailable(
            _l(
                "%(provider)s ayarlı değil; bu sipariş şu an iade edilemez.",
                provider=payments.refund_provider_name(order),
            )
        )
    request = refund_flow.request_provider_refund(order, lines, shipping_kurus, reason, actor_id)
    refund_jobs.enqueue(request.id, actor_id)
    return request
