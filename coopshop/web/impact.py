"""The impact page's SVG charts, shared by the admin page and the public one."""

from __future__ import annotations

from flask_babel import gettext as _

from coopshop.money import kurus_text
from coopshop.web.charts import bar_chart

# Narrower than the reports' charts, so that on a 390 px phone the text stays readable.
_NARROW = {"width": 480, "label_width": 130, "value_width": 110}


def _band_label(low: int, high: int | None) -> str:
    if high is None:
        return _("%(low)s ve üzeri", low=kurus_text(low))
    if low == 0:
        return _("%(high)s altı", high=kurus_text(high))
    return _("%(low)s – %(high)s", low=kurus_text(low), high=kurus_text(high))


def impact_charts(months, bands, centres, crafts, *, prefix: str = "impact") -> dict:
    """Trend by month (women and earnings), the distribution of monthly earnings, and centres
    and crafts side by side. Rows whose value is hidden (None: fewer than 5 women) are left out."""
    shown = [m for m in months if m.women is not None]
    other = _("diğer")
    return {
        "women_by_month": bar_chart(
            [m.women for m in shown],
            [m.month for m in shown],
            title=_("Aylara göre kazanan kadın sayısı"),
            chart_id=f"{prefix}-women-months",
            **_NARROW,
        ),
        "earned_by_month": bar_chart(
            [m.earned for m in shown],
            [m.month for m in shown],
            title=_("Aylara göre kadınların kazancı"),
            format_value=kurus_text,
            chart_id=f"{prefix}-earned-months",
            **_NARROW,
        ),
        "bands": bar_chart(
            [n for _low, _high, n in bands if n is not None],
            [_band_label(low, high) for low, high, n in bands if n is not None],
            title=_("Aylık ortalama kazanca göre kadınlar"),
            chart_id=f"{prefix}-bands",
            **{**_NARROW, "label_width": 210},
        ),
        "centres": bar_chart(
            [g.women for g in centres],
            [g.name or other for g in centres],
            title=_("Merkezlere göre kazanan kadınlar"),
            chart_id=f"{prefix}-centres",
            **_NARROW,
        ),
        "crafts": bar_chart(
            [g.women for g in crafts],
            [g.name or other for g in crafts],
            title=_("Zanaatlara göre kazanan kadınlar"),
            chart_id=f"{prefix}-crafts",
            **_NARROW,
        ),
    }
