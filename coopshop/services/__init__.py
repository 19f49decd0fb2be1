"""The rules: plain functions that take plain arguments. No request, session or current_user."""
