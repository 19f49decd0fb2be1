"""POST /webhooks/stripe: verified with STRIPE_WEBHOOK_SECRET; answers quickly, books once.

Every answer is 2xx or 4xx: a bad signature, a timestamp outside the tolerance (either way) or a
signed event of the wrong shape is 400; a duplicate, even a concurrent one, is 200 and booked
once (the unique (provider, event_id) row)."""

from __future__ import annotations

import stripe
from flask import Blueprint, current_app, jsonify, request
from sqlalchemy.exc import IntegrityError

from coopshop.extensions import csrf
from coopshop.services.core import settings as settings_service
from coopshop.services.core.errors import DomainError
from coopshop.services.core.uow import unit_of_work
from coopshop.services.sales import payments, stripe_events

bp = Blueprint("webhooks", __name__)

# What a signed payload of the wrong shape raises deep inside a handler (a string where a number
# belongs): bad input, answered 400, never a 500.
_MALFORMED = (ValueError, TypeError, KeyError, AttributeError)


def _refused(message: str, status: int = 400):
    return jsonify(error={"code": status, "message": message}), status


@bp.post("/stripe")
@csrf.exempt
def stripe_webhook():
    provider = payments.stripe_provider(current_app.config)
    if provider is None or not provider.webhook_secret:
        return _refused("stripe is not configured", 404)
    try:
        event = provider.construct_event(
            request.get_data(), request.headers.get("Stripe-Signature")
        )
    except (ValueError, stripe.SignatureVerificationError):
        return _refused("invalid signature or payload")
    try:
        with unit_of_work():
            outcome = stripe_events.handle(event, provider, settings_service.current())
    except IntegrityError:
        # The same event committed by a concurrent delivery: it is booked once already.
        return jsonify(received=True, action="duplicate")
    except DomainError as exc:
        if _already_booked(event):
            return jsonify(received=True, action="duplicate")
        return _refused(str(exc.message))
    except stripe.StripeError:
        # Stripe did not answer our question about this event: nothing is booked, and a 503
        # makes Stripe deliver it again later.
        current_app.logger.warning("stripe lookup failed while handling an event", exc_info=True)
        return _refused("the payment provider did not answer; try again", 503)
    except _MALFORMED:
        current_app.logger.warning("signed stripe event of an unexpected shape", exc_info=True)
        return _refused("malformed event")
    return jsonify(received=True, action=outcome.action)


def _already_booked(event) -> bool:
    event_id = event.get("id") if isinstance(event, dict) else None
    return isinstance(event_id, str) and stripe_events.already_processed(event_id)


# iyzico's notifications live on this blueprint too; importing the module registers them.
from coopshop.webhooks import iyzico  # noqa: E402, F401
