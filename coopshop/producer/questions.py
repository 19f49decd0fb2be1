"""Her questions about statement lines: "ask about this line" and the list with the answers."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from coopshop.producer.forms import QuestionForm
from coopshop.producer.routes import bp, form_error, or_404
from coopshop.services.core import uow
from coopshop.services.core.errors import DomainError
from coopshop.services.members import questions
from coopshop.services.reports import statements
from coopshop.web.permissions import current_producer, roles_required


@bp.get("/questions")
@roles_required("producer")
def questions_list():
    profile = current_producer()
    return render_template(
        "producer/questions.html",
        profile=profile,
        page=questions.questions_of(profile.id, request.args.get("page", 1, int)),
        kind_label=statements.kind_label,
    )


@bp.route("/questions/new", methods=["GET", "POST"])
@roles_required("producer")
def question_new():
    """Ask about a statement line (?entry=<ledger entry id>) or a sale line (?line=<id>)."""
    profile = current_producer()
    entry_id = request.args.get("entry", type=int)
    line_id = request.args.get("line", type=int)
    if (entry_id is None) == (line_id is None):
        abort(404)
    entry = or_404(questions.own_entry, profile.id, entry_id) if entry_id else None
    line = or_404(questions.own_line, profile.id, line_id) if line_id else None
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            questions.ask(
                profile.id,
                form.text.data,
                ledger_entry_id=entry_id,
                order_line_id=line_id,
                actor_id=current_user.id,
            )
        except DomainError as exc:
            uow.rollback()
            form_error(form, exc)
        else:
            uow.commit()
            flash(
                _("Sorunuz kooperatife iletildi. Yanıt gelince bu sayfada görünecek."),
                "success",
            )
            return redirect(url_for("producer.questions_list"))
    return render_template(
        "producer/ask.html",
        profile=profile,
        form=form,
        entry=entry,
        line=line,
        kind_label=statements.kind_label,
    ), (400 if form.errors else 200)
