"""The OpenAPI 3.1 description, generated from the registered operations and their models.

Each API view is registered once (api/routes.py ``operation``) with its path, roles, query,
body and response models; the same record drives request validation, the Flask route and this
document, so the description says what the code does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from coopshop.api import schemas

PREFIX = "/api/v1"
_PATH_PARAM = re.compile(r"{(\w+)}")
REF = "#/components/schemas/{model}"


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # under PREFIX, OpenAPI style: /orders/{order_id}/refunds
    endpoint: str
    summary: str
    description: str
    tag: str
    roles: tuple[str, ...] | None  # None: anyone, with or without a token
    query: type[schemas.Query] | None
    body: type[schemas.Input] | None
    response: type[schemas.Output]
    status: int
    also: dict[int, type[schemas.Output]]
    errors: tuple[int, ...]

    @property
    def path_params(self) -> list[str]:
        return _PATH_PARAM.findall(self.path)

    @property
    def error_statuses(self) -> list[int]:
        found = {400, 401, 429, *self.errors}  # 400: any unknown query parameter
        if self.roles is not None:
            found.add(403)
        if self.path_params:
            found.add(404)
        return sorted(found)


OPERATIONS: list[Operation] = []


def flask_rule(path: str) -> str:
    """/orders/{order_id} -> /orders/<int(min=1, max=…):order_id>: every path parameter is a
    database id, so anything else (0, -1, 10**30, "abc") is a 404 before any query."""
    return _PATH_PARAM.sub(lambda m: f"<int(min=1, max={schemas.MAX_ID}):{m.group(1)}>", path)


ERROR_DESCRIPTIONS = {
    400: "Bad input: the body or a parameter does not fit the schema (``field`` names it).",
    401: "No token, or a token that is wrong or revoked.",
    403: "The token's user does not have the role this needs.",
    404: "No such object (or not yours).",
    409: "Conflicts with the current state (insufficient_stock, invalid_transition, …).",
    422: "Well-formed but refused by a rule (rule_violation; ``field`` may name the input).",
    429: "Too many requests: wait (Retry-After) and try again.",
}


def _unwrap_optional(schema: dict) -> dict:
    """A query parameter is absent rather than null: drop the null branch of ``X | None``."""
    branches = schema.get("anyOf")
    if branches and {"type": "null"} in branches and len(branches) == 2:
        rest = dict(schema)
        rest.pop("anyOf")
        inner = next(b for b in branches if b != {"type": "null"})
        rest.update(inner)
        if rest.get("default", ...) is None:
            rest.pop("default")
        return rest
    return schema


def _query_parameters(model: type[BaseModel]) -> list[dict]:
    schema = model.model_json_schema(ref_template=REF)
    required = set(schema.get("required", []))
    params = []
    for name, prop in schema.get("properties", {}).items():
        prop = _unwrap_optional(dict(prop))
        description = prop.pop("description", None)
        prop.pop("title", None)
        param = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if description:
            param["description"] = description
        params.append(param)
    return params


def _path_parameters(op: Operation) -> list[dict]:
    return [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "minimum": 1, "maximum": schemas.MAX_ID},
        }
        for name in op.path_params
    ]


def _json(ref: dict) -> dict:
    return {"application/json": {"schema": ref}}


def document(operations: list[Operation] | None = None) -> dict:
    operations = OPERATIONS if operations is None else operations
    models: list[tuple[type[BaseModel], str]] = [(schemas.ErrorOut, "serialization")]
    for op in operations:
        models.append((op.response, "serialization"))
        models.extend((model, "serialization") for model in op.also.values())
        if op.body is not None:
            models.append((op.body, "validation"))
    refs, definitions = models_json_schema(list(dict.fromkeys(models)), ref_template=REF)
    paths: dict[str, dict] = {}
    for op in operations:
        paths.setdefault(PREFIX + op.path, {})[op.method.lower()] = _entry(op, refs)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "coopshop API",
            "version": "1.0.0",
            "description": (
                "The cooperative's shop and ledger for a bazaar point-of-sale app and the "
                "accountant. Authenticate with `Authorization: Bearer <token>` (create tokens "
                "on /account/tokens or with `flask users token EMAIL`); a token acts with its "
                "user's role. Amounts are integer kuruş (`*_kurus`), rates basis points "
                "(`*_bp`), times ISO 8601 with an offset. Every error is "
                '`{"error": {"code", "message", "field"?, "details"?}}`.'
            ),
        },
        "paths": paths,
        "components": {
            "schemas": definitions.get("$defs", {}),
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
        },
    }


def _responses(op: Operation, refs: dict) -> dict:
    """Its success answer, the other successes it may give, and its errors (one shape)."""
    responses = {
        str(op.status): {
            "description": "Success",
            "content": _json(refs[(op.response, "serialization")]),
        }
    }
    for status, model in op.also.items():
        responses[str(status)] = {
            "description": model.__doc__.strip() if model.__doc__ else "Success",
            "content": _json(refs[(model, "serialization")]),
        }
    for status in op.error_statuses:
        responses[str(status)] = {
            "description": ERROR_DESCRIPTIONS.get(status, "Error"),
            "content": _json(refs[(schemas.ErrorOut, "serialization")]),
        }
    return responses


def _entry(op: Operation, refs: dict) -> dict:
    """One operation as OpenAPI describes it: parameters, answers, who may call it, its body."""
    entry: dict = {
        "operationId": op.endpoint,
        "summary": op.summary,
        "tags": [op.tag],
        "parameters": _path_parameters(op)
        + (_query_parameters(op.query) if op.query is not None else []),
        "responses": _responses(op, refs),
    }
    if op.description:
        entry["description"] = op.description
    if op.roles is not None:
        entry["security"] = [{"bearerAuth": []}]
        entry["description"] = (
            entry.get("description", "") + "\n\nRoles: " + ", ".join(op.roles)
        ).strip()
    else:
        entry["security"] = [{}, {"bearerAuth": []}]
    if op.body is not None:
        entry["requestBody"] = {
            "required": True,
            "content": _json(refs[(op.body, "validation")]),
        }
    return entry
