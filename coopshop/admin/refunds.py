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
from coopshop.services.core.errors import DomainError, LedgerError, ValidationFailed
from coopshop.services.sales import payments, refund_flow, refund_jobs, refund_start
from coopshop.services.sales import refunds as refund_service
from coopshop.services.sales.refund_flow import RefundChoice
from coopshop.web.permissions import roles_required
from coopshop.web.uow import attempt, kind_of

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
        "provider_name": payments.refund_provider_name,
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


def _status(error: DomainError) -> int:
    """A rule on what was asked re-renders with 422; a clash with the state (a request still
    waiting, no provider configured) with the unit of work's table's status (409)."""
    return 422 if isinstance(error, ValidationFailed | LedgerError) else kind_of(error).html_status


def _refund(order: Order, choice: RefundChoice, form: RefundForm, provider):
    """The admin's choice planned, then the one refund entry point (services.sales.refund_start):
    through the order's card provider (iyzico or Stripe) for an online order, else booked with how
    the money went back."""
    lines, shipping = refund_flow.plan(order, choice)
    return refund_start.start(
        order,
        lines,
        shipping,
        form.reason.data,
        current_user.id,
        provider=provider,
        method=form.method.data,
        note=form.note.data,
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
    if form.validate_on_submit():
        choice = RefundChoice(
            form.scope.data, form.line.data, form.kurus, bool(form.include_shipping.data)
        )
        provider = payments.refund_provider(current_app.config, order)
        outcome = attempt(_refund, order, choice, form, provider, show=False)
        if not outcome.ok:
            _show_error(form, outcome.error)
            order = _load_order(order_id)
            return render_template(
                "admin/refunds/refund.html",
                order=order,
                form=form,
                left=left,
                waiting=refund_flow.pending_request(order.id),
                via_stripe=via_stripe,
                **_labels(),
            ), _status(outcome.error)
        if via_stripe:
            _flash_sent(outcome.value)
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


def _not_configured(order: Order) -> str:
    return _(
        "%(provider)s ayarlı değil; bu sipariş şu an iade edilemez.",
        provider=payments.refund_provider_name(order),
    )


def _flash_sent(done: RefundRequest) -> None:
    """The request is written and its job queued: the provider answers the job, not this page."""
    flash(
        _(
            "İade isteği %(provider)s'a gönderildi; sağlayıcı yanıtlayınca sipariş sayfasında "
            "görünecek (aynı iade iki kez yapılmaz).",
            provider=payments.refund_provider_name(done.order),
        ),
        "info",
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
        flash(_not_configured(pending.order), "danger")
        return redirect(url_for("admin.order_detail", order_id=pending.order_id))
    outcome = attempt(refund_jobs.retry, pending.id, current_user.id)
    if outcome.ok and outcome.value:
        _flash_sent(pending)
    elif outcome.ok:
        flash(_("Bu iade isteği zaten sonuçlandı."), "info")
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
