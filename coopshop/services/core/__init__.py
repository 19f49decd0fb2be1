"""Errors, settings, audit, mail outbox, paging, uploads: what every wing stands on."""
