"""POST /webhooks/stripe: verified with STRIPE_WEBHOOK_SECRET; answers quickly, books once."""

from __future__ import annotations

import stripe
from flask import Blueprint, current_app, jsonify, request
from sqlalchemy.exc import IntegrityError

from coopshop.db import db
from coopshop.extensions import csrf
from coopshop.services.core import mail
from coopshop.services.core import settings as settings_service
from coopshop.services.sales import payments, stripe_events

bp = Blueprint("webhooks", __name__)


@bp.post("/stripe")
@csrf.exempt
def stripe_webhook():
    provider = payments.stripe_provider(current_app.config)
    if provider is None or not provider.webhook_secret:
        return jsonify(error={"code": 404, "message": "stripe is not configured"}), 404
    try:
        event = provider.construct_event(
            request.get_data(), request.headers.get("Stripe-Signature")
        )
    except (ValueError, stripe.SignatureVerificationError):
        return jsonify(error={"code": 400, "message": "invalid signature or payload"}), 400
    outcome = stripe_events.handle(event, provider, settings_service.current())
    try:
        db.session.commit()
    except IntegrityError:
        # The same event committed by a concurrent delivery: it is booked once already.
        db.session.rollback()
        return jsonify(received=True, action="duplicate")
    if not outcome.duplicate:
        mail.deliver_pending()
    return jsonify(received=True, action=outcome.action)
