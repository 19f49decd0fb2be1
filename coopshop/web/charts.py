"""Bar charts drawn on the server as inline SVG: no JavaScript, nothing from a CDN.

    from coopshop.web.charts import bar_chart
    svg = bar_chart([120000, 45050], ["Ocak 2026", "Şubat 2026"], title="Satışlar",
                    description="Aylara göre satışlar", format_value=money)
    # in a template: {{ svg }}  (it is Markup; labels and values are escaped here)

One horizontal bar per value, its label on the left and its formatted value on the right, so
long names (producers, collections) stay readable on a phone. Negative values (a month with
more refunds than sales) draw left of the zero line in another colour. The chart is a picture
for sighted readers: ``role="img"`` with a <title> and a <desc>, and each bar has a <title>
tooltip; a page should also show the same numbers as a table, the accessible alternative.
Coordinates are whole pixels computed with integer arithmetic (values are usually kuruş).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup

POSITIVE_FILL = "#6b2046"  # the cooperative's colour (site.css .bg-coop), 9:1 on white
NEGATIVE_FILL = "#b4540b"  # dark orange, 4.6:1 on white
TEXT_FILL = "#212529"
FONT = "system-ui, -apple-system, Segoe UI, Roboto, sans-serif"


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def bar_chart(
    values: Sequence[int],
    labels: Sequence[str],
    *,
    title: str,
    description: str = "",
    format_value: Callable[[int], str] = str,
    chart_id: str = "chart",
    width: int = 720,
    bar_height: int = 20,
    gap: int = 8,
    label_width: int = 190,
    value_width: int = 120,
) -> Markup:
    """An accessible horizontal bar chart of ``values`` (integers) named by ``labels``.

    ``title`` and ``description`` become the SVG's <title> and <desc> (what a screen reader
    announces); ``format_value`` turns a value into the text shown beside its bar (e.g. the
    |money filter); ``chart_id`` must be unique on the page (it prefixes the ids that
    aria-labelledby points at). Every bar is a ``<rect class="bar">``. No values: empty Markup,
    so a template can show its own "no data" text instead.
    """
    if len(values) != len(labels):
        raise ValueError("values and labels must be the same length")
    if not values:
        return Markup("")
    if any(type(v) is not int for v in values):
        raise TypeError("bar_chart takes integers (kuruş, counts)")
    ident = re.sub(r"[^A-Za-z0-9_-]", "-", chart_id) or "chart"
    grid = _Grid.for_values(values, width, bar_height, gap, label_width, value_width)
    # Markup(...).format() escapes every argument: labels and values cannot inject markup.
    parts = [
        Markup(
            '<svg xmlns="http://www.w3.org/2000/svg" class="bar-chart" id="{id}" '
            'viewBox="0 0 {w} {h}" width="100%" preserveAspectRatio="xMinYMin meet" '
            'role="img" aria-labelledby="{id}-title {id}-desc" font-family="{font}" '
            'font-size="13"><title id="{id}-title">{title}</title>'
            '<desc id="{id}-desc">{desc}</desc>'
        ).format(
            id=ident, w=width, h=grid.height, font=FONT, title=title, desc=description or title
        )
    ]
    parts.extend(
        grid.bar(i, value, str(label), format_value(value))
        for i, (value, label) in enumerate(zip(values, labels, strict=True))
    )
    parts.append(
        Markup(
            '<line x1="{x}" y1="0" x2="{x}" y2="{h}" stroke="{ink}" stroke-width="1"/></svg>'
        ).format(x=grid.zero_x, h=grid.height, ink=TEXT_FILL)
    )
    return Markup("").join(parts)


@dataclass(frozen=True)
class _Grid:
    """Where the bars go: whole pixels, by integer arithmetic."""

    width: int
    bar_height: int
    gap: int
    label_width: int
    plot_width: int
    span: int
    zero_x: int
    height: int

    @classmethod
    def for_values(cls, values, width, bar_height, gap, label_width, value_width) -> _Grid:
        low, high = min(0, *values), max(0, *values)
        span = (high - low) or 1
        plot_width = max(width - label_width - value_width, 10)
        return cls(
            width=width,
            bar_height=bar_height,
            gap=gap,
            label_width=label_width,
            plot_width=plot_width,
            span=span,
            zero_x=label_width + (-low) * plot_width // span,
            height=gap + (bar_height + gap) * len(values),
        )

    def bar(self, i: int, value: int, label: str, shown: str) -> Markup:
        """Row ``i``: its label, its bar from the zero line, its value as text."""
        y = self.gap + i * (self.bar_height + self.gap)
        length = abs(value) * self.plot_width // self.span
        return Markup(
            '<g><title>{name}: {shown}</title><text x="{label_x}" y="{text_y}" '
            'text-anchor="end" fill="{ink}">{short}</text>'
            '<rect class="bar" x="{x}" y="{y}" width="{length}" height="{bar_height}" '
            'fill="{fill}"/><text x="{value_x}" y="{text_y}" text-anchor="end" '
            'fill="{ink}">{shown}</text></g>'
        ).format(
            name=label,
            shown=shown,
            short=_shorten(label, max(self.label_width // 8, 4)),
            label_x=self.label_width - 8,
            value_x=self.width - 4,
            text_y=y + self.bar_height * 3 // 4,
            x=self.zero_x - length if value < 0 else self.zero_x,
            y=y,
            length=max(length, 1) if value else 0,
            bar_height=self.bar_height,
            fill=NEGATIVE_FILL if value < 0 else POSITIVE_FILL,
            ink=TEXT_FILL,
        )
