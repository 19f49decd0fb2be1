"""A member's yearly income summary, month by month (Istanbul months): what she earned, what
refunds took back, deductions and payment fees, and what was paid out — split into what the
bank sent her and the withholding (stopaj) kept for the tax office. For her own records and
social-security questions.

Each month is the difference of her balances (services.balances) at its two ends, exactly as
her statement's, so the months add up to the year and the year to the ledger: opening + earned
- refunded - deductions - fees - paid out = closing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from coopshop.models import utcnow
from coopshop.services.books import balances
from coopshop.services.core.errors import NotFound
from coopshop.services.reports.dashboard import LOCAL, month_start
from coopshop.services.reports.statements import withheld
from coopshop.spreadsheet import excel_csv, lira

_TICK = timedelta(microseconds=1)
COLUMNS = ("earned", "refunded", "deductions", "fees", "withheld", "paid_to_bank", "paid_out")


@dataclass(frozen=True)
class Month:
    month: date  # its first day
    earned: int = 0
    refunded: int = 0
    deductions: int = 0
    fees: int = 0
    paid_out: int = 0  # the payouts' whole amount: paid_to_bank + withheld
    withheld: int = 0

    @property
    def paid_to_bank(self) -> int:
        return self.paid_out - self.withheld


@dataclass(frozen=True)
class YearSummary:
    producer_id: int
    year: int
    opening: int
    closing: int
    months: list[Month] = field(default_factory=list)

    def total(self, column: str) -> int:
        return sum(getattr(m, column) for m in self.months)

    @property
    def totals(self) -> dict[str, int]:
        return {c: self.total(c) for c in COLUMNS}

    @property
    def other(self) -> int:
        """What the named kinds do not explain (zero unless a new kind of entry appears)."""
        t = self.totals
        return self.closing - (
            self.opening + t["earned"] - t["refunded"] - t["deductions"] - t["fees"] - t["paid_out"]
        )


def check_year(year: int, now: datetime | None = None) -> int:
    this_year = (now or utcnow()).astimezone(LOCAL).year
    if not 2000 <= year <= this_year:
        raise NotFound(_l("Bu yıl için özet yok."))
    return year


def summary(producer_id: int, year: int) -> YearSummary:
    edges = [month_start(year, m) for m in range(1, 13)] + [month_start(year + 1, 1)]
    at = [balances.balance(producer_id, as_of=edge - _TICK) for edge in edges]
    months = []
    for i in range(12):
        before, after = at[i], at[i + 1]
        months.append(
            Month(
                month=date(year, i + 1, 1),
                earned=after.earned - before.earned,
                refunded=after.refunded - before.refunded,
                deductions=after.deductions - before.deductions,
                fees=after.fees - before.fees,
                paid_out=after.paid_out - before.paid_out,
                withheld=withheld(producer_id, edges[i], edges[i + 1]),
            )
        )
    return YearSummary(producer_id, year, at[0].balance, at[12].balance, months)


def labels() -> dict[str, str]:
    return {
        "earned": _("Kazanç"),
        "refunded": _("İadeler"),
        "deductions": _("Kesinti ve düzeltmeler"),
        "fees": _("Ödeme işlem ücretleri"),
        "withheld": _("Stopaj"),
        "paid_to_bank": _("Bankaya ödenen"),
        "paid_out": _("Toplam ödeme"),
    }


def summary_csv(s: YearSummary) -> str:
    """Turkish-Excel CSV (coopshop.spreadsheet): a row per month, the year's total, then the
    opening and closing balances."""
    names = labels()
    rows = [[m.month.strftime("%m.%Y")] + [lira(getattr(m, c)) for c in COLUMNS] for m in s.months]
    rows.append([_("Toplam")] + [lira(s.total(c)) for c in COLUMNS])
    rows.append([])
    rows.append([_("Açılış bakiyesi"), lira(s.opening)])
    rows.append([_("Kapanış bakiyesi"), lira(s.closing)])
    return excel_csv([_("Ay")] + [names[c] for c in COLUMNS], rows)
