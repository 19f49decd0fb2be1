"""Money, rates and dates as people read them: ₺1.234,50 and %15 in Turkish, TRY 1,234.50 and
15% in English, times in Istanbul."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import render_template_string
from flask_babel import force_locale

from config import TestingConfig
from coopshop import create_app
from coopshop.money import kurus_text, percent_text
from coopshop.web.formatting import order_status_label, when


@pytest.fixture(scope="module")
def app():
    # No database needed: formatting is Babel and Flask only.
    return create_app(TestingConfig)


@pytest.fixture
def request_context(app):
    with app.test_request_context("/"):
        yield


@pytest.mark.parametrize(
    ("kurus", "turkish", "english"),
    [
        (123450, "₺1.234,50", "TRY 1,234.50"),
        (0, "₺0,00", "TRY 0.00"),
        (5, "₺0,05", "TRY 0.05"),
        (100, "₺1,00", "TRY 1.00"),
        (-123450, "-₺1.234,50", "-TRY 1,234.50"),
        (123456789012, "₺1.234.567.890,12", "TRY 1,234,567,890.12"),
    ],
)
def test_money(request_context, kurus, turkish, english):
    with force_locale("tr"):
        assert kurus_text(kurus) == turkish
    with force_locale("en"):
        assert kurus_text(kurus) == english


def test_money_of_nothing_is_empty(request_context):
    assert kurus_text(None) == ""


@pytest.mark.parametrize(
    ("bp", "turkish", "english"),
    [
        (1500, "%15", "15%"),
        (1250, "%12,5", "12.5%"),
        (1825, "%18,25", "18.25%"),
        (0, "%0", "0%"),
        (10000, "%100", "100%"),
    ],
)
def test_percent(request_context, bp, turkish, english):
    with force_locale("tr"):
        assert percent_text(bp) == turkish
    with force_locale("en"):
        assert percent_text(bp) == english


def test_the_template_filters(request_context):
    template = "{{ 123450|money }} · {{ 2000|percent }}"
    with force_locale("tr"):
        assert render_template_string(template) == "₺1.234,50 · %20"
    with force_locale("en"):
        assert render_template_string(template) == "TRY 1,234.50 · 20%"


def test_the_money_macro_wraps_the_amount(request_context):
    source = '{% from "_macros.html" import money %}{{ money(99900) }}'
    with force_locale("tr"):
        assert render_template_string(source) == '<span class="money">₺999,00</span>'


def test_times_are_stored_in_utc_and_shown_in_istanbul(request_context):
    moment = datetime(2025, 3, 8, 9, 30, tzinfo=UTC)  # 12:30 in Istanbul (UTC+3)
    with force_locale("tr"):
        assert when(moment, "dd.MM.yyyy HH:mm") == "08.03.2025 12:30"
    assert when(None) == ""


@pytest.mark.parametrize(
    ("status", "label"),
    [
        ("pending_payment", "Ödeme bekleniyor"),
        ("paid", "Ödendi"),
        ("cancelled", "İptal edildi"),
        ("expired", "Süresi doldu"),
        ("something_new", "something_new"),
    ],
)
def test_order_status_labels(request_context, status, label):
    with force_locale("tr"):
        assert order_status_label(status) == label
