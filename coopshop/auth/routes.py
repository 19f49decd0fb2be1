"""Login, logout, signing out everywhere, customer registration, membership applications,
password reset. Every page runs its use case through coopshop.web.uow.attempt."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from coopshop.auth.forms import (
    ApplyForm,
    ChangeEmailForm,
    ChangePasswordForm,
    ForgotForm,
    LoginForm,
    RegisterForm,
    ResetForm,
)
from coopshop.extensions import limiter
from coopshop.services.members import account, signin
from coopshop.services.members import users as user_service
from coopshop.web.links import external_url
from coopshop.web.permissions import home_endpoint
from coopshop.web.uow import attempt

bp = Blueprint("auth", __name__)


def _address_limit() -> str:
    """Per address (Flask-Limiter: Redis in production, so every worker counts together), from
    AUTH_ADDRESS_LIMIT. Each account is throttled on its own in the database as well
    (services.members.signin)."""
    return current_app.config["AUTH_ADDRESS_LIMIT"]


def _safe_next(target: str | None) -> str | None:
    """Only follow a ?next= that stays on this site."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _start_session(user, remember: bool) -> None:
    """A fresh session (and so a fresh CSRF secret) for every login; only the language stays."""
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    login_user(user, remember=remember)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_address_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for(home_endpoint(current_user)))
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form)
    result = attempt(signin.sign_in, form.email.data, form.password.data).value
    if result.locked_until is not None:
        until = format_datetime(result.locked_until, "HH:mm")
        form.password.errors = [
            _("Çok fazla yanlış deneme. %(time)s sonrasında yeniden deneyin.", time=until)
        ]
        return render_template("auth/login.html", form=form), 429
    if result.user is None:
        form.password.errors = [_("E-posta ya da parola yanlış.")]
        return render_template("auth/login.html", form=form)
    _start_session(result.user, remember=form.remember.data)
    flash(_("Hoş geldiniz, %(name)s.", name=result.user.name), "success")
    return redirect(_safe_next(request.args.get("next")) or url_for(home_endpoint(result.user)))


def _end_everywhere() -> None:
    attempt(signin.end_sessions, current_user._get_current_object())
    logout_user()
    session.clear()


@bp.post("/logout")
@login_required
def logout():
    _end_everywhere()
    flash(_("Çıkış yaptınız."), "info")
    return redirect(url_for("shop.index"))


@bp.post("/sessions/end")
@login_required
def end_sessions():
    """The account page's "sign out everywhere": every browser and remember cookie of hers."""
    _end_everywhere()
    flash(_("Tüm cihazlarda oturumunuz kapatıldı. Yeniden giriş yapın."), "info")
    return redirect(url_for("auth.login"))


# The same words whether or not the address has an account; the e-mail says which it was.
def _sent_for_registration() -> str:
    return _("Kaydınızı aldık. E-posta adresinize bir mesaj gönderdik; giriş yaparak devam edin.")


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_address_limit, methods=["POST"])
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        outcome = attempt(
            signin.register,
            form.email.data,
            form.password.data,
            form.name.data,
            form.phone.data,
            external_url("auth.login"),
            marketing=bool(form.marketing.data),
            form=form,
            after_response=True,
        )
        if outcome.ok:
            flash(_sent_for_registration(), "success")
            return redirect(url_for("auth.login"))
        return render_template("auth/register.html", form=form), outcome.status
    return render_template("auth/register.html", form=form)


@bp.route("/apply", methods=["GET", "POST"])
@limiter.limit(_address_limit, methods=["POST"])
def apply():
    form = ApplyForm()
    if form.validate_on_submit():
        application = user_service.MembershipApplication(
            email=form.email.data,
            password=form.password.data,
            name=form.name.data,
            display_name=form.display_name.data or "",
            centre=form.centre.data,
            craft=form.craft.data,
            phone=form.phone.data or "",
            bio=form.bio.data or "",
            note=form.note.data or "",
            marketing=bool(form.marketing.data),
        )
        outcome = attempt(
            signin.apply, application, external_url("auth.login"), form=form, after_response=True
        )
        if outcome.ok:
            flash(_sent_for_registration(), "success")
            return redirect(url_for("auth.login"))
        return render_template("auth/apply.html", form=form), outcome.status
    return render_template("auth/apply.html", form=form)


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit("5 per minute;20 per hour", methods=["POST"])
def forgot():
    form = ForgotForm()
    if form.validate_on_submit():
        attempt(
            signin.request_reset,
            form.email.data,
            current_app.config["SECRET_KEY"],
            lambda token: external_url("auth.reset", token=token),
            after_response=True,
        )
        # The same answer either way, so the form does not reveal who has an account.
        flash(_("Bu adresle bir hesap varsa, parola sıfırlama bağlantısı gönderildi."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit(_address_limit, methods=["POST"])
def reset(token: str):
    form = ResetForm()
    if form.validate_on_submit():
        outcome = attempt(
            signin.reset_password,
            token,
            form.password.data,
            current_app.config["SECRET_KEY"],
            current_app.config["PASSWORD_RESET_MAX_AGE"],
            form=form,
        )
        if outcome.ok:
            flash(_("Parolanız değişti. Yeni parolanızla giriş yapın."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form)


def _reauthenticate(form) -> signin.SignIn | None:
    """Her current password again (a wrong one is committed as a failed attempt, towards the
    same lock as the login's); None with the error under the field."""
    proof = attempt(
        signin.reauthenticate, current_user._get_current_object(), form.current_password.data
    ).value
    if proof.locked_until is not None:
        until = format_datetime(proof.locked_until, "HH:mm")
        form.current_password.errors = [
            _("Çok fazla yanlış deneme. %(time)s sonrasında yeniden deneyin.", time=until)
        ]
        return None
    if proof.user is None:
        form.current_password.errors = [_("Parola yanlış; hiçbir şey değiştirilmedi.")]
        return None
    return proof


@bp.route("/email", methods=["GET", "POST"])
@login_required
@limiter.limit(_address_limit, methods=["POST"])
def change_email():
    form = ChangeEmailForm()
    if form.validate_on_submit():
        proof = _reauthenticate(form)
        if proof is not None:
            outcome = attempt(
                account.change_email,
                current_user._get_current_object(),
                form.email.data,
                proof,
                form=form,
            )
            if outcome.ok:
                flash(_("E-posta adresiniz değişti; bundan sonra bununla giriş yapın."), "success")
                return redirect(url_for("shop.account"))
        return render_template("auth/change_email.html", form=form), 400
    return render_template("auth/change_email.html", form=form), (400 if form.errors else 200)


@bp.route("/password", methods=["GET", "POST"])
@login_required
@limiter.limit(_address_limit, methods=["POST"])
def change_password():
    form = ChangePasswordForm()
    form.password.label.text = _("Yeni parola")
    form.confirm.label.text = _("Yeni parola (tekrar)")
    if form.validate_on_submit():
        proof = _reauthenticate(form)
        if proof is not None:
            user = current_user._get_current_object()
            outcome = attempt(account.change_password, user, form.password.data, proof, form=form)
            if outcome.ok:
                # Every other session ended with the new generation; this browser starts afresh.
                _start_session(user, remember=False)
                flash(
                    _("Parolanız değişti; diğer cihazlardaki oturumlarınız kapatıldı."), "success"
                )
                return redirect(url_for("shop.account"))
        return render_template("auth/change_password.html", form=form), 400
    return render_template("auth/change_password.html", form=form), (400 if form.errors else 200)
