"""Every form speaks in the project's voice: each form of the app is filled with too long, empty,
too short and wrong values, in Turkish and in English, and none of the errors it shows is
WTForms' generic text ("Alanın uzunluğu…", "Field must be…")."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import wtforms
from babel.messages.mofile import read_mo
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms.fields.choices import SelectFieldBase

from coopshop.shop.checkout_forms import CheckoutForm

_TRIES = ("x" * 6000, "", "a", "abc!", "-1", "31.02.2020")


def _generic_texts() -> list[str]:
    """WTForms' own messages, English and Turkish: the longest piece of each between its
    placeholders."""
    mo = Path(wtforms.__file__).parent / "locale/tr/LC_MESSAGES/wtforms.mo"
    with mo.open("rb") as f:
        catalog = read_mo(f)
    texts = []
    for message in catalog:
        for text in (message.id, message.string):
            for one in text if isinstance(text, list | tuple) else (text,):
                pieces = re.split(r"%\(\w+\)[sd]|%s|'", one or "")
                head = max(pieces, key=len).strip(" .:")
                if len(head) >= 8:
                    texts.append(head)
    return sorted(set(texts))


def _every_form() -> list[type[FlaskForm]]:
    found, todo = [], list(FlaskForm.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("coopshop."):
            found.append(cls)
    return sorted(set(found), key=lambda c: (c.__module__, c.__name__))


def _errors_of(form_class: type[FlaskForm], value: str) -> list[str]:
    names = [f.name for f in form_class(formdata=MultiDict(), meta={"csrf": False})]
    data = MultiDict([(name, value) for name in names])
    form = form_class(formdata=data, meta={"csrf": False})
    for field in form:
        if isinstance(field, SelectFieldBase) and getattr(field, "choices", []) is None:
            field.choices = [("1", "1")]
    form.validate()
    out = []
    for messages in form.errors.values():
        for message in messages:
            inner = message.values() if isinstance(message, dict) else [message]
            out.extend(str(m) for m in inner)
    return out


@pytest.mark.parametrize("locale", ["tr", "en"])
def test_no_form_shows_the_form_librarys_generic_text(app, locale):
    generic = _generic_texts()
    assert any("Field must be between" in g for g in generic)
    assert any("karakter arasında olmalıdır" in g for g in generic)
    forms = _every_form()
    assert CheckoutForm in forms and len(forms) > 40
    shown: dict[str, list[str]] = {}
    with app.test_request_context(headers={"Accept-Language": locale}):
        for form_class in forms:
            for value in _TRIES:
                for error in _errors_of(form_class, value):
                    shown.setdefault(error, []).append(form_class.__name__)
    assert len(shown) > 30  # the forms did show their errors
    offending = {e: sorted(set(f)) for e, f in shown.items() if any(g in e for g in generic)}
    assert offending == {}


@pytest.mark.parametrize(
    ("locale", "address", "district"),
    [
        ("tr", "Adresi mahalle, cadde/sokak, bina ve daire numarasıyla", "İlçe adı en fazla 60"),
        ("en", "Write the address with its neighbourhood", "The district name can be at most 60"),
    ],
)
def test_the_checkout_address_error_says_what_to_write(app, client, locale, address, district):
    client.get("/", headers={"Accept-Language": locale})
    with app.test_request_context(headers={"Accept-Language": locale}):
        form = CheckoutForm(
            formdata=MultiDict({"address_line": "Kızılay", "ilce": "Ç" * 61}), meta={"csrf": False}
        )
        form.validate()
        assert address in form.errors["address_line"][0]
        assert district in form.errors["ilce"][0]
        if locale == "tr":
            assert form.errors["name"] == ["Bu alan zorunlu."]
