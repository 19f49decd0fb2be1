"""Helpers the tests share: factories, partner stand-ins, query counters, fixtures."""
