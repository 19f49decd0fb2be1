"""Forms for logging in, registering, applying for membership and resetting a password."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from coopshop.services.members.consents import MARKETING_LABEL
from coopshop.services.members.users import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from coopshop.web.form_messages import max_length

_REQUIRED = _l("Bu alan zorunlu.")
_EMAIL = _l("Geçerli bir e-posta adresi girin.")


def _strip(value):
    # Phones and password managers add a space after an e-mail address; it is not a mistake.
    return value.strip() if isinstance(value, str) else value


def _clip(limit: int):
    """Keep at most one character past the field's limit: the Length check still fails, and the
    form shown again never echoes a megabyte someone pasted (or sent) back into the page."""

    def clip(value):
        return value[: limit + 1] if isinstance(value, str) else value

    return clip


def _email_field() -> EmailField:
    return EmailField(
        _l("E-posta"),
        filters=[_clip(254), _strip],
        validators=[DataRequired(_REQUIRED), Length(max=254, message=_EMAIL), Email(_EMAIL)],
    )


class LoginForm(FlaskForm):
    email = _email_field()
    password = PasswordField(
        _l("Parola"), validators=[DataRequired(_REQUIRED), max_length(MAX_PASSWORD_LENGTH)]
    )
    remember = BooleanField(_l("Beni hatırla"))


class _NewPasswordMixin:
    password = PasswordField(
        _l("Parola"),
        validators=[
            DataRequired(_REQUIRED),
            Length(
                min=MIN_PASSWORD_LENGTH,
                message=_l("Parola en az %(n)d karakter olmalı.", n=MIN_PASSWORD_LENGTH),
            ),
            Length(
                max=MAX_PASSWORD_LENGTH,
                message=_l("Parola en fazla %(n)d karakter olabilir.", n=MAX_PASSWORD_LENGTH),
            ),
        ],
    )
    confirm = PasswordField(
        _l("Parola (tekrar)"),
        validators=[
            DataRequired(_REQUIRED),
            max_length(MAX_PASSWORD_LENGTH),
            EqualTo("password", _l("Parolalar aynı değil.")),
        ],
    )


class RegisterForm(_NewPasswordMixin, FlaskForm):
    name = StringField(
        _l("Ad soyad"), filters=[_clip(120)], validators=[DataRequired(_REQUIRED), max_length(120)]
    )
    email = _email_field()
    phone = StringField(_l("Telefon"), filters=[_clip(32)], validators=[Optional(), max_length(32)])
    # KVKK: its own box, never ticked for her and never a condition of the account.
    marketing = BooleanField(MARKETING_LABEL, default=False)


class ApplyForm(RegisterForm):
    display_name = StringField(
        _l("Mağazada görünecek adınız"),
        filters=[_clip(120)],
        validators=[Optional(), max_length(120)],
    )
    centre = StringField(
        _l("BELMEK merkezi"),
        filters=[_clip(120)],
        validators=[DataRequired(_REQUIRED), max_length(120)],
    )
    craft = StringField(
        _l("Zanaatınız"),
        filters=[_clip(120)],
        validators=[DataRequired(_REQUIRED), max_length(120)],
    )
    bio = TextAreaField(
        _l("Kendinizi ve ürünlerinizi anlatın"),
        filters=[_clip(2000)],
        validators=[max_length(2000)],
    )
    note = TextAreaField(
        _l("Kooperatife notunuz"), filters=[_clip(2000)], validators=[max_length(2000)]
    )


class ForgotForm(FlaskForm):
    email = _email_field()


class ResetForm(_NewPasswordMixin, FlaskForm):
    pass


def _current_password_field() -> PasswordField:
    return PasswordField(
        _l("Şu anki parolanız"),
        filters=[_clip(MAX_PASSWORD_LENGTH)],
        validators=[DataRequired(_l("Şu anki parolanızı yazın.")), max_length(MAX_PASSWORD_LENGTH)],
    )


class ChangeEmailForm(FlaskForm):
    email = _email_field()
    current_password = _current_password_field()


class ChangePasswordForm(_NewPasswordMixin, FlaskForm):
    current_password = _current_password_field()
