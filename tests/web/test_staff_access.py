"""Who may use the staff desk: staff and admins; customers and producers get 403 on every staff
page, guests the login page; staff get 403 on every admin page (payouts, refunds, ...)."""

from __future__ import annotations

import pytest
from werkzeug.routing import AnyConverter, IntegerConverter

from tests.support.factories import ProducerFactory, UserFactory


def _sample(converter) -> object:
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0]
    if isinstance(converter, IntegerConverter):
        return 1
    return "x"


def _routes(app, prefix: str) -> list[tuple[str, str]]:
    """(method, url) for every route under ``prefix``, each path argument filled with a value
    its converter accepts (1 for an id)."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(prefix):
            continue
        values = {name: _sample(conv) for name, conv in rule._converters.items()}
        url = rule.build(values)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((method, url))
    return sorted(found)


def _log_in(client, user) -> None:
    response = client.post("/auth/login", data={"email": user.email, "password": "parola-1234"})
    assert response.status_code == 302


def test_the_staff_desk_has_the_pages_it_should(app):
    urls = {url for _method, url in _routes(app, "/staff")}
    assert {
        "/staff/",
        "/staff/sessions",
        "/staff/sessions/new",
        "/staff/sessions/1",
        "/staff/sessions/1/close",
        "/staff/sessions/1/pos",
        "/staff/sessions/1/pos/add",
        "/staff/sessions/1/pos/pay",
        "/staff/transfers",
        "/staff/transfers/1/confirm",
        "/staff/transfers/1/cancel",
        "/staff/fulfilment",
        "/staff/fulfilment/received",
        "/staff/fulfilment/1/ship",
        "/staff/fulfilment/1/delivered",
        "/staff/pickup",
        "/staff/pickup/print",
        "/staff/pickup/received",
    } <= urls


@pytest.mark.parametrize("role", ["customer", "producer"])
def test_customers_and_producers_are_refused_every_staff_page(app, client, role):
    user = ProducerFactory().user if role == "producer" else UserFactory(role="customer")
    _log_in(client, user)
    routes = _routes(app, "/staff")
    answers = {(m, u): client.open(u, method=m).status_code for m, u in routes}
    assert answers == dict.fromkeys(routes, 403)


def test_guests_are_sent_to_log_in(app, client):
    for method, url in _routes(app, "/staff"):
        response = client.open(url, method=method)
        assert response.status_code == 302, (method, url)
        assert response.location.startswith("/auth/login?next="), (method, url)


def test_staff_are_refused_every_admin_page(app, client):
    _log_in(client, UserFactory(role="staff"))
    routes = _routes(app, "/admin")
    assert ("GET", "/admin/") in routes
    answers = {(m, u): client.open(u, method=m).status_code for m, u in routes}
    assert answers == dict.fromkeys(routes, 403)


def test_admins_use_the_staff_desk_too(client):
    _log_in(client, UserFactory(role="admin"))
    for url in (
        "/staff/",
        "/staff/sessions",
        "/staff/sessions/new",
        "/staff/transfers",
        "/staff/fulfilment",
        "/staff/pickup",
        "/staff/pickup/print",
    ):
        assert client.get(url).status_code == 200, url
