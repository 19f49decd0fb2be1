"""What each report shows: its columns, the one its chart draws, and its CSV.

Three reports read the same figures (services.reports): sales, the cooperative's income
(commission and shipping) and the VAT collected. The page, its chart and its CSV all take their
columns from here, so they always show the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from coopshop.services.reports.summary import Figures, Report
from coopshop.spreadsheet import excel_csv, lira, text_cell

DIMENSION_LABELS = {
    "period": _l("Dönem"),
    "channel": _l("Kanal"),
    "collection": _l("Koleksiyon"),
    "category": _l("Kategori"),
    "centre": _l("Merkez"),
    "producer": _l("Üretici"),
    "vat_rate": _l("KDV oranı"),
}
GRAIN_LABELS = {"month": _l("Aylık"), "week": _l("Haftalık"), "day": _l("Günlük")}


@dataclass(frozen=True)
class Column:
    key: str
    label: object  # a lazy string
    value: Callable[[Figures], int]
    order_level_only: bool = False  # shipping: only where rows are whole orders


@dataclass(frozen=True)
class ReportKind:
    key: str
    title: object
    description: object
    chart: str  # the key of the column the chart draws
    columns: tuple[Column, ...]

    def columns_for(self, report: Report) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if report.includes_shipping or not c.order_level_only)

    def chart_column(self) -> Column:
        return next(c for c in self.columns if c.key == self.chart)


KINDS = {
    "sales": ReportKind(
        key="sales",
        title=_l("Satışlar"),
        description=_l(
            "Ürün satışları (KDV dahil, kargo hariç), iadeler ve iadeler düşüldükten sonra "
            "KDV, komisyon ve üretici payına dağılımı."
        ),
        chart="net_gross",
        columns=(
            Column("gross_sales", _l("Brüt satış"), lambda f: f.sales.gross),
            Column("refunds", _l("İadeler"), lambda f: f.refunds.gross),
            Column("net_gross", _l("İadeler düşülmüş satış"), lambda f: f.net.gross),
            Column("vat", _l("KDV"), lambda f: f.net.vat),
            Column("net", _l("KDV hariç"), lambda f: f.net.net),
            Column("commission", _l("Komisyon"), lambda f: f.net.commission),
            Column("makers", _l("Üretici payı"), lambda f: f.net.makers),
        ),
    ),
    "income": ReportKind(
        key="income",
        title=_l("Komisyon ve kargo geliri"),
        description=_l(
            "Kooperatifin geliri: iadelerde geri verilen düşülmüş komisyon ve kargo. Kargo "
            "siparişe aittir; yalnız dönem ve kanal kırılımlarında gösterilir."
        ),
        chart="income",
        columns=(
            Column("commission_sales", _l("Satışlardan komisyon"), lambda f: f.sales.commission),
            Column("commission_refunds", _l("İadelerde komisyon"), lambda f: f.refunds.commission),
            Column("commission", _l("Net komisyon"), lambda f: f.net.commission),
            Column("shipping", _l("Net kargo"), lambda f: f.net.shipping, order_level_only=True),
            Column("income", _l("Toplam gelir"), lambda f: f.net.commission + f.net.shipping),
        ),
    ),
    "vat": ReportKind(
        key="vat",
        title=_l("Tahsil edilen KDV"),
        description=_l(
            "Satışlarda tahsil edilen ve iadelerde geri verilen KDV; matrah iadeler "
            "düşüldükten sonraki KDV hariç tutardır."
        ),
        chart="vat",
        columns=(
            Column("net_gross", _l("İadeler düşülmüş satış"), lambda f: f.net.gross),
            Column("net", _l("Matrah"), lambda f: f.net.net),
            Column("vat_sales", _l("Satışlardaki KDV"), lambda f: f.sales.vat),
            Column("vat_refunds", _l("İadelerdeki KDV"), lambda f: f.refunds.vat),
            Column("vat", _l("Net KDV"), lambda f: f.net.vat),
        ),
    ),
}


def csv_for(report: Report, kind: ReportKind) -> str:
    """The report as an Excel-friendly CSV (coopshop.spreadsheet): one line per row, then the
    totals line. A period is written as its ISO text (2026-04, 2026-03-30), which sorts."""
    columns = kind.columns_for(report)
    header = [str(DIMENSION_LABELS[report.dimension])]
    header += [f"{c.label} (TL)" for c in columns]
    lines = [
        [text_cell(row.key if report.dimension == "period" else row.label)]
        + [lira(c.value(row.figures)) for c in columns]
        for row in report.rows
    ]
    lines.append([str(_l("Toplam"))] + [lira(c.value(report.total)) for c in columns])
    return excel_csv(header, lines)


def csv_filename(report: Report, kind: ReportKind) -> str:
    f = report.filter
    grain = f"-{report.grain}" if report.dimension == "period" else ""
    channel = f"-{f.channel}" if f.channel else ""
    return (
        f"coopshop-{kind.key}-{report.dimension}{grain}{channel}-"
        f"{f.start.isoformat()}_{f.end.isoformat()}.csv"
    )
