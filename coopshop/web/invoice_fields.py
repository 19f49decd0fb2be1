"""The "kurumsal fatura" fields any form can carry (checkout, the bazaar desk): addressee,
tax office and VKN/TCKN, checked by coopshop.tax_ids. Mixed into a FlaskForm."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import Optional, ValidationError

from coopshop import tax_ids
from coopshop.web.form_messages import max_length


class InvoiceFieldsMixin:
    # Online a company name needs its VKN; at the bazaar desk a name alone asks for an invoice.
    name_needs_tax_id = True
    invoice_company = StringField(
        _l("Firma / fatura adı"), validators=[Optional(), max_length(200)]
    )
    invoice_tax_office = StringField(_l("Vergi dairesi"), validators=[Optional(), max_length(80)])
    invoice_tax_id = StringField(
        _l("VKN veya TCKN"),
        validators=[max_length(20)],  # no Optional(): an empty one is checked against the name
        description=_l("Şirket için 10 haneli VKN, bireysel fatura için 11 haneli TCKN."),
    )

    def validate_invoice_tax_id(self, field) -> None:
        value = tax_ids.clean(field.data)
        field.data = value
        if not value:
            if self.name_needs_tax_id and (self.invoice_company.data or "").strip():
                raise ValidationError(_l("Kurumsal fatura için VKN girin."))
            return
        kind = tax_ids.kind_of(value)
        if kind is None:
            if len(value) == 10:
                raise ValidationError(_l("Bu VKN geçerli değil: rakamları kontrol edin."))
            if len(value) == 11:
                raise ValidationError(_l("Bu TCKN geçerli değil: rakamları kontrol edin."))
            raise ValidationError(_l("VKN 10, TCKN 11 haneli olmalı."))
        if kind == "vkn":
            if not (self.invoice_company.data or "").strip():
                raise ValidationError(_l("VKN ile fatura için firma adını yazın."))
            if not (self.invoice_tax_office.data or "").strip():
                raise ValidationError(_l("VKN ile fatura için vergi dairesini yazın."))

    def invoice_details(self) -> dict:
        """The Buyer fields (company, tax_office, tax_id), stripped."""
        return {
            "company": (self.invoice_company.data or "").strip(),
            "tax_office": (self.invoice_tax_office.data or "").strip(),
            "tax_id": tax_ids.clean(self.invoice_tax_id.data),
        }
