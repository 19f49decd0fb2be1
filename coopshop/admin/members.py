"""Admin pages: members — the list, a member's page, membership decisions, her own commission
rate, and deductions from her balance (routes on the admin blueprint)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from coopshop.admin.member_forms import (
    CommissionForm,
    ConfirmForm,
    DecisionForm,
    DeductionForm,
    MemberFilterForm,
)
from coopshop.admin.payouts import LEFT_OUT_LABELS
from coopshop.admin.routes import bp
from coopshop.models import ProducerProfile
from coopshop.money import kurus_text, rate_input_text
from coopshop.services.books import balances, commission_overview, deductions
from coopshop.services.catalog.products import PRODUCT_STATUS_LABELS
from coopshop.services.core import settings as settings_service
from coopshop.services.core.errors import NotFound
from coopshop.services.members import membership
from coopshop.services.members.membership import (
    HISTORY_LABELS,
    MEMBERSHIP_STATUS_LABELS,
    MemberFilter,
)
from coopshop.services.payouts import next_payout
from coopshop.web.formatting import when
from coopshop.web.permissions import roles_required
from coopshop.web.uow import attempt


@bp.get("/members")
@roles_required("admin")
def members():
    form = MemberFilterForm(request.args, centres=membership.centres())
    filters = MemberFilter(
        status=request.args.get("status", ""),
        centre=request.args.get("centre", ""),
        q=request.args.get("q", "")[:100],
    )
    page = membership.list_members(filters, request.args.get("page", type=int))
    owed = balances.balances(producer_ids=[p.id for p in page.items]) if page.items else {}
    return render_template(
        "admin/members.html",
        form=form,
        page=page,
        owed=owed,
        filters=filters,
        status_labels=MEMBERSHIP_STATUS_LABELS,
    )


def _member_or_404(producer_id: int) -> ProducerProfile:
    try:
        # Changes lock her row, so two admins at once cannot both pass the same check.
        return membership.get_member(producer_id, lock=request.method == "POST")
    except NotFound:
        abort(404)


def _render_member(profile: ProducerProfile, status: int = 200, **forms):
    """The member's page; a form that failed is passed in so it shows as typed, with errors."""
    own_rates = commission_overview.history_of("producer", profile.id)
    if "commission" not in forms:
        forms["commission"] = CommissionForm(
            prefix="commission",
            formdata=None,
            data={"rate": rate_input_text(own_rates.current_bp)},
        )
    forms.setdefault("decision", DecisionForm(prefix="decision", formdata=None))
    forms.setdefault("deduction", DeductionForm(prefix="deduction", formdata=None))
    return (
        render_template(
            "admin/member.html",
            profile=profile,
            actions=membership.allowed_actions(profile),
            products=membership.products_of(profile.id),
            own_rates=own_rates,
            balance=balances.balance(profile.id),
            next=next_payout.next_payout(profile.id, settings_service.current()),
            left_out_labels=LEFT_OUT_LABELS,
            deductions=deductions.deductions_of(profile.id),
            history=membership.history(profile.id),
            confirm=ConfirmForm(),
            status_labels=MEMBERSHIP_STATUS_LABELS,
            history_labels=HISTORY_LABELS,
            product_labels=PRODUCT_STATUS_LABELS,
            **forms,
        ),
        status,
    )


def _back(profile: ProducerProfile):
    return redirect(url_for("admin.member", producer_id=profile.id))


@bp.get("/members/<int:producer_id>")
@roles_required("admin")
def member(producer_id: int):
    return _render_member(_member_or_404(producer_id))


_DONE = {
    "approve": lambda: _("Üyelik onaylandı; üyeye e-posta gönderildi."),
    "refuse": lambda: _("Başvuru reddedildi; üyeye notunuzla e-posta gönderildi."),
    "suspend": lambda: _("Üyelik askıya alındı; ürünleri artık satışta görünmüyor."),
    "reactivate": lambda: _("Üyelik yeniden etkin; satıştaki ürünleri mağazada görünüyor."),
}


def _member_post(producer_id: int, key: str, form_class, call, done):
    """One form on the member's page: ``call(profile, form)`` in one unit of work, then
    ``done(form)`` flashed; a rule on the input shows the page again with the form as typed."""
    profile = _member_or_404(producer_id)
    form = form_class(prefix=key)
    if not form.validate_on_submit():
        return _render_member(profile, 400, **{key: form})
    outcome = attempt(call, profile, form, form=form)
    if outcome.rerender:
        return _render_member(profile, outcome.status, **{key: form})
    if outcome.ok:
        flash(done(form), "success")
    return _back(profile)


@bp.post("/members/<int:producer_id>/<any(approve, refuse, suspend, reactivate):action>")
@roles_required("admin")
def member_decision(producer_id: int, action: str):
    return _member_post(
        producer_id,
        "decision",
        DecisionForm,
        lambda profile, form: membership.change_status(
            profile, action, current_user.id, note=form.note.data
        ),
        lambda form: _DONE[action](),
    )


def _commission_done(form: CommissionForm) -> str:
    if form.effective_from.utc is not None:
        return _(
            "Üyenin kendi oranı %(when)s itibarıyla yapılan satışlara uygulanacak.",
            when=when(form.effective_from.utc, "short"),
        )
    if form.rate.bp is None:
        return _("Üyenin kendi oranı kaldırıldı; yeni satışlarda genel oran uygulanır.")
    return _("Üyenin kendi oranı kaydedildi; yeni satışlarda uygulanır.")


@bp.post("/members/<int:producer_id>/commission")
@roles_required("admin")
def member_commission(producer_id: int):
    return _member_post(
        producer_id,
        "commission",
        CommissionForm,
        lambda profile, form: membership.set_commission_override(
            profile,
            form.rate.bp,
            current_user.id,
            effective_from=form.effective_from.utc,
            note=form.note.data or "",
        ),
        _commission_done,
    )


@bp.post("/members/<int:producer_id>/deductions")
@roles_required("admin")
def member_deduction(producer_id: int):
    return _member_post(
        producer_id,
        "deduction",
        DeductionForm,
        lambda profile, form: deductions.record_deduction(
            profile.id, form.amount.kurus, form.kind.data, form.reason.data, current_user.id
        ),
        lambda form: _("%(amount)s kesinti kaydedildi.", amount=kurus_text(form.amount.kurus)),
    )


@bp.post("/members/<int:producer_id>/deductions/<int:transaction_id>/reverse")
@roles_required("admin")
def member_deduction_reverse(producer_id: int, transaction_id: int):
    profile = _member_or_404(producer_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    outcome = attempt(
        deductions.reverse_deduction, profile.id, transaction_id, current_user.id, show=False
    )
    if isinstance(outcome.error, NotFound):
        abort(404)
    if outcome.ok:
        flash(_("Kesinti ters kayıtla geri alındı."), "success")
    else:
        flash(outcome.error.message, "danger")
    return _back(profile)
