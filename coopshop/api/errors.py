"""The API's one error shape, ``{"error": {"code", "message", "field"?, "details"?}}``.

Codes are short strings a client can switch on; messages are in the caller's language
(Accept-Language). Domain errors from the services map to statuses through the unit of
work's one table (coopshop.web.uow.ERRORS).
"""

from __future__ import annotations

from flask import jsonify
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pydantic import ValidationError

from coopshop.services.core.errors import DomainError
from coopshop.web.uow import kind_of

# The string code for each status Werkzeug (or Flask-Limiter) may raise.
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "unprocessable",
    429: "rate_limited",
    500: "internal_error",
}

HTTP_MESSAGES = {
    400: _l("Geçersiz istek"),
    401: _l("Kimlik doğrulaması gerekli"),
    403: _l("Bu işleme yetkiniz yok"),
    404: _l("Bulunamadı"),
    405: _l("Bu işlem yapılamaz"),
    409: _l("İstek mevcut durumla çelişiyor"),
    413: _l("İstek çok büyük"),
    415: _l("Desteklenmeyen içerik türü"),
    422: _l("İstek işlenemedi"),
    429: _l("Çok fazla istek. Biraz bekleyip yeniden deneyin."),
    500: _l("Bir şeyler ters gitti"),
}


class ApiError(Exception):
    """Raised by API views and helpers; rendered as the error shape with ``status``."""

    def __init__(
        self, status: int, code: str, message, field: str | None = None, headers=None, **details
    ):
        super().__init__(str(message))
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = headers or []
        self.details = details

    def response(self):
        return error_response(
            self.status, self.code, self.message, self.field, self.details or None, self.headers
        )


def error_body(code: str, message, field: str | None = None, details: dict | None = None) -> dict:
    error: dict = {"code": code, "message": str(message)}
    if field:
        error["field"] = field
    if details:
        error["details"] = details
    return {"error": error}


def error_response(
    status: int,
    code: str,
    message,
    field: str | None = None,
    details: dict | None = None,
    headers=None,
):
    response = jsonify(error_body(code, message, field, details))
    response.status_code = status
    for name, value in headers or ():
        response.headers[name] = value
    return response


def http_error_response(error, fallback=None, headers=None):
    """The error shape for a Werkzeug HTTPException (404, 405, 413, 429, ...): its own message
    when the code gave one, else ``fallback``, else this module's message for the status."""
    from flask_limiter.errors import RateLimitExceeded

    code = getattr(error, "code", None) or 500
    if isinstance(error, RateLimitExceeded):
        # Its description is the limit itself ("3 per 1 minute"): say it for people instead.
        return error_response(
            429,
            "rate_limited",
            HTTP_MESSAGES[429],
            details={"limit": error.description},
            headers=headers,
        )
    description = getattr(error, "description", None)
    if description == getattr(type(error), "description", None) or not description:
        description = fallback or HTTP_MESSAGES.get(code, "")
    return error_response(code, HTTP_CODES.get(code, "error"), description, headers=headers)


def _plain(value):
    """Details go out as JSON: numbers, text, flags and None as they are, anything else as text."""
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


def from_domain_error(exc: DomainError):
    """The status and code of the unit of work's one error table (coopshop.web.uow.ERRORS)."""
    kind = kind_of(exc)
    details = {k: _plain(v) for k, v in exc.details.items() if k != "field"}
    return error_response(
        kind.api_status, kind.api_code, exc.message, exc.details.get("field"), details or None
    )


def field_path(loc: tuple) -> str | None:
    """("lines", 0, "quantity") -> "lines[0].quantity". A union's member name (a class name,
    capitalised) ends the path: the item as a whole did not fit any of its shapes."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part[:1].isupper():
            break
        else:
            path += f".{part}" if path else part
    return path or None


def _message(error: dict) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    loc = error.get("loc") or ()
    if any(isinstance(p, str) and p[:1].isupper() for p in loc):
        return _("Bu öğe beklenen biçimlerin hiçbirine uymuyor.")
    if kind == "missing":
        return _("Bu alan gerekli.")
    if kind == "extra_forbidden":
        return _("Bilinmeyen alan.")
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return _("Tam sayı olmalı.")
    if kind in ("string_type", "string_unicode"):
        return _("Metin olmalı.")
    if kind in ("bool_type", "bool_parsing"):
        return _("true ya da false olmalı.")
    if kind in ("list_type",):
        return _("Liste olmalı.")
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return _("JSON nesnesi olmalı.")
    if kind in ("greater_than_equal", "greater_than"):
        return _("En az %(n)s olmalı.", n=ctx.get("ge", ctx.get("gt")))
    if kind in ("less_than_equal", "less_than"):
        return _("En fazla %(n)s olmalı.", n=ctx.get("le", ctx.get("lt")))
    if kind == "string_too_short":
        return _("Boş olamaz.")
    if kind == "string_too_long":
        return _("En fazla %(n)s karakter olmalı.", n=ctx.get("max_length"))
    if kind == "string_pattern_mismatch":
        return _("Bu alanda kullanılamayan karakterler var.")
    if kind == "too_short":
        return _("En az %(n)s öğe olmalı.", n=ctx.get("min_length"))
    if kind == "too_long":
        return _("En fazla %(n)s öğe olabilir.", n=ctx.get("max_length"))
    if kind in ("literal_error", "enum"):
        return _("Şunlardan biri olmalı: %(values)s", values=ctx.get("expected", ""))
    if kind == "time_range":
        return _("2000 ile 2100 arasında bir zaman olmalı.")
    if kind.startswith(("datetime", "timezone")):
        return _("Saat dilimi içeren bir ISO 8601 zamanı olmalı (2025-06-30T18:00:00+03:00).")
    if kind == "json_invalid":
        return _("İstek gövdesi geçerli JSON değil.")
    return _("Geçersiz değer.")


def from_validation_error(exc: ValidationError):
    """400 naming the first field that is wrong, with every problem listed in details."""
    problems = [{"field": field_path(e["loc"]), "message": _message(e)} for e in exc.errors()]
    first = problems[0] if problems else {"field": None, "message": _("Geçersiz değer.")}
    return error_response(
        400,
        "validation_error",
        first["message"],
        first["field"],
        {"errors": problems} if len(problems) > 1 else None,
    )
