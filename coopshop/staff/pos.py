"""Staff pages: pos (routes on the staff blueprint)."""

from coopshop.staff.routes import bp  # noqa: F401
