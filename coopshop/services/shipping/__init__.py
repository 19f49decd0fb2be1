"""Shipping: labels for packed orders and the parcels' tracking, through one small interface.

base.py      the interface, its value objects and the pure rules (apply_event, parse_kurus)
carriers.py  carriers and their tracking pages, the manual adapter, the adapter from settings
geliver.py   the Geliver adapter over its official SDK (geliver_events.py reads its documents)
labels.py    offers, buying an order's one label, its PDF, the day's batch
tracking.py  tracking events from the webhook or the poll, and what they do to the order
"""
