"""The access matrix and the CSRF table, generated from app.url_map: every route must have an
entry here, so a new page without a decision about who may see it fails this file.

WHO says who may use each endpoint; for every GET route each role is tried (ids filled with 1, so
an allowed role may get 404 for an absent object, never 403 or the login page), and every POST
route refuses a request without its CSRF token unless CSRF_EXEMPT says why it needs none.
"""

from __future__ import annotations

import pytest

from tests.web.test_roles import log_in_as

EVERYONE = "everyone"  # guests too
SIGNED_IN = "signed in"  # any role
API_TOKEN = "api token"  # a bearer token, not a session (tests/web/test_api_auth.py)
SIGNED = "signed"  # a provider's signature (tests/web/test_stripe_webhook.py)
ADMIN = frozenset({"admin"})
DESK = frozenset({"staff", "admin"})
MAKER = frozenset({"producer"})

PUBLIC = {
    "static",
    "bootstrap.static",
    "healthz",
    "auth.login",
    "auth.register",
    "auth.apply",
    "auth.forgot",
    "auth.reset",
    "shop.index",
    "shop.search",
    "shop.category",
    "shop.collection",
    "shop.producer",
    "shop.product",
    "shop.media",
    "shop.cart",
    "shop.cart_add",
    "shop.cart_update",
    "shop.cart_remove",
    "shop.checkout",
    "shop.order_status",  # its own check: the signed link, the buyer or staff
    "shop.order_invoice",  # the order page's own check (signed link, buyer or staff)
    "shop.order_withdrawal",  # the buyer only: her account or the signed link (404 otherwise)
    "shop.order_return_label",  # the buyer only, her request only (404 otherwise)
    "shop.demo_pay",
    "shop.demo_pay_submit",
    "shop.set_language",
    "shop.impact",  # the public impact page (never a group under five women)
    "shop.impact_json",
    "shop.legal_document",  # the legal texts are public (issue 15)
    "shop.legal_version",
    "api.docs",
    "api.openapi",
    "api.list_products",
    "api.get_product",
    "api.list_collections",
}
ANY_ACCOUNT = {
    "shop.account",
    "shop.api_tokens",
    "shop.create_api_token",
    "shop.revoke_api_token",
    # her own data only: the service looks everything up by the signed-in user's id
    "shop.my_data",
    "shop.marketing_consent",
    "shop.data_export",
    "shop.data_download",  # someone else's request id is 404 (tests/web/test_data_requests.py)
    "shop.data_erasure",
    "auth.logout",
    "auth.end_sessions",
    "auth.change_email",  # her current password first (tests/web/test_account_proof.py)
    "auth.change_password",
}
ADMIN_ONLY = {
    "admin.bank_statements",
    "admin.bank_statement",
    "admin.bank_line_match",
    "admin.month_end_page",
    "admin.shipping_rates",
    "admin.shipping_rate_remove",
    "admin.iban_changes_page",
    "admin.iban_change_confirm",
    "admin.iban_change_cancel",
    "admin.invoices",
    "admin.legal_documents",
    "admin.legal_edit",
    "admin.invoice_retry",
    "admin.jobs",
    "admin.job_retry",
    "admin.member_tax",
    "admin.payout_voucher",
    "admin.payout_member_invoice",
    "admin.exemptions_expiring",
    "admin.member_income",
    "admin.member_income_csv",
    "admin.member_income_pdf",
    "admin.withholding_rates",
    "admin.withholding_rate_cancel",
    "admin.withholding_report_page",
    "admin.withholding_report_csv",
    "admin.vat_report_page",
    "admin.vat_report_csv",
    "admin.impact",
    "admin.impact_csv",
    "admin.impact_json",
    "admin.audit_log",
    "admin.data_requests",
    "admin.data_request_erase",
    "admin.data_request_refuse",
    "admin.categories",
    "admin.category_edit",
    "admin.collection_edit",
    "admin.collections",
    "admin.home",
    "admin.member",
    "admin.member_commission",
    "admin.member_decision",
    "admin.member_deduction",
    "admin.member_deduction_reverse",
    "admin.members",
    "admin.order_detail",
    "admin.payout_approve",
    "admin.payout_batch",
    "admin.payout_cancel",
    "admin.payout_export",
    "admin.payout_line_failed",
    "admin.payout_line_paid",
    "admin.payout_print",
    "admin.payouts_close",
    "admin.payouts_home",
    "admin.policy",
    "admin.policy_cancel",
    "admin.product_commission",
    "admin.question_answer",
    "admin.questions",
    "admin.reconcile_page",
    "admin.refund",
    "admin.refunds_home",
    "admin.reports",
    "admin.reports_csv",
    "admin.retry_refund",
    "admin.review",
    "admin.review_approve",
    "admin.review_send_back",
    "admin.product_withdrawal_exclusion",
    "admin.product_packed",
    "admin.withdrawal_refund",
    "admin.withdrawal_reject",
}
DESK_ONLY = {
    "staff.close_session",
    "staff.fulfilment_delivered",
    "staff.fulfilment_queue",
    "staff.fulfilment_received",
    "staff.fulfilment_ship",
    "staff.home",
    "staff.label_batch",
    "staff.label_buy",
    "staff.label_cancel",
    "staff.label_handover",
    "staff.label_offers",
    "staff.label_pdf",
    "staff.offline_device",
    "staff.pickup_print",
    "staff.pickup_received",
    "staff.pickup_run",
    "staff.returned_queue",
    "staff.returned_ship_again",
    "staff.offline_index",
    "staff.offline_manifest",
    "staff.offline_pos",
    "staff.offline_service_worker",
    "staff.offline_state",
    "staff.offline_ticket",
    "staff.open_session",
    "staff.pos",
    "staff.pos_add",
    "staff.pos_clear",
    "staff.pos_pay",
    "staff.pos_remove",
    "staff.session_detail",
    "staff.sessions",
    "staff.transfer_cancel",
    "staff.transfer_confirm",
    "staff.transfers_queue",
    "staff.withdrawal_received",
    "staff.withdrawal_return",
    "staff.withdrawal_return_pdf",
    "staff.withdrawals_queue",
}
MAKER_ONLY = {
    "producer.earnings",
    "producer.home",
    "producer.invitations",  # her own invitations only (tests/web/test_co_makers.py)
    "producer.invitation_accept",
    "producer.invitation_decline",
    "producer.product_archive",
    "producer.product_edit",
    "producer.product_new",
    "producer.product_photo_cover",
    "producer.product_photo_delete",
    "producer.product_photos",
    "producer.product_restore",
    "producer.product_stock",
    "producer.product_stock_quick",
    "producer.product_submit",
    "producer.products_list",
    "producer.profile",
    "producer.question_new",
    "producer.questions_list",
    "producer.sale",
    "producer.sales",
    "producer.statement",
    "producer.statement_csv",
    "producer.statements_index",
    "producer.income_index",
    "producer.income",
    "producer.income_csv",
    "producer.income_pdf",
    "producer.to_bring",
}
TOKEN_ONLY = {
    "api.approve_payout",
    "api.check_ledger",
    "api.close_period",
    "api.get_order",
    "api.get_payout",
    "api.mark_failed",
    "api.mark_paid",
    "api.my_balance",
    "api.my_sales",
    "api.producer_balance",
    "api.record_sale",
    "api.refund",
    "api.get_refund_request",
    "api.list_sessions",
    "api.open_session",
    "api.get_session",
    "api.close_session",
    "api.catalogue",
    "api.sync_ticket",
    "api.report_device",
}

WHO = {
    **dict.fromkeys(PUBLIC, EVERYONE),
    **dict.fromkeys(ANY_ACCOUNT, SIGNED_IN),
    **dict.fromkeys(ADMIN_ONLY, ADMIN),
    **dict.fromkeys(DESK_ONLY, DESK),
    **dict.fromkeys(MAKER_ONLY, MAKER),
    **dict.fromkeys(TOKEN_ONLY, API_TOKEN),
    "webhooks.stripe_webhook": SIGNED,
    # iyzico posts a token only; the result is retrieved and signature-checked server-side
    # (tests/web/test_iyzico_checkout.py)
    "shop.iyzico_callback": SIGNED,
    "webhooks.iyzico_webhook": SIGNED,
    "webhooks.geliver_webhook": SIGNED,
}

# POST routes that take no CSRF token, and why.
CSRF_EXEMPT = {
    "webhooks.stripe_webhook": "signed by Stripe; no browser session",
    "webhooks.iyzico_webhook": "X-IYZ-SIGNATURE-V3 from iyzico; no browser session",
    "shop.iyzico_callback": "iyzico's page posts the token cross-site; the result is retrieved",
    "webhooks.geliver_webhook": "signed by Geliver; no browser session",
    **dict.fromkeys(TOKEN_ONLY, "bearer token, no cookies"),
}

ROLES = ("guest", "customer", "producer", "staff", "admin")


def _rules(app, method):
    return sorted(
        (r for r in app.url_map.iter_rules() if method in r.methods),
        key=lambda r: (r.endpoint, r.rule),
    )


def _path(rule) -> str:
    values = {}
    for name, converter in rule._converters.items():
        if type(converter).__name__ == "DatabaseIntConverter":
            values[name] = 1
        elif type(converter).__name__ == "AnyConverter":
            values[name] = sorted(converter.items)[0]
        else:
            values[name] = "x"
    return rule.build(values, append_unknown=False)[1]


def test_every_route_has_an_entry(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules()}
    assert sorted(endpoints - set(WHO)) == [], "add the new routes to WHO"
    assert sorted(set(WHO) - endpoints) == [], "remove routes that are gone"


def _allowed(who, role: str) -> bool:
    if who == EVERYONE:
        return True
    if who == SIGNED_IN:
        return role != "guest"
    return role in who


@pytest.mark.parametrize("role", ROLES)
def test_every_get_route_refuses_whom_the_matrix_refuses(app, client, role):
    log_in_as(client, role)
    seen = 0
    for rule in _rules(app, "GET"):
        who = WHO[rule.endpoint]
        if who in (API_TOKEN, SIGNED) or rule.endpoint in ("static", "bootstrap.static"):
            continue
        path = _path(rule)
        response = client.get(path)
        status, location = response.status_code, response.location or ""
        assert status != 500, path
        to_login = status == 302 and location.startswith("/auth/login")
        if _allowed(who, role):
            assert status != 403 and not to_login, (role, path, status)
        elif role == "guest":
            assert to_login, (role, path, status, location)
        else:
            assert status == 403, (role, path, status)
        seen += 1
    assert seen > 40


def test_token_routes_refuse_a_request_without_a_token(app, client):
    for rule in _rules(app, "GET") + _rules(app, "POST"):
        if WHO[rule.endpoint] != API_TOKEN:
            continue
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(_path(rule), method=method, json={})
        assert response.status_code == 401, rule.rule


@pytest.mark.parametrize("role", ["guest", "admin", "producer", "staff"])
def test_every_post_route_refuses_a_request_without_its_csrf_token(app, client, monkeypatch, role):
    log_in_as(client, role)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    seen = 0
    for rule in _rules(app, "POST"):
        if rule.endpoint in CSRF_EXEMPT:
            continue
        response = client.post(_path(rule), data={"x": "1"})
        assert response.status_code == 400, (role, rule.rule, response.status_code)
        assert "Geçersiz istek" in response.get_data(as_text=True)
        seen += 1
    assert seen > 40
