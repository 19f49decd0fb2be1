"""The unit of work for pages and the API, and the one table that maps domain errors.

A page calls ``attempt(service_call, ..., form=form)``: on success the work is committed once and
after-commit effects run (coopshop.services.core.uow); on a domain error everything is rolled
back and the error is shown the way the table says, under the form field it names or as a flash
message. The API raises domain errors to its error handler, which answers with the same table's
status and code. Nothing else in the web layer commits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import after_this_request, current_app, flash, has_request_context
from flask_wtf import FlaskForm

from coopshop.services.core import uow
from coopshop.services.core.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InsufficientStock,
    InvalidTransition,
    LedgerError,
    NotFound,
    ProviderUnavailable,
    ValidationFailed,
)


@dataclass(frozen=True)
class ErrorKind:
    api_status: int
    api_code: str
    html_status: int
    as_field: bool  # shown under the form field it names (else flashed)


# Most specific first: InsufficientStock is a Conflict, InvalidTransition too.
ERRORS: tuple[tuple[type[DomainError], ErrorKind], ...] = (
    (InsufficientStock, ErrorKind(409, "insufficient_stock", 409, False)),
    (InvalidTransition, ErrorKind(409, "invalid_transition", 409, False)),
    (ProviderUnavailable, ErrorKind(409, "provider_unavailable", 409, False)),
    (Conflict, ErrorKind(409, "conflict", 409, False)),
    (LedgerError, ErrorKind(409, "ledger_rule", 409, False)),
    (NotFound, ErrorKind(404, "not_found", 404, False)),
    (Forbidden, ErrorKind(403, "forbidden", 403, False)),
    (ValidationFailed, ErrorKind(422, "rule_violation", 400, True)),
)
_OTHER = ErrorKind(422, "rule_violation", 400, False)


def kind_of(error: DomainError) -> ErrorKind:
    return next((kind for cls, kind in ERRORS if isinstance(error, cls)), _OTHER)


def show_error(form: FlaskForm | None, error: DomainError, fields: dict[str, str] | None = None):
    """Attach ``error`` to the form field it names (``fields`` maps the service's field names
    to the form's where they differ), else flash it. Returns True when it went under a field."""
    name = error.details.get("field")
    name = (fields or {}).get(name, name)
    field = form._fields.get(name) if (form is not None and name) else None
    if field is not None:
        field.errors = [*field.errors, error.message]
        return True
    flash(error.message, "danger")
    return False


@dataclass(frozen=True)
class Outcome:
    """What ``attempt`` did: the service's return value, or the domain error it raised."""

    value: Any = None
    error: DomainError | None = None
    rerender: bool = False  # a rule on the input: show the form again, as typed, with the error

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def status(self) -> int:
        """The HTML status to re-render with after an error (400 for a rule on a field)."""
        return 200 if self.error is None else kind_of(self.error).html_status


def attempt(
    action: Callable[..., Any],
    *args: Any,
    form: FlaskForm | None = None,
    fields: dict[str, str] | None = None,
    after_response: bool = False,
    show: bool = True,
    **kwargs: Any,
) -> Outcome:
    """Run one use case: commit once on success; on a domain error roll back and show it.
    ``after_response`` runs the after-commit effects (mail) once the answer has been sent, so
    the answer takes the same time whether or not there was mail. ``show=False`` leaves the
    error to the page (``outcome.error``), for a page that shows it its own way."""
    try:
        value = action(*args, **kwargs)
    except DomainError as exc:
        uow.rollback()
        rerender = kind_of(exc).as_field
        if show:
            show_error(form if rerender else None, exc, fields)
        return Outcome(error=exc, rerender=rerender)
    except BaseException:
        uow.rollback()
        raise
    if after_response:
        _run_after_response(uow.commit_deferring())
    else:
        uow.commit()
    return Outcome(value=value)


def _run_after_response(effects: list[Callable[[], Any]]) -> None:
    if not effects:
        return
    app = current_app._get_current_object()

    def run() -> None:
        with app.app_context():
            uow.run_effects(effects)

    @after_this_request
    def _later(response):
        response.call_on_close(run)
        return response


def defer_after_response(run: Callable[[], Any]) -> bool:
    """How the outbox runs its jobs in-process without Redis (development): inside a request,
    after the answer has been sent, so a slow SMTP server never holds a page. Returns False
    outside a request (the CLI, a test's own commit), where the caller runs them at once."""
    if not has_request_context():
        return False
    app = current_app._get_current_object()

    def later() -> None:
        with app.app_context():
            run()

    @after_this_request
    def _later(response):
        response.call_on_close(later)
        return response

    return True
