"""Three years of sales as the app books them: orders from every channel, their lines and
makers' snapshots, payments, fees, deliveries (availability moves), refunds.

Every ledger posting is computed with the app's own money functions (money.allocate for a sale,
money.refund_delta for a refund) and laid out leg by leg as services.books.postings' post_sale,
post_fee, move_availability and post_refund write them (ledger.post), so what the loader
COPYs is what the app would have written, to the kuruş. Events come out in time order, one
calendar month at a time, so the payout batches (closed by the app's own service between
months) see exactly the history before them."""

from __future__ import annotations

import heapq
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import accumulate

from coopshop.money import allocate, refund_delta, vat_split
from coopshop.services.core.settings import CoopSettings

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
# (channel, payment method, share of orders)
CHANNELS = [
    ("online", "stripe", 55),
    ("bank_transfer", "bank_transfer", 15),
    ("bazaar", "cash", 18),
    ("bazaar", "card_terminal", 12),
]
CLEARING = {
    "stripe": "clearing:stripe",
    "bank_transfer": "clearing:bank",
    "cash": "clearing:cash",
    "card_terminal": "clearing:card",
}
# The orders' shipping VAT as the loader writes them (orders.shipping_vat_bp's default).
SHIPPING_VAT_BP = 2000
ILLER = ["Ankara", "İstanbul", "İzmir", "Bursa", "Antalya", "Eskişehir", "Konya", "Kayseri"]


def order_number(order_id: int, at: datetime) -> str:
    digits, n = [], order_id
    for _ in range(6):
        n, r = divmod(n, 32)
        digits.append(ALPHABET[r])
    return f"{at:%y%m}-{''.join(reversed(digits))}"


@dataclass
class Order:
    id: int
    channel: str
    method: str
    paid_at: datetime
    customer_id: int | None
    lines: list[tuple[int, int, int]]  # (line id, product id, quantity)
    delivered_at: datetime | None = None
    shipping: int = 0


@dataclass
class Rows:
    """One month's rows, table -> list of tuples, ready for COPY."""

    tables: dict[str, list[tuple]] = field(default_factory=dict)

    def add(self, table: str, row: tuple) -> None:
        self.tables.setdefault(table, []).append(row)

    def count(self) -> int:
        return sum(len(rows) for rows in self.tables.values())


class Ids:
    """The next id of each table the history writes (kept in step with the sequences)."""

    def __init__(self) -> None:
        self.next: dict[str, int] = {}

    def take(self, table: str) -> int:
        value = self.next.get(table, 1)
        self.next[table] = value + 1
        return value


def plan_orders(catalog, scale: float, start: datetime, end: datetime, rng: random.Random):
    """The orders (time-ordered ids) with their lines: 300,000 orders, 1,000,000 lines at 1.0."""
    n_orders = max(50, round(300_000 * scale))
    n_lines = max(n_orders, round(1_000_000 * scale))
    counts = rng.choices((1, 2, 3, 4, 5, 6), (15, 20, 20, 20, 15, 10), k=n_orders)
    diff = n_lines - sum(counts)
    while diff:
        i = rng.randrange(n_orders)
        step = 1 if diff > 0 else -1
        if 1 <= counts[i] + step <= 8:
            counts[i] += step
            diff -= step
    span = (end - start).total_seconds()
    # More sales as the cooperative grows, a little more in December (gifts).
    times = sorted(start + timedelta(seconds=span * (rng.random() ** 0.8)) for _ in counts)
    cum = list(accumulate(catalog.weights))
    channel_weights = [w for *_, w in CHANNELS]
    orders, line_id = [], 0
    for order_id, (count, paid_at) in enumerate(zip(counts, times, strict=True), start=1):
        channel, method, _ = rng.choices(CHANNELS, channel_weights)[0]
        products = rng.choices(catalog.product_ids, cum_weights=cum, k=count)
        lines = []
        for product_id in products:
            line_id += 1
            lines.append((line_id, product_id, rng.choices((1, 2, 3), (85, 12, 3))[0]))
        customer = rng.choice(catalog.customer_ids) if channel == "online" else None
        order = Order(order_id, channel, method, paid_at, customer, lines)
        if channel != "bazaar":
            order.delivered_at = paid_at + timedelta(days=rng.uniform(2, 7))
            if order.delivered_at > end:
                order.delivered_at = None
        orders.append(order)
    return orders, line_id


def events(orders: list[Order], n_lines: int, end: datetime, rng: random.Random):
    """(time, seq, kind, order, line id) in time order: sales, deliveries, refunds of 2% of
    lines (online ones after delivery: a withdrawal or a complaint)."""
    refunded = set(rng.sample(range(1, n_lines + 1), k=max(1, n_lines // 50)))
    heap, seq = [], 0
    for order in orders:
        seq += 1
        heap.append((order.paid_at, seq, "sale", order, None))
        if order.channel == "online" and order.delivered_at is not None:
            seq += 1
            heap.append((order.delivered_at, seq, "delivery", order, None))
        for line_id, _, _ in order.lines:
            if line_id not in refunded:
                continue
            if order.channel == "online":
                if order.delivered_at is None:
                    continue
                at = order.delivered_at + timedelta(days=rng.uniform(0.5, 12))
            else:
                at = order.paid_at + timedelta(days=rng.uniform(0.5, 20))
            if at < end:
                seq += 1
                heap.append((at, seq, "refund", order, line_id))
    heapq.heapify(heap)
    while heap:
        yield heapq.heappop(heap)


class Booker:
    """Turns events into rows, with the app's money rules and posting layouts."""

    def __init__(self, catalog, accounts: dict[str, int], settings: CoopSettings, rng, ids):
        self.catalog = catalog
        self.accounts = accounts
        self.settings = settings
        self.rng = rng
        self.ids = ids
        self.admin_id = catalog.admin_ids[0]
        self.lines: dict[int, tuple] = {}  # line id -> (gross, vat, commission, shares)

    def _post(self, rows: Rows, kind, legs, at, memo, **refs) -> None:
        """ledger.post: zero legs left out, producer legs carry the producer's id."""
        legs = [leg for leg in legs if leg[1] != 0]
        assert sum(leg[1] for leg in legs) == 0, (kind, legs)  # noqa: S101 (bench self-check)
        txn = self.ids.take("ledger_transactions")
        rows.add("ledger_transactions", (
            txn, kind, memo, refs.get("order_id"), refs.get("refund_id"), refs.get("payment_id"),
            refs.get("payout_line_id"), None, None, refs.get("actor_id"), at,
        ))  # fmt: skip
        for code, amount, producer_id, line_id, available_at in legs:
            rows.add("ledger_entries", (
                self.ids.take("ledger_entries"), txn, self.accounts[code], amount, producer_id,
                line_id, available_at, at,
            ))  # fmt: skip

    def payouts(self, rows: Rows, batch, actor_id: int, at: datetime) -> None:
        """batches.approve's postings: one 'payout' per line, legs from the app's own
        postings._payout_legs (what postings.post_payout posts), memo as approve writes it."""
        from coopshop.services.books import postings
        from coopshop.services.payouts import batches, withholding

        label = batches.period_label(batch)
        for line in batch.lines:
            legs = [
                (
                    leg.account,
                    leg.amount_kurus,
                    leg.producer_id,
                    leg.order_line_id,
                    leg.available_at,
                )
                for leg in postings._payout_legs(line, batch.cutoff)
            ]
            memo = f"Ödeme {label} #{line.id}" + withholding.memo_suffix(line)
            self._post(rows, "payout", legs, at, memo, payout_line_id=line.id, actor_id=actor_id)

    def sale(self, rows: Rows, order: Order, end: datetime) -> None:
        number = order_number(order.id, order.paid_at)
        subtotal = 0
        legs = []
        offline = order.channel != "online"
        wait = (
            self.settings.offline_available_days if offline else self.settings.max_payable_wait_days
        )
        available_at = order.paid_at + timedelta(days=wait)
        commission_bp = self.settings.default_commission_bp
        for line_id, product_id, quantity in order.lines:
            code, title, price, vat_bp, _, shares = self.catalog.products[product_id]
            gross = price * quantity
            subtotal += gross
            received = order.paid_at + timedelta(days=1) if order.channel != "bazaar" else None
            rows.add("order_lines", (
                line_id, order.id, product_id, code, title, quantity, price, gross, vat_bp,
                commission_bp, received, 0, None, None,
            ))  # fmt: skip
            for producer_id, share in shares:
                rows.add("order_line_makers", (line_id, producer_id, share))
            self.lines[line_id] = (gross, vat_bp, commission_bp, shares)
            alloc = allocate(gross, vat_bp, commission_bp, [s for _, s in shares], line_id)
            legs.append(("vat:payable", -alloc.vat, None, line_id, None))
            legs.append(("coop:commission", -alloc.commission, None, line_id, None))
            for (producer_id, _), part in zip(shares, alloc.makers, strict=True):
                legs.append((f"producer:{producer_id}", -part, producer_id, line_id, available_at))
        if order.channel == "bazaar":
            shipping = 0
        elif subtotal >= self.settings.free_shipping_threshold_kurus:
            shipping = 0
        else:
            shipping = self.settings.shipping_flat_kurus
        order.shipping = shipping
        total = subtotal + shipping
        legs.insert(0, (CLEARING[order.method], total, None, None, None))
        shipping_net, shipping_vat = vat_split(shipping, SHIPPING_VAT_BP)  # books.vat_extras
        legs.append(("coop:shipping", -shipping_net, None, None, None))
        legs.append(("vat:payable", -shipping_vat, None, None, None))
        self._order_row(rows, order, number, subtotal, shipping, total, end)
        payment = self.ids.take("payments")
        online = order.method == "stripe"
        fee = (total * 249 + 5000) // 10000 + 25 if online else 0  # 2.49% + ₺0.25
        rows.add("payments", (
            payment, order.id, order.method, f"cs_bench_{order.id}" if online else None,
            f"ch_bench_{order.id}" if online else None, total, fee, "succeeded", order.paid_at,
            1 if online else None, 0, None,
        ))  # fmt: skip
        self._post(rows, "sale", legs, order.paid_at, f"Satış {number}", order_id=order.id)
        if fee:
            fee_legs = [("fees:payment", fee, None, None, None),
                        (CLEARING[order.method], -fee, None, None, None)]  # fmt: skip
            self._post(rows, "fee", fee_legs, order.paid_at, f"Ödeme ücreti {number}",
                       order_id=order.id, payment_id=payment)  # fmt: skip

    def _order_row(self, rows, order, number, subtotal, shipping, total, end) -> None:
        rng = self.rng
        bazaar = order.channel == "bazaar"
        if bazaar:
            status, name, email, address, il, ilce, postal = "collected", "", "", "", "", "", ""
        else:
            status = "delivered" if order.delivered_at is not None else "shipped"
            name = f"Alıcı {order.id}"
            email = f"alici{order.id}@example.org"
            address, il, ilce, postal = (
                "Atatürk Bulvarı No: 1",
                rng.choice(ILLER),
                "Merkez",
                "06100",
            )
        created = order.paid_at - timedelta(minutes=3)
        rows.add("orders", (
            order.id, number, order.channel, order.method, "paid", status, order.customer_id,
            None if order.channel == "online" else 3, None, name, email,
            "" if bazaar else "05551112233", address, il, ilce, postal, subtotal, shipping, total,
            f"cs_bench_{order.id}" if order.method == "stripe" else None,
            None if bazaar else f"TRK{order.id:09d}", created, None, order.paid_at, None, "", "",
            "", order.delivered_at,
        ))  # fmt: skip

    def delivery(self, rows: Rows, order: Order) -> None:
        """move_availability at delivery: each maker's pending share to the end of the
        withdrawal window (one 'availability' transaction, legs by producer then line)."""
        old = order.paid_at + timedelta(days=self.settings.max_payable_wait_days)
        to = order.delivered_at + timedelta(days=self.settings.return_window_days)
        positions = []
        for line_id, _, _ in order.lines:
            gross, vat_bp, commission_bp, shares = self.lines[line_id]
            alloc = allocate(gross, vat_bp, commission_bp, [s for _, s in shares], line_id)
            for (producer_id, _), part in zip(shares, alloc.makers, strict=True):
                if part:
                    positions.append((producer_id, line_id, -part))
        legs = []
        for producer_id, line_id, net in sorted(positions):
            code = f"producer:{producer_id}"
            legs.append((code, -net, producer_id, line_id, old))
            legs.append((code, net, producer_id, line_id, to))
        if legs:
            number = order_number(order.id, order.paid_at)
            self._post(rows, "availability", legs, order.delivered_at, f"Teslim edildi {number}",
                       order_id=order.id)  # fmt: skip

    def refund(self, rows: Rows, order: Order, line_id: int, at: datetime) -> None:
        """services.sales.refunds.refund of one line (whole, or part of it)."""
        gross, vat_bp, commission_bp, shares = self.lines[line_id]
        amount = (
            gross if self.rng.random() < 0.7 else max(1, gross * self.rng.randrange(1, 10) // 10)
        )
        refund_id = self.ids.take("refunds")
        online = order.method == "stripe"
        rows.add("refunds", (
            refund_id, order.id, amount, 0, "İade talebi", "original",
            f"re_bench_{refund_id}" if online else None, self.admin_id, at, "",
        ))  # fmt: skip
        rows.add("refund_lines", (self.ids.take("refund_lines"), refund_id, line_id, amount))
        delta = refund_delta(
            gross, 0, amount, vat_bp, commission_bp, [s for _, s in shares],
            makers_before=[0] * len(shares), tie_offset=line_id,
        )  # fmt: skip
        if order.channel == "online":
            credit_at = order.delivered_at + timedelta(days=self.settings.return_window_days)
        else:
            credit_at = order.paid_at + timedelta(days=self.settings.offline_available_days)
        effective = max(credit_at, at)
        legs = [
            (CLEARING[order.method], -amount, None, None, None),
            ("vat:payable", delta.vat, None, line_id, None),
            ("coop:commission", delta.commission, None, line_id, None),
        ]
        for (producer_id, _), part in zip(shares, delta.makers, strict=True):
            legs.append((f"producer:{producer_id}", part, producer_id, line_id, effective))
        number = order_number(order.id, order.paid_at)
        self._post(rows, "refund", legs, at, f"İade {number}: İade talebi", order_id=order.id,
                   refund_id=refund_id, actor_id=self.admin_id)  # fmt: skip


COLUMNS = {
    "orders": "id number channel payment_method status fulfilment_status customer_id "
    "created_by_id cash_session_id buyer_name buyer_email buyer_phone address_line il ilce "
    "postal_code subtotal_kurus shipping_kurus total_kurus payment_reference tracking_number "
    "created_at expires_at paid_at cancelled_at buyer_company buyer_tax_office buyer_tax_id "
    "delivered_at",
    "order_lines": "id order_id product_id product_code title quantity unit_price_kurus "
    "gross_kurus vat_bp commission_bp received_at stock_short list_price_kurus "
    "withdrawal_exclusion",
    "order_line_makers": "line_id producer_id share_bp",
    "payments": "id order_id provider provider_ref charge_ref amount_kurus fee_kurus status "
    "created_at installments surcharge_kurus item_refs",
    "refunds": "id order_id amount_kurus shipping_kurus reason method provider_ref "
    "created_by_id created_at note",
    "refund_lines": "id refund_id line_id amount_kurus",
    "ledger_transactions": "id kind memo order_id refund_id payment_id payout_line_id "
    "cash_session_id reverses_id created_by_id created_at",
    "ledger_entries": "id transaction_id account_id amount_kurus producer_id order_line_id "
    "available_at created_at",
}
# COPY order: parents first (foreign keys are checked row by row).
TABLE_ORDER = list(COLUMNS)
