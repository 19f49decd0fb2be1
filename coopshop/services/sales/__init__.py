"""Selling: cart, checkout, orders, payment providers, transfers, fulfilment, refunds."""
