"""Demo data for `make run`: members, products and orders made through the real services."""
