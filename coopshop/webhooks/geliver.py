"""POST /webhooks/geliver?token=…: a parcel's tracking update (a label's or a return's), applied
once (services.shipping.tracking).

Geliver signs nothing (its SDK's verify_webhook is a placeholder), so the address carries a
secret: the ``token`` must equal GELIVER_WEBHOOK_TOKEN (compared in constant time; production
refuses to start with Geliver and no token), else 403 and nothing is read. Then the body only
names the shipment, which is asked of Geliver with our API token: that answer is the truth
(services.shipping.geliver_more). GELIVER_WEBHOOK_SECRET, when set, also checks a signature
scheme Geliver has announced but not shipped.

Answers: 403 for a missing or wrong token, 401 for a missing, bad or stale signature (only with
the secret set), 400 for an unreadable body, 503 when
asking Geliver failed (it sends again); 200 for an
event applied, repeated, out of order, of a kind we ignore, or about a shipment we do not know
(Geliver need not send those again); 404 while Geliver is not the configured provider.
"""

from __future__ import annotations

import hmac

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


def _token_ok() -> bool:
    """The address's token is ours. Without GELIVER_WEBHOOK_TOKEN (development and tests
    only: production refuses to start so) every caller passes this gate."""
    expected = current_app.config.get("GELIVER_WEBHOOK_TOKEN") or ""
    if not expected:
        return True
    given = request.args.get("token", "")
    return hmac.compare_digest(given.encode(), expected.encode())


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
    if not _token_ok():
        current_app.logger.warning("geliver webhook refused: bad token")
        return _answer(403, error={"code": 403, "message": "bad_token"})
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
