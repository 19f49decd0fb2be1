"""The sales reports' rollups (models.rollups): sales and refunds per Istanbul day, channel and
producer, refreshed by ledger.post for every sale and refund in the posting's own transaction,
rebuilt from the entries by `flask ledger rebuild-rollups`, compared with a recompute by
`flask ledger check` (ledger_check_rollups).

One definition serves all three: ``_whole_rows`` and ``_maker_rows`` group the entries that
``where`` selects; adding a transaction upserts its groups, rebuilding inserts every group, the
check compares every group with the table. The measures are the reports' (reports.summary):
per line the sale credits VAT, the cooperative's commission and each maker's part, shipping and
its VAT belong to no line. A maker's row holds her entries and her part of each VAT and commission
entry of her lines, split by cumulative share in producer order (the parts of an entry add up to
it exactly), so any range of days sums to the report by member.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    and_,
    case,
    cast,
    delete,
    func,
    literal_column,
    or_,
    select,
    union_all,
)
from sqlalchemy import true as sql_true
from sqlalchemy.dialects import postgresql, sqlite

from coopshop.db import db
from coopshop.models import (
    Account,
    LedgerEntry,
    LedgerTransaction,
    Order,
    OrderLineMaker,
    ReportRollup,
)
from coopshop.models.rollups import MEASURES, WHOLE
from coopshop.services.books.ledger import COMMISSION, SHIPPING, VAT

PARTS = ("vat", "commission", "makers", "shipping")
KINDS = ("sale", "refund")  # the transactions the reports read
KEY = ("day", "channel", "producer_id")
_BP = literal_column("10000", BigInteger)  # typed, so that // is integer division


def _sql(text: str):
    return literal_column("'" + text + "'")


def istanbul_day(column):
    """The Istanbul day "YYYY-MM-DD" of a UTC timestamp, in SQL (report_periods' rule)."""
    if db.engine.dialect.name == "postgresql":
        return func.to_char(func.timezone(_sql("Europe/Istanbul"), column), _sql("YYYY-MM-DD"))
    return func.strftime(_sql("%Y-%m-%d"), column, _sql("+3 hours"))


def measure_columns(amount, kind, code, producer_id, line_id) -> list:
    """sale_<part> and refund_<part> sums: sales are credits (negated), refunds debits."""
    is_part = {
        "vat": and_(code == VAT, line_id.is_not(None)),
        "commission": code == COMMISSION,
        "makers": producer_id.is_not(None),
        # shipping as the buyer paid it: coop:shipping and the shipping's VAT, the one VAT
        # entry of a sale or refund that belongs to no line (books.vat_extras)
        "shipping": or_(code == SHIPPING, and_(code == VAT, line_id.is_(None))),
    }
    columns = []
    for part in PARTS:
        for txn_kind, sign in (("sale", -1), ("refund", 1)):
            total = func.sum(case((and_(kind == txn_kind, is_part[part]), amount), else_=0))
            columns.append(
                cast(sign * func.coalesce(total, 0), BigInteger).label(f"{txn_kind}_{part}")
            )
    return columns


def _entries(columns: list, where):
    entry, txn = LedgerEntry, LedgerTransaction
    return (
        select(*columns)
        .select_from(entry)
        .join(txn, txn.id == entry.transaction_id)
        .join(Account, Account.id == entry.account_id)
        .join(Order, Order.id == txn.order_id)
        .where(txn.kind.in_(KINDS), where)
    )


def _measures() -> list:
    e = LedgerEntry
    return measure_columns(
        e.amount_kurus, LedgerTransaction.kind, Account.code, e.producer_id, e.order_line_id
    )


def _whole_rows(where):
    """(day, channel, WHOLE, measures…): every line entry and the shipping."""
    day = istanbul_day(LedgerTransaction.created_at).label("day")
    wanted = or_(LedgerEntry.order_line_id.is_not(None), Account.code.in_((SHIPPING, VAT)))
    keys = [day, Order.channel]
    return _entries(
        [*keys, literal_column(str(WHOLE)).label("producer_id"), *_measures()],
        and_(where, wanted),
    ).group_by(*keys)


def _maker_rows(where, lines=None):
    """(day, channel, producer, measures…): her entries, and her part of each VAT and
    commission entry of her lines: X*C//10000 - X*(C-s)//10000 with C the cumulative share up
    to hers in producer order, s hers (the parts of an entry add up to it exactly). One pass
    over the entries, each matched to the line's makers. ``lines`` (a subquery of line ids)
    bounds the makers read."""
    maker = OrderLineMaker
    cumulative = func.sum(maker.share_bp).over(
        partition_by=maker.line_id, order_by=maker.producer_id
    )
    makers = select(maker.line_id, maker.producer_id, maker.share_bp, cumulative.label("cum"))
    if lines is not None:
        makers = makers.where(maker.line_id.in_(lines))
    m = makers.subquery("makers").c
    e = LedgerEntry
    amount = e.amount_kurus
    value = case(
        (e.producer_id.is_not(None), amount),
        else_=amount * m.cum // _BP - amount * (m.cum - m.share_bp) // _BP,
    )
    day = istanbul_day(LedgerTransaction.created_at).label("day")
    measures = measure_columns(
        value, LedgerTransaction.kind, Account.code, e.producer_id, e.order_line_id
    )
    return (
        _entries([day, Order.channel, m.producer_id, *measures], e.order_line_id.is_not(None))
        .join(
            m.line_id.table,
            and_(
                m.line_id == e.order_line_id,
                or_(e.producer_id.is_(None), e.producer_id == m.producer_id),
            ),
        )
        .where(where)
        .group_by(day, Order.channel, m.producer_id)
    )


def _insert():
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    return dialect.insert(ReportRollup)


def add_transaction(transaction_id: int) -> None:
    """Add a sale's or refund's entries to the rollups (ledger.post, in its transaction). Two
    upserts whatever the size of the order; a row is locked until the posting commits, and
    rows are written in key order (the whole row, then the makers' by id), so two postings
    never wait for each other in a circle."""
    where = LedgerEntry.transaction_id == transaction_id
    lines = select(LedgerEntry.order_line_id).where(where).scalar_subquery()
    table = ReportRollup.__table__
    for grouped in (_whole_rows(where), _maker_rows(where, lines)):
        found = grouped.subquery("found")
        rows = select(found).where(sql_true()).order_by(*(found.c[k] for k in KEY))
        statement = _insert().from_select([*KEY, *MEASURES], rows)
        statement = statement.on_conflict_do_update(
            index_elements=[table.c[k] for k in KEY],
            set_={m: table.c[m] + statement.excluded[m] for m in MEASURES},
        )
        db.session.execute(statement)


def rebuild() -> int:
    """Replace the rollups by a recompute from every entry; the number of rows written."""
    db.session.execute(delete(ReportRollup))
    for rows in (_whole_rows(sql_true()), _maker_rows(sql_true())):
        db.session.execute(_insert().from_select([*KEY, *MEASURES], rows))
    return db.session.scalar(select(func.count()).select_from(ReportRollup)) or 0


def _key_values(rows) -> dict[tuple, tuple[int, ...]]:
    found = {}
    for row in rows:
        values = tuple(int(getattr(row, m) or 0) for m in MEASURES)
        if any(values):
            found[(row.day, row.channel, int(row.producer_id))] = values
    return found


def recomputed() -> dict[tuple, tuple[int, ...]]:
    """(day, channel, producer) -> the measures, from the entries (rows of zeros left out)."""
    found = _key_values(db.session.execute(_whole_rows(sql_true())))
    found.update(_key_values(db.session.execute(_maker_rows(sql_true()))))
    return found


def stored() -> dict[tuple, tuple[int, ...]]:
    """The rollups as the table holds them (rows of zeros left out)."""
    table = ReportRollup.__table__
    return _key_values(db.session.execute(select(*(table.c[c] for c in (*KEY, *MEASURES)))))


def differences() -> list[tuple[tuple, tuple[int, ...], tuple[int, ...]]]:
    """The rows where the table and a recompute from the entries differ, found in the database
    (a million rows stay there): [((day, channel, producer), stored, recomputed)], by key.

    One pass over the line entries: the makers' rows are recomputed, and the whole orders'
    rows expected as the sum of the makers' (each entry's parts add up to it exactly) plus the
    shipping, read from the entries with no line. A line whose makers' shares do not make
    10,000 would show here as a difference in its whole row."""
    table = ReportRollup.__table__
    makers = _maker_rows(sql_true()).cte("makers")
    as_whole = select(
        makers.c.day,
        makers.c.channel,
        literal_column(str(WHOLE)).label("producer_id"),
        *(func.sum(makers.c[m]).label(m) for m in MEASURES),
    ).group_by(makers.c.day, makers.c.channel)
    rows = union_all(
        select(makers),
        as_whole,
        _whole_rows(LedgerEntry.order_line_id.is_(None)),
        select(*(table.c[k] for k in KEY), *(-table.c[m] for m in MEASURES)),
    ).subquery("both")
    keys = [rows.c[k] for k in KEY]
    diff = [func.sum(rows.c[m]) for m in MEASURES]
    differing = (
        select(*keys).group_by(*keys).having(or_(*(d != 0 for d in diff))).subquery("differing")
    )
    wrong = [tuple(row) for row in db.session.execute(select(differing).order_by(*differing.c))]
    if not wrong:
        return []
    have = stored()
    want = recomputed()
    zeros = (0,) * len(MEASURES)
    return [(k, have.get(k, zeros), want.get(k, zeros)) for k in wrong]
