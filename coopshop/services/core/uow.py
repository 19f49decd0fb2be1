"""The unit of work: one commit per use case, and the side effects that wait for it.

Services add and flush; they never commit. Whoever runs a use case (a page or API call through
coopshop.web.uow, a CLI command, a worker) ends it here: ``commit()`` once on success, then the
effects queued with ``after_commit`` (the outbox's nudge, deleting replaced files) run;
``rollback()`` drops the changes and the effects together, so a failed request leaves nothing
half-written and sends nothing. The queue lives in the session's ``info`` dict, which belongs to
the transaction's session and to no request, so services can queue effects without knowing who
commits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from coopshop.db import db

log = logging.getLogger(__name__)

_EFFECTS = "coopshop.after_commit"
E = TypeVar("E", bound=Callable[[], object])


def after_commit(effect: E) -> E:
    """Run ``effect`` once the current transaction has committed; dropped on rollback. The same
    effect queued twice runs once: the one already queued is returned (so an effect can collect
    what the transaction adds, as the outbox's nudge collects its new jobs)."""
    effects = db.session.info.setdefault(_EFFECTS, [])
    for queued in effects:
        if queued == effect:
            return queued
    effects.append(effect)
    return effect


def commit() -> None:
    """Commit the use case, then run what waited for it. An effect that fails is logged and does
    not undo the commit (a job stays in the outbox for the next drain)."""
    run_effects(commit_deferring())


def commit_deferring() -> list[Callable[[], object]]:
    """Commit and hand back the effects instead of running them, for a caller that runs them
    later (a page whose answer must take the same time whether or not mail was queued)."""
    db.session.commit()
    return db.session.info.pop(_EFFECTS, [])


def run_effects(effects: list[Callable[[], object]]) -> None:
    for effect in effects:
        try:
            effect()
        except Exception:  # an effect's failure must not turn a committed request into a 500
            log.exception("after-commit effect %r failed", effect)
            db.session.rollback()


def rollback() -> None:
    db.session.rollback()
    db.session.info.pop(_EFFECTS, None)


def checkpoint() -> None:
    """Commit in the middle of a use case, for the one protocol that needs it: a provider refund
    is written down (and committed) before the provider is called, so a crash between the two
    leaves a record to reconcile instead of money sent with no trace."""
    commit()


@contextmanager
def unit_of_work() -> Iterator[None]:
    """``with unit_of_work(): ...`` commits on success and rolls back on any exception."""
    try:
        yield
    except BaseException:
        rollback()
        raise
    commit()
