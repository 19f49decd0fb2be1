"""Domain exceptions. Services raise these; views turn them into form errors or messages.

Each carries a ``message`` already wrapped for translation (lazy), so the view can show it as is.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base for rule violations a user can be told about."""

    def __init__(self, message, **details):
        super().__init__(str(message))
        self.message = message
        self.details = details


class ValidationFailed(DomainError):
    """Input that breaks a rule (a field name may be given in ``details['field']``)."""


class NotFound(DomainError):
    pass


class Forbidden(DomainError):
    pass


class Conflict(DomainError):
    """The request clashes with the current state (already paid, already exists, ...)."""


class InsufficientStock(Conflict):
    pass


class InvalidTransition(Conflict):
    """A status change the state machine does not allow."""


class ProviderUnavailable(Conflict):
    """An outside partner the request needs (a card provider for a refund) is not configured."""


class LedgerError(DomainError):
    """A ledger posting that would break an invariant (unbalanced, over-refund, ...)."""
