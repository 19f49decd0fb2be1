"""The gunicorn entry point: gunicorn wsgi:app. FLASK_CONFIG picks the settings class and
defaults to production, which refuses to start half-configured (config.production_problems)."""

import os

from coopshop import create_app

app = create_app(os.environ.get("FLASK_CONFIG", "production"))
