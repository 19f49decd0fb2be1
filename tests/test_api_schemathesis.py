"""schemathesis against /api/v1/openapi.json, in process (WSGI: nothing leaves this process).

For every operation it sends generated requests, both fitting the schema and not, with a valid
token of a role the operation admits, and checks: no 5xx, every status and content type is one
the description declares, every body and header fits its schema, and data that breaks the
schema is refused. Examples are bounded so the run stays short.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

import coopshop.api.routes  # noqa: F401  (registers the operations)
from coopshop.api import spec
from coopshop.db import db
from coopshop.services.bazaar import cash
from tests.support.factories import CollectionFactory, ProducerFactory, ProductFactory, paid_order
from tests.web.api_helpers import bearer, caller

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


@pytest.fixture
def tokens(app):
    """A little world for the generated requests to land in: products (some by code), a paid
    order, an open cash session, and a token for each role."""
    maker = ProducerFactory()
    collection = CollectionFactory(slug="ipek-yolu")
    for n in range(5):
        ProductFactory(code=f"K{n}", stock=1000, collection=collection, makers=[(maker, 10_000)])
    product = ProductFactory(stock=1000)
    paid_order([(product, 1)], channel="bazaar", payment_method="cash")
    cash.open_session("Pazar", "Masa 1", 0, None)
    db.session.commit()
    return {
        "admin": caller("admin")[1],
        "staff": caller("staff")[1],
        "producer": bearer_of(maker),
    }


def bearer_of(producer):
    from tests.web.api_helpers import token_for

    return bearer(token_for(producer.user))


# The document the app serves at /api/v1/openapi.json (tests/web/test_api_openapi.py checks that
# they are the same), loaded at collection time: schemathesis's lazy fixture loader does not
# work with pytest 9.2 (it reads a private node attribute that pytest renamed), so the app is
# handed to each call instead.
schema = schemathesis.openapi.from_dict(spec.document())
# Every call carries a valid token of a fitting role (below); the auth rules themselves are
# tested in tests/web/test_api_auth.py, so no case should be generated without or against it.
schema.config.generation.update(with_security_parameters=False)


def role_for(path: str, method: str) -> str:
    if path.startswith("/api/v1/me/"):
        return "producer"
    if path == "/api/v1/sales" or (path == "/api/v1/orders/{order_id}" and method == "GET"):
        return "staff"
    return "admin"


@schema.parametrize()
@settings(
    max_examples=int(os.environ.get("API_FUZZ_EXAMPLES", "25")),  # more for a longer hunt
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,  # one small world per operation, on purpose
    ],
)
def test_the_api_keeps_its_description(case, app, tokens):
    headers = tokens[role_for(case.operation.path, case.operation.method.upper())]
    case.call_and_validate(app=app, headers=headers, checks=CHECKS)
