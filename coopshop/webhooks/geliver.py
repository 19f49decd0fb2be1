"""POST /webhooks/geliver: a parcel's tracking update (a label's or a return's), applied once
(services.shipping.tracking). With GELIVER_WEBHOOK_SECRET the signature is checked before
anything in the body is believed; without it the body only names the shipment, which is asked
of Geliver (services.shipping.geliver_more explains why).

Answers: 401 for a missing, bad or stale signature, 400 for an unreadable body, 503 when
asking Geliver failed (it sends again); 200 for an
event applied, repeated, out of order, of a kind we ignore, or about a shipment we do not know
(Geliver need not send those again); 404 while Geliver is not the configured provider.
"""

from __future__ import annotations

from flask import current_app, jsonify, request
from sqlalchemy.exc import IntegrityError

from coopshop.extensions import csrf
from coopshop.services.core.errors import DomainError
from coopshop.services.core.uow import unit_of_work
from coopshop.services.shipping import tracking
from coopshop.services.shipping.base import ShippingError, WebhookRejected
from coopshop.web import shipping as shipping_web
from coopshop.webhooks.routes import bp

_IGNORED = ("ignored_event", "unknown_status", "unknown_shipment")


def _answer(http_status: int, **body):
    return jsonify(**body), http_status


@bp.post("/geliver")
@csrf.exempt
def geliver_webhook():
    try:
        adapter = shipping_web.adapter()
    except ShippingError:
        adapter = None
    if adapter is None or adapter.name != "geliver":
        return _answer(404, error={"code": 404, "message": "geliver is not configured"})
    try:
        event = adapter.parse_webhook(
            request.get_data(),
            request.headers,
            is_known=lambda ref: tracking.is_known(adapter.name, ref),
        )
    except WebhookRejected as exc:
        current_app.logger.warning("geliver webhook refused: %s", exc.code)
        return _answer(401, error={"code": 401, "message": exc.code})
    except ShippingError as exc:
        if exc.code in _IGNORED:
            current_app.logger.info("geliver webhook ignored: %s", exc)
            return _answer(200, received=True, action="ignored")
        if exc.retryable:  # asking Geliver for the shipment failed: let it send again
            return _answer(503, error={"code": 503, "message": exc.code})
        return _answer(400, error={"code": 400, "message": exc.code})
    try:
        with unit_of_work():
            outcome = tracking.record(event, adapter.name, "webhook")
    except IntegrityError:
        # The same event committed by a concurrent delivery: applied once already.
        return _answer(200, received=True, action="duplicate")
    except DomainError as exc:
        # The order cannot take the step (not paid, say): a person must look; a resend won't help.
        current_app.logger.warning("geliver event %s not applied: %s", event.provider_event_id, exc)
        return _answer(200, received=True, action="refused")
    if outcome.action == "unknown_shipment":
        current_app.logger.info("geliver event for unknown shipment %s", event.provider_ref)
    return _answer(200, received=True, action=outcome.action, status=outcome.status)
