"""Admin pages: policy (routes on the admin blueprint)."""

from coopshop.admin.routes import bp  # noqa: F401
