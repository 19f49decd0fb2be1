"""The monthly withholding (stopaj) report for the accountant: one row per gider pusulası (a
payout line to a member with an exemption certificate) whose payout was booked in the month,
and a negative row for one that came back in the month, so the report's withholding is the
month's movement of ``tax:withholding`` to the kuruş. Read from the ledger's payout postings."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select

from coopshop.db import db
from coopshop.models import Account, LedgerEntry, LedgerTransaction, PayoutLine, ProducerProfile
from coopshop.services.books import ledger
from coopshop.services.reports.dashboard import LOCAL, add_months, month_start
from coopshop.spreadsheet import excel_csv_rows, lira, text_cell


@dataclass(frozen=True)
class WithholdingRow:
    booked_at: datetime
    producer_id: int
    member: str
    tax_id: str
    certificate: str
    voucher_number: int  # the gider pusulası's number: its payout line's
    returned: bool  # the payout came back: the row takes it out again
    gross_kurus: int
    rate_bp: int
    withholding_kurus: int
    net_kurus: int


def rows(year: int, month: int) -> Iterator[WithholdingRow]:
    """The month's rows (Istanbul month), by date then member; streamed from the database."""
    start, end = month_start(year, month), month_start(*add_months(year, month, 1))
    query = (
        select(LedgerTransaction, PayoutLine, ProducerProfile)
        .join(PayoutLine, PayoutLine.id == LedgerTransaction.payout_line_id)
        .join(ProducerProfile, ProducerProfile.id == PayoutLine.producer_id)
        .where(
            LedgerTransaction.kind.in_(("payout", "payout_failed")),
            LedgerTransaction.created_at >= start,
            LedgerTransaction.created_at < end,
            PayoutLine.tax_status == "exempt",
        )
        .order_by(LedgerTransaction.created_at, LedgerTransaction.id)
        .execution_options(yield_per=500)
    )
    for txn, line, member in db.session.execute(query):
        sign = -1 if txn.kind == "payout_failed" else 1
        yield WithholdingRow(
            booked_at=txn.created_at,
            producer_id=member.id,
            member=line.account_name,
            tax_id=member.tax_id,
            certificate=member.exemption_number,
            voucher_number=line.id,
            returned=sign < 0,
            gross_kurus=sign * line.amount_kurus,
            rate_bp=line.withholding_bp,
            withholding_kurus=sign * line.withholding_kurus,
            net_kurus=sign * line.net_kurus,
        )


def ledger_movement(year: int, month: int) -> int:
    """What tax:withholding was credited in the month (what the rows must add up to)."""
    start, end = month_start(year, month), month_start(*add_months(year, month, 1))
    total = db.session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount_kurus), 0))
        .join(Account, Account.id == LedgerEntry.account_id)
        .where(
            Account.code == ledger.WITHHOLDING,
            LedgerEntry.created_at >= start,
            LedgerEntry.created_at < end,
        )
    )
    return -int(total)


def _rate(bp: int) -> str:
    return f"{bp // 100},{bp % 100:02d}"


def header() -> list[str]:
    return [
        _("Tarih"),
        _("Üye no"),
        _("Üye"),
        _("TCKN"),
        _("Muafiyet belgesi"),
        _("Gider pusulası no"),
        _("Brüt ödeme"),
        _("Stopaj oranı (%)"),
        _("Stopaj"),
        _("Net ödeme"),
        _("Açıklama"),
    ]


def csv_chunks(year: int, month: int) -> Iterator[str]:
    """The report as Turkish-Excel CSV (coopshop.spreadsheet), row by row, with a total row."""
    totals = [0, 0, 0]

    def body():
        for row in rows(year, month):
            totals[0] += row.gross_kurus
            totals[1] += row.withholding_kurus
            totals[2] += row.net_kurus
            yield [
                row.booked_at.astimezone(LOCAL).strftime("%d.%m.%Y"),
                str(row.producer_id),
                text_cell(row.member),
                text_cell(row.tax_id),
                text_cell(row.certificate),
                str(row.voucher_number),
                lira(row.gross_kurus),
                _rate(row.rate_bp),
                lira(row.withholding_kurus),
                lira(row.net_kurus),
                _("Ödeme geri döndü") if row.returned else "",
            ]
        yield []
        yield ["", "", _("Toplam"), "", "", "", lira(totals[0]), "", lira(totals[1]),
               lira(totals[2]), ""]  # fmt: skip

    yield from excel_csv_rows(header(), body())
