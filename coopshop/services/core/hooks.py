"""Hooks: how a lower wing tells a higher one that something happened, without importing it.

``sales`` marks orders paid and books refunds; ``invoicing`` sits above it and must answer both
in the same transaction (write the invoice row, queue its issuing after commit). The higher wing
subscribes once at app start (``subscribe("order.paid", fn)``); the lower one calls
``emit("order.paid", order)`` where the thing happens. A subscriber runs inside the caller's
transaction, so its rows commit or roll back with the sale.
"""

from __future__ import annotations

from collections.abc import Callable

# "user.erased": a person's data was anonymised (services.members.erasure); a wing holding
# personal data of its own (a contract's acceptance IP, ...) anonymises it in the same transaction.
# "withdrawal.requested": a buyer asked to withdraw (services.sales.withdrawals); shipping may make
# her return label at once.
# "refund.failed": a card provider refused a RefundRequest (services.sales.refund_flow, in the
# refund job); a withdrawal waiting for that refund goes back to where it was.
EVENTS = ("order.paid", "refund.created", "refund.failed", "user.erased", "withdrawal.requested")
_subscribers: dict[str, list[Callable[[object], None]]] = {name: [] for name in EVENTS}


def subscribe(name: str, fn: Callable[[object], None]) -> None:
    """Call ``fn(obj)`` on every ``emit(name, obj)``; subscribing the same function twice (a
    second app in the same process) keeps one."""
    if fn not in _subscribers[name]:
        _subscribers[name].append(fn)


def emit(name: str, obj: object) -> None:
    for fn in _subscribers[name]:
        fn(obj)
