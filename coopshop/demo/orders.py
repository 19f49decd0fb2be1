"""A few months of demo sales, replayed through services.orders like real ones.

Online (Stripe or the demo path), bank transfer (some still awaited, a few cancelled) and bazaar
days with closed cash sessions. Every order is created with create_order and paid with
mark_paid, so stock holds, line snapshots and the ledger are the real thing.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from coopshop.db import db
from coopshop.demo.data import CUSTOMER_FIRST_NAMES, FIRST_NAMES, SURNAMES
from coopshop.models import CashSession, Order, Product, User
from coopshop.money import round_half_up
from coopshop.services.books import postings
from coopshop.services.core.settings import CoopSettings
from coopshop.services.legal import seller as seller_service
from coopshop.services.sales import agreements, order_states
from coopshop.services.sales import orders as order_service
from coopshop.services.sales.checkout import transfer_deadline
from coopshop.services.sales.order_states import PaymentInfo
from coopshop.services.sales.orders import Buyer, LineRequest, NewOrder
from coopshop.turkish import search_fold

ISTANBUL = timezone(timedelta(hours=3), "TRT")  # Turkey keeps UTC+3 all year
HISTORY_DAYS = 420  # fourteen months: the impact page shows a year and its trend
OPENING_FLOAT_KURUS = 50_000  # ₺500 of change in the cash box
_HEX = "0123456789abcdef"
_DIGITS = "0123456789"


@dataclass
class _Plan:
    at: datetime
    channel: str
    outcome: str = "paid"  # paid | pending | cancelled | expired
    session: CashSession | None = None
    demo_customer: bool = False


class OrderSimulator:
    def __init__(
        self,
        *,
        rng: random.Random,
        now: datetime,
        settings: CoopSettings,
        products: Sequence[Product],
        demo_producer_id: int,
        customers: Sequence[tuple[User, tuple[str, str, str, str]]],
        staff_id: int,
        make_buyer: Callable[[], tuple[str, str, str, str]],
        bazaars: Sequence[str],
    ):
        self.rng = rng
        self.now = now
        self.settings = settings
        self.customers = customers
        self.staff_id = staff_id
        self.make_buyer = make_buyer
        self.bazaars = bazaars
        self.sellable = [
            p
            for p in products
            if p.status == "active" and all(m.producer.is_member for m in p.makers)
        ]
        # The demo producer's pieces sell a little more, so her login has plenty to show.
        self.weights = [
            3 if any(m.producer_id == demo_producer_id for m in p.makers) else 1
            for p in self.sellable
        ]
        # What is left on the shelf, tracked here so no order asks for more than there is.
        self.stock = {p.id: p.stock for p in self.sellable}
        self.cash_taken: dict[int, int] = {}
        self.opened: list[CashSession] = []

    # -- planning -------------------------------------------------------------------------

    def local(self, days_ago: int, hour_from: int, hour_to: int) -> datetime:
        day = (self.now.astimezone(ISTANBUL) - timedelta(days=days_ago)).date()
        rng = self.rng
        at = datetime(
            day.year,
            day.month,
            day.day,
            rng.randint(hour_from, hour_to),
            rng.randint(0, 59),
            rng.randint(0, 59),
            tzinfo=ISTANBUL,
        )
        return at.astimezone(UTC)

    def sessions(self, bazaar_orders: int) -> list[tuple[CashSession, int]]:
        """Bazaar days on Saturdays, the latest first; the biggest has two desks."""
        events = min(len(self.bazaars), max(1, round(bazaar_orders / 18)))
        step = (HISTORY_DAYS - 10) // max(1, events)
        result = []
        for i in range(events):
            days_ago = 8 + i * step
            day = (self.now.astimezone(ISTANBUL) - timedelta(days=days_ago)).date()
            days_ago += (day.weekday() - 5) % 7  # back to the Saturday before
            day = (self.now.astimezone(ISTANBUL) - timedelta(days=days_ago)).date()
            for desk in range(2 if i == 0 and bazaar_orders >= 20 else 1):
                opened = datetime(day.year, day.month, day.day, 9, 30, tzinfo=ISTANBUL)
                session = CashSession(
                    event_name=self.bazaars[i],
                    desk=f"Masa {desk + 1}",
                    status="open",
                    opening_float_kurus=OPENING_FLOAT_KURUS,
                    opened_by_id=self.staff_id,
                    opened_at=opened.astimezone(UTC),
                )
                db.session.add(session)
                self.opened.append(session)
                result.append((session, days_ago))
        db.session.flush()
        return result

    def plan(self, count: int) -> list[_Plan]:
        rng = self.rng
        n_bazaar = round(count * 0.35)
        n_bank = round(count * 0.2)
        n_online = count - n_bazaar - n_bank
        plans: list[_Plan] = []
        if n_bazaar:
            sessions = self.sessions(n_bazaar)
            for _ in range(n_bazaar):
                session, days_ago = rng.choice(sessions)
                plans.append(_Plan(self.local(days_ago, 10, 17), "bazaar", session=session))
        for _ in range(n_online):
            outcome = "expired" if rng.random() < 0.04 else "paid"
            plans.append(_Plan(self.local(rng.randint(1, HISTORY_DAYS), 8, 22), "online", outcome))
        pending = max(1, n_bank // 12) if n_bank else 0
        cancelled = max(2, n_bank // 20) if n_bank >= 6 else 0
        for i in range(n_bank):
            if i < pending:  # transfers still awaited: the last two days
                plan = _Plan(self.local(rng.randint(1, 2), 9, 20), "bank_transfer", "pending")
                plan.demo_customer = i == 0
            elif i < pending + cancelled:  # never paid
                plan = _Plan(self.local(rng.randint(10, HISTORY_DAYS), 9, 20), "bank_transfer")
                plan.outcome = "cancelled"
            else:
                plan = _Plan(self.local(rng.randint(4, HISTORY_DAYS), 9, 20), "bank_transfer")
            plans.append(plan)
        plans.sort(key=lambda p: p.at)
        return plans

    # -- replaying ------------------------------------------------------------------------

    def pick_lines(self, channel: str) -> list[tuple[Product, int]]:
        rng = self.rng
        wanted = {
            "bazaar": ((1, 2, 3), (60, 30, 10)),
            "online": ((1, 2, 3), (65, 25, 10)),
            "bank_transfer": ((1, 2, 3, 4), (40, 30, 20, 10)),
        }[channel]
        lines: list[tuple[Product, int]] = []
        for _ in range(rng.choices(*wanted)[0]):
            for _attempt in range(30):
                product = rng.choices(self.sellable, weights=self.weights)[0]
                if any(product is p for p, _ in lines):
                    continue
                if product.made_to_order and channel == "bazaar":
                    continue  # the bazaar table has what is already made
                quantity = rng.choices((1, 2, 3), (80, 15, 5))[0]
                if not product.made_to_order:
                    quantity = min(quantity, self.stock[product.id])
                    if quantity == 0:
                        continue
                    self.stock[product.id] -= quantity
                lines.append((product, quantity))
                break
        return lines

    def buyer(self, plan: _Plan) -> tuple[int | None, Buyer]:
        rng = self.rng
        if plan.demo_customer or rng.random() < 0.65:
            user, address = self.customers[0] if plan.demo_customer else rng.choice(self.customers)
            name, email, customer_id = user.name, user.email, user.id
        else:
            first = rng.choice(CUSTOMER_FIRST_NAMES + FIRST_NAMES)
            name = f"{first} {rng.choice(SURNAMES)}"
            email = ".".join(search_fold(name).split()) + f"{rng.randint(1, 99)}@example.net"
            address, customer_id = self.make_buyer(), None
        line, il, ilce, postal = address
        return customer_id, Buyer(
            name=name, email=email, address_line=line, il=il, ilce=ilce, postal_code=postal
        )

    def ref(self, prefix: str, length: int, alphabet: str = _HEX) -> str:
        return prefix + "".join(self.rng.choice(alphabet) for _ in range(length))

    def payment(self, order: Order) -> PaymentInfo:
        total, method = order.total_kurus, order.payment_method
        if method == "stripe":
            return PaymentInfo(
                provider="stripe",
                amount_kurus=total,
                provider_ref=self.ref("pi_demo", 17),
                charge_ref=self.ref("ch_demo", 17),
                fee_kurus=round_half_up(total * 290, 10_000) + 250,  # 2.9% + ₺2,50
            )
        if method == "bank_transfer":
            return PaymentInfo("bank_transfer", total, provider_ref=self.ref("EFT", 12, _DIGITS))
        if method == "card_terminal":
            return PaymentInfo("card_terminal", total, provider_ref=self.ref("POS", 10, _DIGITS))
        if method == "demo":
            return PaymentInfo("demo", total, provider_ref=f"demo_{order.number}")
        return PaymentInfo("cash", total)

    def execute(self, plan: _Plan) -> Order | None:
        rng = self.rng
        lines = self.pick_lines(plan.channel)
        if not lines:
            return None  # everything sold out: a quiet day
        if plan.channel == "bazaar":
            method = rng.choices(("cash", "card_terminal"), (55, 45))[0]
            new = NewOrder(
                channel="bazaar",
                payment_method=method,
                lines=[LineRequest(code=p.code, quantity=q) for p, q in lines],
                created_by_id=self.staff_id,
                cash_session_id=plan.session.id,
            )
        else:
            customer_id, buyer = self.buyer(plan)
            if plan.channel == "online":
                method = "stripe" if rng.random() < 0.6 else "demo"
            else:
                method = "bank_transfer"
            new = NewOrder(
                channel=plan.channel,
                payment_method=method,
                lines=[LineRequest(product_id=p.id, quantity=q) for p, q in lines],
                buyer=buyer,
                customer_id=customer_id,
                # Staff type in phone and WhatsApp orders paid by transfer.
                created_by_id=self.staff_id
                if plan.channel == "bank_transfer" and rng.random() < 0.5
                else None,
                charge_shipping=True,
            )
        order = order_service.create_order(new, settings=self.settings, now=plan.at)
        if plan.channel == "bank_transfer":  # as the shop's checkout gives it
            order.expires_at = transfer_deadline(order.created_at, self.settings)
        if plan.channel in ("online", "bank_transfer") and new.created_by_id is None:
            # Placed at the web checkout: she approved the two texts then (from 127.0.0.1).
            agreements.record(
                order,
                agreements.Acceptance(pre_information=True, contract=True, ip="127.0.0.1"),
                seller_service.current(),
                self.settings,
                now=plan.at,
            )
        if plan.outcome in ("cancelled", "expired"):
            later = timedelta(days=3) if plan.outcome == "cancelled" else timedelta(minutes=30)
            order_states.cancel(order, plan.outcome, now=plan.at + later)
            for product, quantity in lines:
                if not product.made_to_order:
                    self.stock[product.id] += quantity
        elif plan.outcome == "paid":
            self.pay(order, plan)
        return order

    def pay(self, order: Order, plan: _Plan) -> None:
        rng = self.rng
        if plan.channel == "bank_transfer":
            delay = timedelta(hours=rng.randint(2, 60))
        else:
            delay = timedelta(minutes=rng.randint(1, 8))
        paid_at = min(plan.at + delay, self.now - timedelta(hours=1))
        order_states.mark_paid(order, self.payment(order), settings=self.settings, now=paid_at)
        if plan.channel == "bazaar":
            order.fulfilment_status = "collected"
            if order.payment_method == "cash":
                taken = self.cash_taken.get(plan.session.id, 0)
                self.cash_taken[plan.session.id] = taken + order.total_kurus
            return
        age = self.now - paid_at
        if age > timedelta(days=10):
            order.fulfilment_status = "delivered"
            # As services.sales.fulfilment.mark_delivered records it: the makers' shares of an
            # online sale become payable RETURN_WINDOW_DAYS after this.
            order.delivered_at = paid_at + timedelta(days=5)  # (no draw: the demo stays the same)
            db.session.flush()
            postings.post_delivery_availability(order, self.settings, now=order.delivered_at)
        elif age > timedelta(days=3):
            order.fulfilment_status = "shipped"
        if order.fulfilment_status in ("delivered", "shipped"):
            order.tracking_number = self.ref("", 12, _DIGITS)
            for line in order.lines:
                line.received_at = paid_at + timedelta(days=1)

    def close_sessions(self) -> None:
        """Close every desk with a count that matches: the demo has no over/short to book."""
        for session in self.opened:
            opened = session.opened_at
            session.status = "closed"
            session.counted_kurus = session.opening_float_kurus + self.cash_taken.get(session.id, 0)
            session.closed_by_id = self.staff_id
            session.closed_at = opened + timedelta(hours=9, minutes=15)

    def run(self, count: int, progress: Callable[[str], None] | None = None) -> None:
        plans = self.plan(count)
        step = max(1, len(plans) // 10)
        for done, plan in enumerate(plans, start=1):
            self.execute(plan)
            if progress and (done % step == 0 or done == len(plans)):
                progress(f"  {done}/{len(plans)} orders")
        self.close_sessions()
        db.session.flush()
