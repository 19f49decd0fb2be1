"""Turning a service's domain error into what the admin sees: an error under the field it names,
or a flash message when it names none of the form's fields."""

from __future__ import annotations

from flask import flash
from flask_wtf import FlaskForm

from coopshop.services.errors import DomainError


def show_error(form: FlaskForm, error: DomainError, fields: dict[str, str] | None = None) -> None:
    """Attach ``error`` to the form field it names (``fields`` maps the service's field names
    to the form's where they differ), else flash it."""
    name = error.details.get("field")
    name = (fields or {}).get(name, name)
    field = form._fields.get(name) if name else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        flash(error.message, "danger")


def percent_text(bp: int | None) -> str:
    """Basis points as a person types the rate back in: 1500 -> "15", 1250 -> "12,5"."""
    if bp is None:
        return ""
    whole, rest = divmod(bp, 100)
    return f"{whole},{rest:02d}".rstrip("0").rstrip(",") if rest else str(whole)
