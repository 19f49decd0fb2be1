"""A local stand-in for the Stripe API reads reconciliation makes (charges, balance transactions,
refunds, payouts: list with created[gte]/[lt] and starting_after paging, retrieve by id), holding
one month's objects as Stripe would report the loaded history: each online payment a succeeded
charge with its fee, each refund through Stripe, one payout carrying them all. Shapes follow
Stripe's API reference (list objects: object, data, has_more, url)."""

from __future__ import annotations

import json
import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


def month_objects(conn, start: datetime, end: datetime) -> dict[str, list[dict]]:
    """The month's Stripe objects built from the loaded payments and refunds (psycopg conn)."""
    charges, transactions, refunds = [], [], []
    for charge, intent, amount, fee, created in conn.execute(
        "SELECT charge_ref, provider_ref, amount_kurus, fee_kurus, created_at FROM payments "
        "WHERE provider = 'stripe' AND status = 'succeeded' AND created_at >= %s "
        "AND created_at < %s ORDER BY created_at",
        (start, end),
    ):
        ts = int(created.timestamp())
        charges.append({"id": charge, "object": "charge", "amount": amount, "currency": "try",
                        "status": "succeeded", "payment_intent": intent,
                        "balance_transaction": f"txn_{charge}", "created": ts})  # fmt: skip
        transactions.append({"id": f"txn_{charge}", "object": "balance_transaction",
                             "source": charge, "amount": amount, "fee": fee, "net": amount - fee,
                             "currency": "try", "type": "charge", "created": ts})  # fmt: skip
    for ref, amount, charge, created in conn.execute(
        "SELECT r.provider_ref, r.amount_kurus, p.charge_ref, r.created_at FROM refunds r "
        "JOIN payments p ON p.order_id = r.order_id AND p.provider = 'stripe' "
        "WHERE r.provider_ref IS NOT NULL AND r.created_at >= %s AND r.created_at < %s "
        "ORDER BY r.created_at",
        (start, end),
    ):
        ts = int(created.timestamp())
        refunds.append({"id": ref, "object": "refund", "amount": amount, "charge": charge,
                        "currency": "try", "status": "succeeded", "metadata": {},
                        "created": ts})  # fmt: skip
        transactions.append({"id": f"txn_{ref}", "object": "balance_transaction", "source": ref,
                             "amount": -amount, "fee": 0, "net": -amount, "currency": "try",
                             "type": "refund", "created": ts})  # fmt: skip
    payout = {"id": f"po_bench_{start:%Y%m}", "object": "payout", "currency": "try",
              "amount": sum(t["net"] for t in transactions), "status": "paid",
              "created": int(end.timestamp()) - 60}  # fmt: skip
    return {"charges": charges, "balance_transactions": transactions, "refunds": refunds,
            "payouts": [payout]}  # fmt: skip


class StripeStandIn:
    """Serves ``objects`` on a free 127.0.0.1 port until stop()."""

    def __init__(self, objects: dict[str, list[dict]]) -> None:
        self.objects = objects
        self.by_id = {o["id"]: o for items in objects.values() for o in items}
        self.requests = 0
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                standin.requests += 1
                status, body = standin.answer(self.path)
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> StripeStandIn:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)

    def answer(self, path: str) -> tuple[int, dict]:
        parts = urlsplit(path)
        query = dict(parse_qsl(parts.query))
        segments = parts.path.strip("/").split("/")  # v1, kind[, id]
        if len(segments) < 2 or segments[1] not in self.objects:
            return 404, {"error": {"type": "invalid_request_error", "message": "no such path"}}
        kind = segments[1]
        if len(segments) == 3:
            found = self.by_id.get(segments[2])
            if found is None:
                return 404, {"error": {"type": "invalid_request_error",
                                       "message": f"No such object: {segments[2]}"}}  # fmt: skip
            return 200, found
        items = self.objects[kind]
        if kind == "balance_transactions" and "payout" in query:
            items = items if query["payout"] in self.by_id else []
        low, high = int(query.get("created[gte]", 0)), int(query.get("created[lt]", 2**62))
        items = [o for o in items if low <= o["created"] < high]
        if "starting_after" in query:
            ids = [o["id"] for o in items]
            after = ids.index(query["starting_after"]) + 1 if query["starting_after"] in ids else 0
            items = items[after:]
        limit = int(query.get("limit", 10))
        return 200, {"object": "list", "url": f"/v1/{kind}", "data": items[:limit],
                     "has_more": len(items) > limit}  # fmt: skip
