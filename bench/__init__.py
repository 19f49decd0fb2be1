"""Benchmarks that print their numbers (not tests): `make bench`."""
