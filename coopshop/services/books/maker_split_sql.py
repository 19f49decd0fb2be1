"""The makers' split of a line in SQL, as money.allocate makes it: the line's net, its
commission (half-up), and the makers' part divided by largest remainder with equal remainders
in turn from the line's tie offset. One definition for ledger check's sale recompute
(ledger_check_sales) and the documents' earnings (producer_earnings); window functions only.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, case, cast, func, literal_column, select

from coopshop.models import OrderLine
from coopshop.models import OrderLineMaker as Maker
from coopshop.money import BP

_BP = literal_column(str(BP), BigInteger)  # typed, so that // is integer division on both DBs


def round_half_up(numerator, denominator):
    """money.round_half_up for non-negative integers, in SQL: (2n + d) // 2d."""
    return (2 * numerator + denominator) // (2 * denominator)


def line_net(line=OrderLine):
    return round_half_up(cast(line.gross_kurus, BigInteger) * _BP, _BP + line.vat_bp)


def tie_offset(line=OrderLine):
    """The line's tie offset as money.allocate takes it (models.OrderLine.tie_offset)."""
    return func.coalesce(line.tie_offset, line.id)


def maker_parts(lines):
    """(line_id, producer_id, part) of every maker of the ``lines`` (a subquery with line_id,
    net and commission_bp columns): money.allocate's maker split, window functions only."""
    makers_part = lines.c.net - round_half_up(lines.c.net * lines.c.commission_bp, _BP)
    floors = (
        select(
            Maker.line_id,
            Maker.producer_id,
            (makers_part * Maker.share_bp // _BP).label("floor"),
            (makers_part * Maker.share_bp % _BP).label("remainder"),
            makers_part.label("makers"),
            lines.c.tie_offset,
            (
                func.row_number().over(partition_by=Maker.line_id, order_by=Maker.producer_id) - 1
            ).label("position"),
            func.count().over(partition_by=Maker.line_id).label("n"),
        )
        .join(lines, lines.c.line_id == Maker.line_id)
        .subquery("floors")
    )
    f = floors.c
    # money.split_largest_remainder: equal remainders in turn from position tie_offset mod n
    turn_order = (f.position - f.tie_offset % f.n + f.n) % f.n
    ranked = select(
        f.line_id,
        f.producer_id,
        f.floor,
        (f.makers - func.sum(f.floor).over(partition_by=f.line_id)).label("left_over"),
        func.row_number()
        .over(partition_by=f.line_id, order_by=(f.remainder.desc(), turn_order))
        .label("turn"),
    ).subquery("ranked")
    r = ranked.c
    return select(
        r.line_id,
        r.producer_id,
        (r.floor + case((r.turn <= r.left_over, 1), else_=0)).label("part"),
    ).subquery("parts")
