"""POST /webhooks/iyzico: X-IYZ-SIGNATURE-V3 verified with IYZICO_SECRET_KEY; the result is
then retrieved from iyzico and booked once (services.sales.iyzico_payments).

A bad signature gets 400 and writes nothing. iyzico retries what is not answered 2xx, so a
result we could not confirm (iyzico unreachable) answers 503 and is tried again later.
"""

from __future__ import annotations

from flask import current_app, jsonify, request
from sqlalchemy.exc import IntegrityError

from coopshop.extensions import csrf
from coopshop.services.core import settings as settings_service
from coopshop.services.core import uow
from coopshop.services.core.errors import NotFound
from coopshop.services.core.uow import unit_of_work
from coopshop.services.sales import iyzico, iyzico_payments, payments
from coopshop.webhooks.routes import bp


@bp.post("/iyzico")
@csrf.exempt
def iyzico_webhook():
    provider = payments.iyzico_provider(current_app.config)
    if provider is None:
        return jsonify(error={"code": 404, "message": "iyzico is not configured"}), 404
    try:
        event = iyzico.verify_webhook(
            request.get_data(), request.headers, provider.client.secret_key
        )
    except iyzico.WebhookError:
        return jsonify(error={"code": 400, "message": "invalid signature or payload"}), 400
    try:
        with unit_of_work():
            done = iyzico_payments.on_webhook(event, provider.client, settings_service.current())
    except IntegrityError:
        # The same payment or notification committed by a concurrent delivery: booked once.
        uow.rollback()
        return jsonify(received=True, action="duplicate")
    except NotFound:
        return jsonify(received=True, action="unknown order")
    except iyzico_payments.PaymentNotConfirmed:
        return jsonify(error={"code": 503, "message": "payment not confirmed yet"}), 503
    return jsonify(received=True, action=done.action)
