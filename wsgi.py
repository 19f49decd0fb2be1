"""The gunicorn entry point: gunicorn wsgi:app. FLASK_CONFIG picks the settings class."""

from coopshop import create_app

app = create_app()
