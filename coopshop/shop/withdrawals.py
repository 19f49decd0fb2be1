"""The buyer's withdrawal (cayma hakkı) from her order page: she chooses lines and units and
sends the request (services.sales.withdrawals). Only the buyer may: her account, or the holder
of the order's signed link; anyone else gets the same 404 as for an order that does not exist."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import TextAreaField

from coopshop.extensions import limiter
from coopshop.services.core.errors import ValidationFailed
from coopshop.services.sales import withdrawals
from coopshop.services.shipping import returns
from coopshop.shop.checkout import _load_order, _token_is_valid
from coopshop.shop.routes import bp
from coopshop.web import shipping as shipping_web
from coopshop.web.form_messages import max_length
from coopshop.web.pdf import pdf_response
from coopshop.web.uow import attempt

QTY_PREFIX = "qty-"


class WithdrawalForm(FlaskForm):
    """The units per line come as ``qty-<line id>`` fields (one per line of the order)."""

    reason = TextAreaField(
        _l("Açıklama (isteğe bağlı: cayma hakkı için neden belirtmeniz gerekmez)"),
        validators=[max_length(withdrawals.REASON_MAX)],
    )


@bp.app_template_global("withdrawal_exclusion_reason")
def withdrawal_exclusion_reason(code: str | None) -> str | None:
    return withdrawals.exclusion_reason(code)


def is_buyer(order) -> bool:
    """She bought it: her account, or the order's signed link (sent to the buyer's e-mail)."""
    if _token_is_valid(order):
        return True
    return current_user.is_authenticated and order.customer_id == current_user.id


def _wanted(order) -> dict[int, int]:
    wanted = {}
    own = {line.id for line in order.lines}
    for key, value in request.form.items():
        if not key.startswith(QTY_PREFIX):
            continue
        raw = key[len(QTY_PREFIX) :]
        value = (value or "").strip()
        if not raw.isdigit() or int(raw) not in own:
            raise ValidationFailed(_l("Satır bu siparişe ait değil."))
        if not value:
            continue
        if not value.isdigit():
            raise ValidationFailed(_l("Adet sıfır ya da daha büyük bir tam sayı olmalı."))
        wanted[int(raw)] = int(value)
    return wanted


def _request(order, reason: str):
    return withdrawals.request_withdrawal(
        order,
        _wanted(order),
        requested_by_id=current_user.id if current_user.is_authenticated else None,
        reason=reason,
    )


@bp.post("/orders/<number>/withdrawal")
@limiter.limit("10 per minute")
def order_withdrawal(number: str):
    order = _load_order(number)  # 404 unless she may see the order
    if not is_buyer(order):
        abort(404)  # staff see the order but do not withdraw in her name
    token = request.form.get("t") or None
    back = url_for("shop.order_status", number=number, t=token, _anchor="withdrawal")
    form = WithdrawalForm()
    if not form.validate_on_submit():
        flash(_("Form gönderilemedi; lütfen yeniden deneyin."), "danger")
        return redirect(back)
    outcome = attempt(_request, order, form.reason.data or "")
    if outcome.ok:
        flash(
            _(
                "Cayma talebiniz alındı. Ürünleri %(days)d gün içinde geri gönderin; "
                "paranız en geç %(date)s tarihine kadar iade edilir.",
                days=withdrawals.RETURN_GOODS_DAYS,
                date=withdrawals._day(outcome.value.refund_due_at),
            ),
            "success",
        )
    return redirect(back)


@bp.get("/orders/<number>/withdrawals/<int:request_id>/return-label.pdf")
@limiter.limit("30 per minute")
def order_return_label(number: str, request_id: int):
    """Her return label's PDF: only for the buyer, only for a request of this order (else the
    same 404 as for an order that does not exist)."""
    order = _load_order(number)
    if not is_buyer(order):
        abort(404)
    row = returns.return_for(request_id)
    if row is None or row.order_id != order.id or row.provider == "manual":
        abort(404)
    outcome = attempt(returns.return_pdf, request_id, shipping_web.adapter())
    if not outcome.ok:
        return redirect(url_for("shop.order_status", number=number, t=request.args.get("t")))
    return pdf_response(outcome.value, f"iade-{order.number}.pdf")
