"""coopshop.web.charts.bar_chart: one accessible SVG bar per value, escaped, integer geometry."""

from __future__ import annotations

import re

import pytest
from markupsafe import Markup

from coopshop.web.charts import NEGATIVE_FILL, POSITIVE_FILL, bar_chart


def bars(svg: str) -> list[dict[str, str]]:
    return [dict(re.findall(r'(\w+)="([^"]*)"', rect)) for rect in re.findall(r"<rect [^>]*>", svg)]


def test_one_bar_per_value_proportional_from_the_zero_line():
    svg = bar_chart([100, 50, 0], ["Ocak", "Şubat", "Mart"], title="Satış", chart_id="sales")
    assert isinstance(svg, Markup)
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" class="bar-chart" id="sales"')
    assert 'role="img" aria-labelledby="sales-title sales-desc"' in svg
    assert '<title id="sales-title">Satış</title><desc id="sales-desc">Satış</desc>' in svg
    # plot width 720 - 190 - 120 = 410 px; all bars start at x=190 (no negatives)
    assert [(b["x"], b["width"], b["fill"]) for b in bars(svg)] == [
        ("190", "410", POSITIVE_FILL),
        ("190", "205", POSITIVE_FILL),
        ("190", "0", POSITIVE_FILL),
    ]
    assert svg.count("<g>") == 3 and "<title>Şubat: 50</title>" in svg


def test_negative_values_draw_left_of_zero_in_another_colour():
    svg = bar_chart([300, -100], ["Mart", "Nisan"], title="Net", format_value=lambda v: f"{v} TL")
    # span 400 over 410 px: zero at 190 + 100 * 410 // 400 = 292
    assert [(b["x"], b["width"], b["fill"]) for b in bars(svg)] == [
        ("292", "307", POSITIVE_FILL),
        ("190", "102", NEGATIVE_FILL),
    ]
    assert '<line x1="292"' in svg and ">-100 TL</text>" in svg


def test_labels_values_and_titles_are_escaped_and_long_labels_shortened():
    svg = bar_chart(
        [1],
        ['<script>alert("x")</script> ve çok uzun bir üretici adı'],
        title="A & B",
        description="<b>",
        format_value=lambda v: "<i>",
        chart_id='x" onload="y',
    )
    assert "<script>" not in svg and "<i>" not in svg and "<b>" not in svg
    assert "&lt;script&gt;" in svg and "A &amp; B" in svg
    assert 'id="x--onload--y"' in svg
    assert "…</text>" in svg  # the full label stays in the bar's <title>


def test_no_values_no_chart_and_bad_input_refused():
    assert bar_chart([], [], title="Boş") == Markup("")
    with pytest.raises(ValueError):
        bar_chart([1, 2], ["a"], title="t")
    with pytest.raises(TypeError):
        bar_chart([1.5], ["a"], title="t")
