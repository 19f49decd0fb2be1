"""The OpenAPI description is the code's: every API route is in it with its methods, and what
it says about bodies and responses comes from the models the views use."""

from __future__ import annotations

import re

from coopshop.api import schemas, spec
from coopshop.api.spec import OPERATIONS, PREFIX

_FLASK_PARAM = re.compile(r"<[^:>]+:(\w+)>")
NOT_OPERATIONS = {"/api/v1/openapi.json", "/api/v1/docs"}


def _routes(app) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX) or rule.rule in NOT_OPERATIONS:
            continue
        path = _FLASK_PARAM.sub(r"{\1}", rule.rule)
        found.setdefault(path, set()).update(rule.methods - {"HEAD", "OPTIONS"})
    return found


def test_the_served_document_is_openapi_3_1_and_the_generated_one(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.get_json()
    assert doc["openapi"] == "3.1.0"
    assert doc == spec.document()
    assert doc["components"]["securitySchemes"] == {
        "bearerAuth": {"type": "http", "scheme": "bearer"}
    }


def test_every_api_route_is_described_and_nothing_else(app, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    described = {path: {m.upper() for m in ops} for path, ops in doc["paths"].items()}
    assert described == _routes(app)


def test_the_issue_asks_for_these_operations(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    wanted = {
        ("get", "/products"),
        ("get", "/products/{product_id}"),
        ("get", "/collections"),
        ("post", "/sales"),
        ("post", "/orders/{order_id}/refunds"),
        ("get", "/me/balance"),
        ("get", "/me/sales"),
        ("get", "/producers/{producer_id}/balance"),
        ("post", "/payouts"),
        ("post", "/payouts/{batch_id}/approve"),
        ("post", "/payouts/{batch_id}/lines/{line_id}/paid"),
        ("post", "/payouts/{batch_id}/lines/{line_id}/failed"),
        ("get", "/ledger/check"),
    }
    have = {(m, p.removeprefix(PREFIX)) for p, ops in doc["paths"].items() for m in ops}
    assert wanted <= have


def test_bodies_and_responses_are_the_views_models(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    components = doc["components"]["schemas"]
    for op in OPERATIONS:
        entry = doc["paths"][PREFIX + op.path][op.method.lower()]
        ok = entry["responses"][str(op.status)]["content"]["application/json"]["schema"]
        assert ok == {"$ref": f"#/components/schemas/{op.response.__name__}"}
        if op.body is not None:
            ref = entry["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            name = ref.rsplit("/", 1)[1]
            own = op.body.model_json_schema(ref_template=spec.REF)
            own.pop("$defs", None)
            assert components[name] == own
        assert "security" in entry and {"bearerAuth": []} in entry["security"]
        if op.roles:
            assert entry["security"] == [{"bearerAuth": []}]
    # the money rules of the description: amounts in kuruş are integers, rates in bp too
    for name, model in components.items():
        for field, prop in model.get("properties", {}).items():
            if field.endswith(("_kurus", "_bp")):
                types = {prop.get("type")} | {b.get("type") for b in prop.get("anyOf", [])}
                assert "integer" in types and "number" not in types, (name, field)


def test_times_are_described_as_date_times_with_offset(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    order = doc["components"]["schemas"]["OrderOut"]["properties"]
    assert order["created_at"] == {"format": "date-time", "title": "Created At", "type": "string"}
    assert schemas.PayoutIn.model_json_schema()["properties"]["cutoff"]["format"] == "date-time"


def test_the_docs_page_lists_every_operation(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="tr">' in html
    assert "Authorization: Bearer" in html
    for op in OPERATIONS:
        assert f"<code>{PREFIX}{op.path}</code>" in html
    english = client.get("/api/v1/docs", headers={"Accept-Language": "en"})
    assert "API documentation" in english.get_data(as_text=True)


def test_the_description_is_valid_openapi_3_1():
    import jsonschema_rs
    from schemathesis.specs.openapi.definitions import OPENAPI_31

    validator = jsonschema_rs.Draft202012Validator(OPENAPI_31)
    assert [str(e) for e in validator.iter_errors(spec.document())] == []
