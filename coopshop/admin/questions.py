"""Admin pages: members' questions about their statement lines, answered here (optionally with a
correcting adjustment booked in the ledger)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from coopshop.admin.routes import bp
from coopshop.money import MoneyError, parse_kurus
from coopshop.services.core.errors import DomainError, NotFound, ValidationFailed
from coopshop.services.members import questions as question_service
from coopshop.services.reports import statements
from coopshop.web.permissions import roles_required
from coopshop.web.uow import attempt


class AnswerForm(FlaskForm):
    answer = TextAreaField(
        _l("Yanıt"),
        validators=[DataRequired(_l("Yanıtı yazın.")), Length(max=2000)],
    )
    correction_amount = StringField(
        _l("Düzeltme tutarı (isteğe bağlı, ₺)"),
        validators=[Length(max=30)],
        description=_l("Bir düzeltme gerekiyorsa yazın; deftere düzeltme kaydı olarak işlenir."),
    )
    correction_direction = RadioField(
        _l("Düzeltmenin yönü"),
        choices=[
            SelectChoice("credit", _l("Üyenin alacağına ekle")),
            SelectChoice("charge", _l("Üyenin alacağından düş")),
        ],
        default="credit",
    )


def _form(question_id: int) -> AnswerForm:
    # One form per open question on the page: the prefix keeps their fields apart.
    return AnswerForm(prefix=f"q{question_id}")


def _correction(form: AnswerForm) -> int:
    text = (form.correction_amount.data or "").strip()
    if not text:
        return 0
    try:
        amount = parse_kurus(text)
    except MoneyError:
        raise ValidationFailed(
            _l("Tutarı 150 ya da 1.250,50 gibi yazın."), field="correction_amount"
        ) from None
    return amount if form.correction_direction.data == "credit" else -amount


def _render(status: str, failed: tuple[int, AnswerForm] | None = None, code: int = 200):
    page = question_service.queue(status, request.args.get("page", 1, int))
    forms = {q.id: _form(q.id) for q in page.items if q.status == "open"}
    if failed is not None:
        if failed[0] in forms:
            forms[failed[0]] = failed[1]
        else:  # answered on a later page: its errors go to the top
            for errors in failed[1].errors.values():
                for error in errors:
                    flash(error, "danger")
    return render_template(
        "admin/questions.html",
        page=page,
        status=status,
        forms=forms,
        open_count=question_service.open_count(),
        kind_label=statements.kind_label,
    ), code


@bp.get("/questions")
@roles_required("admin")
def questions():
    status = "answered" if request.args.get("status") == "answered" else "open"
    return _render(status)


def _answer(question_id: int, form: AnswerForm) -> None:
    answer = question_service.Answer(text=form.answer.data, correction_kurus=_correction(form))
    question_service.answer(question_id, answer, current_user.id)


def _field_error(form: AnswerForm, exc: DomainError) -> bool:
    """Any error naming one of the form's fields goes under it (the correction is the amount's)."""
    name = exc.details.get("field")
    name = {"correction": "correction_amount"}.get(name, name)
    field = getattr(form, name, None) if name else None
    if field is None:
        return False
    field.errors = [*field.errors, exc.message]
    return True


@bp.post("/questions/<int:question_id>/answer")
@roles_required("admin")
def question_answer(question_id: int):
    form = _form(question_id)
    if form.validate_on_submit():
        outcome = attempt(_answer, question_id, form, show=False)
        if outcome.ok:
            flash(_("Yanıt kaydedildi; üye sorusunun altında görecek."), "success")
            return redirect(url_for("admin.questions"))
        if isinstance(outcome.error, NotFound):
            abort(404)
        if not _field_error(form, outcome.error):
            flash(outcome.error.message, "danger")
            return redirect(url_for("admin.questions"))
    return _render("open", failed=(question_id, form), code=400)
