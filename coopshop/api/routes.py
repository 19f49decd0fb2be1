"""The JSON API v1 blueprint: how an operation is registered, authenticated, validated and
answered, the error handlers, and the OpenAPI document with its small docs page.

The endpoints themselves live in api/catalog.py, api/accounts.py, api/sales.py and
api/payouts.py; each is a thin call into the same services the pages use.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from functools import wraps

from flask import Blueprint, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from coopshop.api import auth, schemas, spec
from coopshop.api.errors import (
    ApiError,
    error_response,
    from_domain_error,
    from_validation_error,
    http_error_response,
)
from coopshop.extensions import csrf, limiter
from coopshop.services.core import uow
from coopshop.services.core.errors import DomainError

bp = Blueprint("api", __name__)
# Bearer tokens, not cookies: there is no ambient credential for another site to ride on.
csrf.exempt(bp)


def _respond(result, status: int):
    if isinstance(result, tuple):
        result, status = result
    return jsonify(result.model_dump(mode="json")), status


def _rate_limited(view: Callable) -> Callable:
    """The API's limit per client, and wrong tokens counted per address, so guessing tokens is
    slow whatever the path."""
    limited = limiter.shared_limit(auth.api_limit, scope="api", key_func=auth.client_key)(view)
    return limiter.shared_limit(
        auth.auth_failure_limit,
        scope="api-auth-failures",
        key_func=get_remote_address,
        deduct_when=auth.is_auth_failure,
    )(limited)


def operation(
    method: str,
    path: str,
    *,
    summary: str,
    tag: str,
    response: type[schemas.Output],
    status: int = 200,
    also: dict[int, type[schemas.Output]] | None = None,
    roles: tuple[str, ...] | None = None,
    query: type[schemas.Query] | None = None,
    body: type[schemas.Input] | None = None,
    errors: tuple[int, ...] = (),
) -> Callable:
    """Register an API view: its route, its entry in the OpenAPI document, its role check, the
    validation of its query and body (passed to the view as ``query=`` and ``body=``) and its
    rate limits. The view returns a ``schemas.Output`` (sent with ``status``), or a pair
    (output, another status) for one of the statuses in ``also``."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(**path_args):
            auth.authenticate()
            if roles is not None:
                auth.require(roles)
            kwargs = dict(path_args)
            parsed = (query or schemas.NoQuery).model_validate(request.args.to_dict())
            if query is not None:
                kwargs["query"] = parsed
            if body is not None:
                kwargs["body"] = body.model_validate_json(request.get_data() or b"")
            return _respond(view(**kwargs), status)

        bp.add_url_rule(
            spec.flask_rule(path),
            endpoint=view.__name__,
            view_func=_rate_limited(wrapped),
            methods=[method],
        )
        spec.OPERATIONS.append(
            spec.Operation(
                method=method,
                path=path,
                endpoint=view.__name__,
                summary=summary,
                description=inspect.cleandoc(view.__doc__ or ""),
                tag=tag,
                roles=roles,
                query=query,
                body=body,
                response=response,
                status=status,
                also=dict(also or {}),
                errors=errors,
            )
        )
        return view

    return decorator


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError):
    uow.rollback()
    return exc.response()


@bp.errorhandler(ValidationError)
def _invalid_input(exc: ValidationError):
    uow.rollback()
    return from_validation_error(exc)


@bp.errorhandler(DomainError)
def _domain_error(exc: DomainError):
    # Whatever the service flushed before refusing is undone: nothing half-written.
    uow.rollback()
    return from_domain_error(exc)


@bp.errorhandler(IntegrityError)
def _integrity_error(exc: IntegrityError):
    """Two requests racing for the same unique row (the same ticket sent twice at once): the
    loser is told to retry, and a retry finds what the winner wrote. Anything else is a bug."""
    uow.rollback()
    orig = exc.orig
    unique = getattr(orig, "sqlstate", None) == "23505" or "UNIQUE constraint failed" in str(orig)
    if not unique:
        raise exc
    return error_response(
        409, "conflict", _l("Aynı anda başka bir istek aynı kaydı yazdı; yeniden deneyin.")
    )


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    # The app's handlers take the statuses they are registered for (404, 429, ...: the same
    # shape, coopshop.register_errorhandlers); this one takes any other an API view raises.
    uow.rollback()
    headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
    return http_error_response(exc, headers=headers)


@bp.get("/openapi.json")
def openapi():
    return jsonify(spec.document())


@bp.get("/docs")
def docs():
    return render_template(
        "api/docs.html",
        operations=spec.OPERATIONS,
        prefix=spec.PREFIX,
        ERRORS=spec.ERROR_DESCRIPTIONS,
    )


# Importing the endpoint modules registers their operations on the blueprint.
from coopshop.api import accounts, cash, catalog, payouts, sales  # noqa: E402, F401
