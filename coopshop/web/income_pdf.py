"""The yearly income summary (services.reports.income_summary) as a PDF, the same figures as
its page and CSV; the member's and the admin's routes answer it through web.pdf."""

from __future__ import annotations

from flask_babel import format_date
from flask_babel import gettext as _

from coopshop.money import kurus_text
from coopshop.web.pdf_text import Table, document


def income_pdf(s, labels: dict[str, str], columns: tuple[str, ...], name: str) -> bytes:
    money = kurus_text
    rows = [
        [format_date(m.month, "LLLL")] + [money(getattr(m, c)) for c in columns] for m in s.months
    ]
    rows.append([_("Toplam")] + [money(s.total(c)) for c in columns])
    table = Table(
        header=[_("Ay")] + [labels[c] for c in columns],
        rows=rows,
        widths=[82] + [96] * len(columns),
        numeric=frozenset(range(1, len(columns) + 1)),
        bold_last=True,
    )
    lines = [
        name,
        f"{_('Açılış bakiyesi')}: {money(s.opening)} · {_('Kapanış bakiyesi')}: {money(s.closing)}",
        _("Toplam ödeme, bankaya ödenen ile stopajın toplamıdır."),
    ]
    return document(_("Yıllık gelir özeti %(year)d", year=s.year), lines, table)
