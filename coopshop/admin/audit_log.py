"""Admin pages: the audit log, read-only (routes on the admin blueprint).

There is deliberately no route that edits or deletes an event: the log is append-only, and the
model and the database refuse changes too (coopshop.models.audit).
"""

from __future__ import annotations

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from coopshop.admin.routes import bp
from coopshop.services.reports import audit_log
from coopshop.services.reports.audit_log import ROLE_LABELS, AuditFilter
from coopshop.web.permissions import roles_required

_DATE_ERROR = _l("Tarihi GG.AA.YYYY ya da YYYY-AA-GG olarak girin.")
_DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]


class AuditFilterForm(FlaskForm):
    """The filters, read from the query string (a GET form: nothing to protect)."""

    class Meta:
        csrf = False

    actor = StringField(
        _l("Kim"),
        validators=[Optional(), Length(max=120)],
        description=_l("Ad, e-posta ya da kullanıcı numarası"),
    )
    role = SelectField(
        _l("Rol"),
        choices=[SelectChoice("", _l("Tüm roller"))]
        + [SelectChoice(k, v) for k, v in ROLE_LABELS.items()],
        default="",
    )
    action = StringField(
        _l("İşlem"),
        validators=[Optional(), Length(max=64)],
        description=_l("Başı yeter: “payout.” bütün üye ödemesi işlemlerini bulur."),
        render_kw={"list": "audit-actions"},
    )
    object_type = StringField(
        _l("Nesne türü"),
        validators=[Optional(), Length(max=40)],
        render_kw={"list": "audit-object-types"},
    )
    object_id = StringField(_l("Nesne numarası"), validators=[Optional(), Length(max=40)])
    start = DateField(_l("Başlangıç tarihi"), format=_DATE_FORMATS, validators=[Optional()])
    end = DateField(_l("Bitiş tarihi"), format=_DATE_FORMATS, validators=[Optional()])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        for field in (self.start, self.end):
            if field.errors and field.raw_data and field.raw_data[0]:
                field.errors[:] = [_DATE_ERROR]
        if ok and self.start.data and self.end.data and self.end.data < self.start.data:
            self.end.errors.append(_l("Bitiş tarihi başlangıçtan önce olamaz."))
            return False
        return ok

    def to_filter(self) -> AuditFilter:
        return AuditFilter(
            actor=self.actor.data or "",
            role=self.role.data or "",
            action=self.action.data or "",
            object_type=self.object_type.data or "",
            object_id=self.object_id.data or "",
            start=self.start.data,
            end=self.end.data,
        )


def _page_arg() -> int:
    try:
        return int(request.args.get("page", 1))
    except ValueError:
        return 1


@bp.get("/audit", endpoint="audit_log")
@roles_required("admin")
def audit_log_page():
    form = AuditFilterForm(formdata=request.args if request.args else None)
    valid = form.validate() if request.args else True
    page = audit_log.search(form.to_filter(), _page_arg()) if valid else None
    actions = audit_log.known_actions()
    prefixes = sorted({a.split(".")[0] + "." for a in actions if "." in a})
    args = {k: v for k, v in request.args.items() if k in form._fields and v}
    return render_template(
        "admin/audit.html",
        form=form,
        page=page,
        actions=[*prefixes, *actions],
        object_types=audit_log.known_object_types(),
        args=args,
    ), (200 if valid else 400)
