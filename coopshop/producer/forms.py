"""Forms of the producer's workspace. Amounts are typed as text and read by the services
(product_input.parse_price), so "1.250" and "1250,00" both work and errors say how to write
them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields import FieldList
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from coopshop.services.catalog.product_input import MAX_LEAD_TIME_DAYS, MAX_MAKERS, MAX_STOCK
from coopshop.services.catalog.stock import CHOOSABLE_REASONS, MAX_DELTA, MAX_NOTE, REASON_LABELS
from coopshop.web.fields import WholeNumberField

_REQUIRED = _l("Bu alan zorunlu.")
_WHOLE = _l("Tam sayı yazın.")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _optional_int(value):
    if value in (None, "", "None"):
        return None
    return int(value)


class CoMakerEntry(Form):
    """One co-maker: her member number (shown on her profile page) and her share."""

    member_no = IntegerField(
        _l("Ortak üreticinin üye numarası"),
        validators=[Optional(), NumberRange(min=1, message=_l("Geçerli bir üye numarası yazın."))],
    )
    share = StringField(_l("Payı (%)"), filters=[_strip], validators=[Length(max=10)])


class ProductForm(FlaskForm):
    title_tr = StringField(
        _l("Ürünün adı (Türkçe)"),
        filters=[_strip],
        validators=[DataRequired(_REQUIRED), Length(max=200)],
    )
    title_en = StringField(
        _l("Ürünün adı (İngilizce, isteğe bağlı)"), filters=[_strip], validators=[Length(max=200)]
    )
    description_tr = TextAreaField(
        _l("Açıklama (Türkçe)"), filters=[_strip], validators=[Length(max=5000)]
    )
    description_en = TextAreaField(
        _l("Açıklama (İngilizce, isteğe bağlı)"), filters=[_strip], validators=[Length(max=5000)]
    )
    price = StringField(
        _l("Satış fiyatı (KDV dahil, ₺)"),
        filters=[_strip],
        validators=[DataRequired(_l("Fiyatı yazın.")), Length(max=30)],
        description=_l("1.250 ya da 1250,00 gibi yazabilirsiniz."),
    )
    vat_bp = SelectField(_l("KDV oranı"), coerce=int, default=2000)
    category_id = SelectField(
        _l("Kategori"), coerce=_optional_int, validators=[InputRequired(_l("Kategori seçin."))]
    )
    collection_id = SelectField(_l("Koleksiyon"), coerce=_optional_int, validators=[Optional()])
    made_to_order = BooleanField(_l("Siparişe üretiyorum (stok tutmuyorum)"))
    lead_time_days = IntegerField(
        _l("Hazırlama süresi (gün)"),
        validators=[
            Optional(),
            NumberRange(
                min=1,
                max=MAX_LEAD_TIME_DAYS,
                message=_l("1 ile %(n)d gün arasında olmalı.", n=MAX_LEAD_TIME_DAYS),
            ),
        ],
    )
    weight_g = WholeNumberField(
        _l("Paketli ağırlık (gram, isteğe bağlı)"),
        message=_l("Ağırlığı gram olarak bir tam sayıyla yazın."),
        validators=[
            Optional(),
            NumberRange(min=1, max=100_000, message=_l("1 ile 100.000 gram arasında olmalı.")),
        ],
        description=_l("Kargo etiketi bu ağırlık ve kutuyla başlar."),
    )
    box = StringField(
        _l("Paket boyutları (cm, U×G×Y, isteğe bağlı)"),
        filters=[_strip],
        validators=[Optional(), Length(max=20)],
        description=_l("30x20x10 gibi yazın."),
    )
    withdrawal_exclusion = SelectField(
        _l("Cayma hakkı"),
        choices=[
            SelectChoice("", _l("Alıcı 14 gün içinde cayabilir")),
            SelectChoice("custom_made", _l("Cayma yok: alıcının isteğine göre üretilir")),
            SelectChoice("personalised", _l("Cayma yok: kişiye özel hazırlanır")),
        ],
        default="",
        validators=[Optional()],
        description=_l(
            "Yalnız alıcının ölçüsüne, isteğine göre yapılan ya da kişiye özel (isim, yazı) "
            "hazırlanan ürünlerde cayma hakkı yoktur."
        ),
    )
    stock = IntegerField(
        _l("Elinizdeki adet"),
        default=1,
        validators=[
            Optional(),
            NumberRange(min=0, max=MAX_STOCK, message=_l("0 ile %(n)d arasında.", n=MAX_STOCK)),
        ],
    )
    my_share = StringField(
        _l("Sizin payınız (%)"),
        default="100",
        filters=[_strip],
        validators=[DataRequired(_REQUIRED), Length(max=10)],
    )
    co_makers = FieldList(FormField(CoMakerEntry), min_entries=MAX_MAKERS - 1)

    def set_choices(self, categories, collections, locale: str, vat_labels) -> None:
        self.vat_bp.choices = [SelectChoice(value, label) for value, label in vat_labels]
        self.category_id.choices = [SelectChoice("", _l("Kategori seçin"))] + [
            SelectChoice(c.id, c.name(locale)) for c in categories
        ]
        self.collection_id.choices = [SelectChoice("", _l("Koleksiyon yok"))] + [
            SelectChoice(c.id, c.name(locale)) for c in collections
        ]


class PhotoForm(FlaskForm):
    photos = MultipleFileField(
        _l("Fotoğraf ekle (JPEG, PNG ya da WebP)"),
        render_kw={"accept": "image/jpeg,image/png,image/webp"},
    )


class StockForm(FlaskForm):
    direction = RadioField(
        _l("Ne yapmak istiyorsunuz?"),
        choices=[SelectChoice("add", _l("Stok ekle")), SelectChoice("remove", _l("Stoktan düş"))],
        default="add",
        validators=[DataRequired(_l("Ekle ya da düş seçin."))],
    )
    quantity = IntegerField(
        _l("Adet"),
        default=1,
        validators=[
            InputRequired(_WHOLE),
            NumberRange(min=1, max=MAX_DELTA, message=_l("1 ile %(n)d arasında.", n=MAX_DELTA)),
        ],
    )
    reason = SelectField(
        _l("Neden"),
        choices=[SelectChoice(code, REASON_LABELS[code]) for code in CHOOSABLE_REASONS],
        validators=[DataRequired(_l("Bir neden seçin."))],
    )
    note = StringField(
        _l("Not (isteğe bağlı)"), filters=[_strip], validators=[Length(max=MAX_NOTE)]
    )


class QuickStockForm(FlaskForm):
    """The one-tap +1 / −1 buttons: +1 is new production, −1 a count correction."""

    step = HiddenField(validators=[DataRequired()])


class QuestionForm(FlaskForm):
    text = TextAreaField(
        _l("Sorunuz"),
        filters=[_strip],
        validators=[DataRequired(_l("Sorunuzu yazın.")), Length(min=5, max=2000)],
        description=_l("Neyi anlamadığınızı ya da neyin yanlış olduğunu düşündüğünüzü yazın."),
    )


class ProfileForm(FlaskForm):
    display_name = StringField(
        _l("Mağazada görünecek adınız"),
        filters=[_strip],
        validators=[DataRequired(_REQUIRED), Length(max=120)],
    )
    centre = StringField(_l("BELMEK merkezi"), filters=[_strip], validators=[Length(max=120)])
    craft = StringField(_l("Zanaatınız"), filters=[_strip], validators=[Length(max=120)])
    bio = TextAreaField(
        _l("Kendinizi ve ürünlerinizi anlatın"), filters=[_strip], validators=[Length(max=2000)]
    )
    photo = FileField(
        _l("Fotoğrafınız (isteğe bağlı)"), render_kw={"accept": "image/jpeg,image/png,image/webp"}
    )
    iban = StringField(
        _l("Yeni IBAN"),
        filters=[_strip],
        validators=[Length(max=42)],
        description=_l(
            "Yalnız değiştirmek için doldurun: TR ile başlayan 26 karakter. Yeni IBAN bir "
            "bekleme süresinden sonra geçerli olur ve size e-postayla bildirilir."
        ),
    )
    current_password = PasswordField(
        _l("Şu anki parolanız"),
        validators=[Length(max=200)],
        description=_l("IBAN değiştirirken gerekir."),
    )
    notify_email = BooleanField(_l("Satış yaptığımda ve sorum yanıtlandığında e-posta gönderilsin"))
    notify_payout_email = BooleanField(
        _l("Üye ödemem onaylandığında ve gönderildiğinde e-posta gönderilsin")
    )
    notify_refund_email = BooleanField(_l("Bir iade bana kalandan düştüğünde e-posta gönderilsin"))
    notify_sms = BooleanField(_l("Bu haberler telefonuma SMS olarak da gelsin"))
    phone = StringField(
        _l("Cep telefonunuz"),
        filters=[_strip],
        validators=[Length(max=32)],
        description=_l(
            "SMS için: 05xx xxx xx xx. Yalnız bu haberler gönderilir, reklam gönderilmez."
        ),
        render_kw={"inputmode": "tel"},
    )


class SalesFilterForm(FlaskForm):
    """The sales history's filters, read from the query string (GET: no CSRF token needed)."""

    class Meta:
        csrf = False

    period = SelectField(_l("Dönem"), default="all")
    start = DateField(_l("Başlangıç"), validators=[Optional()])
    end = DateField(_l("Bitiş"), validators=[Optional()])
    channel = SelectField(_l("Satış kanalı"), default="")
    product = SelectField(_l("Ürün"), coerce=_optional_int, default="")


class ActionForm(FlaskForm):
    """Only a CSRF token: the small buttons (remove a photo, make it the cover, archive...)."""
