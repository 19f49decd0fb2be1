"""Admin pages: an order as the books see it, and refunding it (routes on the admin blueprint).

Only admins: staff record sales but never move money out.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from coopshop.admin.refund_forms import METHOD_LABELS, FindOrderForm, RefundForm, RetryForm
from coopshop.admin.routes import bp
from coopshop.db import db
from coopshop.models import (
    LedgerEntry,
    LedgerTransaction,
    Order,
    OrderLine,
    OrderLineMaker,
    Refund,
    RefundRequest,
)
from coopshop.money import kurus_text
from coopshop.services.core.errors import DomainError, ValidationFailed
from coopshop.services.sales import payments, refund_flow
from coopshop.services.sales import refunds as refund_service
from coopshop.services.sales.refund_flow import RefundChoice
from coopshop.web.permissions import roles_required
from coopshop.web.uow import attempt

TRANSACTION_KINDS = {
    "sale": _l("Satış"),
    "refund": _l("İade"),
    "fee": _l("Ödeme ücreti"),
    "payout": _l("Üreticiye ödeme"),
    "payout_failed": _l("Geri dönen ödeme"),
    "cash_over_short": _l("Kasa farkı"),
    "adjustment": _l("Düzeltme"),
    "reversal": _l("Ters kayıt"),
    "availability": _l("Ödenebilir olma tarihi"),
}
REQUEST_STATUSES = {
    "pending": _l("Bekliyor"),
    "succeeded": _l("Tamamlandı"),
    "failed": _l("Başarısız"),
}


def _labels() -> dict:
    return {
        "method_labels": METHOD_LABELS,
        "kind_labels": TRANSACTION_KINDS,
        "request_labels": REQUEST_STATUSES,
    }


def _load_order(order_id: int) -> Order:
    order = db.session.scalar(
        select(Order)
        .where(Order.id == order_id)
        .options(
            selectinload(Order.lines)
            .selectinload(OrderLine.makers)
            .joinedload(OrderLineMaker.producer),
            selectinload(Order.payments),
            selectinload(Order.refunds).selectinload(Refund.lines),
        )
    )
    if order is None:
        abort(404)
    return order


@bp.get("/orders/<int:order_id>")
@roles_required("admin")
def order_detail(order_id: int):
    order = _load_order(order_id)
    transactions = db.session.scalars(
        select(LedgerTransaction)
        .where(LedgerTransaction.order_id == order.id)
        .options(selectinload(LedgerTransaction.entries).joinedload(LedgerEntry.account))
        .order_by(LedgerTransaction.id)
    ).all()
    requests = db.session.scalars(
        select(RefundRequest)
        .where(RefundRequest.order_id == order.id, RefundRequest.status != "succeeded")
        .order_by(RefundRequest.id)
    ).all()
    left = refund_service.refundable(order) if order.status == "paid" else None
    return render_template(
        "admin/refunds/order.html",
        order=order,
        transactions=transactions,
        requests=requests,
        left=left,
        retry_form=RetryForm(),
        **_labels(),
    )


def _refund_form(order: Order, left) -> RefundForm:
    lines = [
        (
            line.id,
            _("%(title)s × %(quantity)d (kalan %(left)s)")
            % {
                "title": line.title,
                "quantity": line.quantity,
                "left": kurus_text(left.lines[line.id]),
            },
        )
        for line in order.lines
        if left.lines.get(line.id, 0) > 0
    ]
    return RefundForm(lines=lines, methods=refund_flow.methods_for(order))


def _show_error(form: RefundForm, exc: DomainError) -> None:
    field = {"amount": form.amount, "line": form.line, "scope": form.scope}.get(
        exc.details.get("field")
    )
    if isinstance(exc, ValidationFailed) and field is not None:
        field.errors = [*field.errors, str(exc.message)]
    else:
        flash(str(exc.message), "danger")


def _refund(order: Order, choice: RefundChoice, form: RefundForm, provider):
    """The admin's refund as one use case: through Stripe when ``provider`` is given (the request
    is committed before Stripe is asked, see refund_flow), else booked with how it went back."""
    lines, shipping = refund_flow.plan(order, choice)
    if provider is not None:
        return refund_flow.refund_through_provider(
            order, lines, shipping, form.reason.data, provider, current_user.id
        )
    return refund_flow.refund_offline(
        order,
        lines,
        shipping,
        form.reason.data,
        form.method.data,
        form.note.data,
        current_user.id,
    )


@bp.route("/orders/<int:order_id>/refund", methods=["GET", "POST"])
@roles_required("admin")
def refund(order_id: int):
    order = _load_order(order_id)
    if order.status != "paid":
        flash(_("Yalnız ödenmiş siparişler iade edilebilir."), "warning")
        return redirect(url_for("admin.order_detail", order_id=order.id))
    left = refund_service.refundable(order)
    waiting = refund_flow.pending_request(order.id)
    form = _refund_form(order, left)
    via_stripe = refund_flow.goes_through_provider(order)
    provider = payments.refund_provider(current_app.config, order) if via_stripe else None
    if form.validate_on_submit():
        if waiting is not None:
            flash(_("Bu siparişin tamamlanmamış bir iadesi var; önce onu tamamlayın."), "danger")
            return redirect(url_for("admin.order_detail", order_id=order.id))
        if via_stripe and provider is None:
            flash(
                _("Ödeme sağlayıcısı ayarlı değil; internet siparişleri şu an iade edilemez."),
                "danger",
            )
            return render_template(
                "admin/refunds/refund.html", order=order, form=form, left=left, **_labels()
            ), 409
        choice = RefundChoice(
            form.scope.data, form.line.data, form.kurus, bool(form.include_shipping.data)
        )
        outcome = attempt(_refund, order, choice, form, provider, show=False)
        if not outcome.ok:
            _show_error(form, outcome.error)
            order = _load_order(order_id)
            return render_template(
                "admin/refunds/refund.html", order=order, form=form, left=left, **_labels()
            ), 422
        if via_stripe:
            _flash_request(outcome.value)
        else:
            flash(_("İade kaydedildi."), "success")
        return redirect(url_for("admin.order_detail", order_id=order.id))
    status = 422 if form.errors else 200
    return render_template(
        "admin/refunds/refund.html",
        order=order,
        form=form,
        left=left,
        waiting=waiting,
        via_stripe=via_stripe,
        **_labels(),
    ), status


def _flash_request(done: RefundRequest) -> None:
    if done.order.payment_method == "iyzico":
        _flash_iyzico_request(done)
    elif done.status == "succeeded":
        flash(_("İade Stripe üzerinden yapıldı ve kaydedildi."), "success")
    elif done.status == "failed":
        flash(_("Stripe iadeyi yapmadı: %(error)s", error=done.error), "danger")
    else:
        flash(
            _(
                "Stripe'a ulaşılamadı; iade beklemede. Sipariş sayfasından yeniden deneyin "
                "(aynı iade iki kez yapılmaz)."
            ),
            "warning",
        )


def _flash_iyzico_request(done: RefundRequest) -> None:
    if done.status == "succeeded":
        flash(_("İade iyzico üzerinden yapıldı ve kaydedildi."), "success")
    elif done.status == "failed":
        flash(_("iyzico iadeyi yapmadı: %(error)s", error=done.error), "danger")
    else:
        flash(
            _(
                "iyzico'dan yanıt alınamadı; iade beklemede: %(error)s. Sipariş sayfasından "
                "yeniden deneyin: önce iyzico'da yapılmış iadelere bakılır, yapılan bir daha "
                "yapılmaz.",
                error=done.error or "",
            ),
            "warning",
        )


@bp.post("/refund-requests/<int:request_id>/retry")
@roles_required("admin")
def retry_refund(request_id: int):
    pending = db.session.get(RefundRequest, request_id)
    if pending is None:
        abort(404)
    form = RetryForm()
    if not form.validate_on_submit():
        abort(400)
    provider = payments.refund_provider(current_app.config, pending.order)
    if provider is None:
        flash(
            _("Ödeme sağlayıcısı ayarlı değil; internet siparişleri şu an iade edilemez."), "danger"
        )
        return redirect(url_for("admin.order_detail", order_id=pending.order_id))
    outcome = attempt(refund_flow.send, pending.id, provider, current_user.id)
    if outcome.ok:
        _flash_request(outcome.value)
    return redirect(url_for("admin.order_detail", order_id=pending.order_id))


@bp.get("/refunds")
@roles_required("admin")
def refunds_home():
    form = FindOrderForm(request.args)
    if request.args and form.validate():
        number = form.number.data.strip().upper()
        order_id = db.session.scalar(select(Order.id).where(Order.number == number))
        if order_id is not None:
            return redirect(url_for("admin.order_detail", order_id=order_id))
        form.number.errors = [_("Bu numarada bir sipariş yok.")]
    recent = db.session.scalars(
        select(Refund).options(joinedload(Refund.order)).order_by(Refund.id.desc()).limit(50)
    ).all()
    open_requests = db.session.scalars(
        select(RefundRequest)
        .where(RefundRequest.status == "pending")
        .options(joinedload(RefundRequest.order))
        .order_by(RefundRequest.id)
    ).all()
    total = db.session.scalar(select(func.count()).select_from(Refund))
    return render_template(
        "admin/refunds/index.html",
        form=form,
        recent=recent,
        open_requests=open_requests,
        total=total,
        **_labels(),
    ), (422 if form.errors else 200)
