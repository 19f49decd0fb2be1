"""Bazaars: cash sessions, the point of sale, offline sales."""
