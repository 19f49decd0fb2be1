"""What gunicorn serves in the benchmark: the shop with its production settings, and beside it,
on the same workers, a bare Flask endpoint that touches nothing (the ceiling the pages are
compared with). `gunicorn bench.wsgi_bench:app` with the environment bench.db.app_env gives."""

from __future__ import annotations

from flask import Flask

from bench.drive import BARE_PATH
from config import ProductionConfig
from coopshop import create_app


class BenchProductionConfig(ProductionConfig):
    # The API's per-token limit (300 a minute) would measure the limiter's refusals, not the
    # page: the limiter still runs on every request (its Redis round trip included).
    API_RATE_LIMIT = "10000000 per minute"


shop = create_app(BenchProductionConfig)
bare = Flask("bare")


@bare.get(BARE_PATH)
def bare_endpoint():
    return "ok"


def app(environ, start_response):
    if environ.get("PATH_INFO") == BARE_PATH:
        return bare.wsgi_app(environ, start_response)
    return shop(environ, start_response)
