"""What the KPI engine does when the core says tickets changed (connected in
`MetricsConfig.ready`)."""

from __future__ import annotations

import functools

from django.db import transaction

from itsm.facts import snapshot, writing_history

from . import compute, surveys, tasks


def ticket_changed(sender, *, ticket, before, **kwargs) -> None:
    """Mark the periods and slices the write touched, in its transaction, and send the
    refresh for after the commit."""
    if compute.mark(before, snapshot(ticket)):
        tasks.queue_refresh()


def history_written(sender, *, since, **kwargs) -> None:
    """Many tickets were written at once (demo history, an import): recompute every
    period from the earliest."""
    if since is not None:
        compute.recompute(since=since.astimezone(compute.organisation_tz()).date())


def outage_changed(sender, *, services, moments, **kwargs) -> None:
    """An outage was recorded or corrected: mark the periods of its services."""
    _mark(compute.outage_marks(services, moments))


def effort_logged(sender, *, entries, **kwargs) -> None:
    """Time was logged: mark the periods and slices it counts in."""
    _mark(compute.effort_marks(entries))


def knowledge_used(sender, *, uses, **kwargs) -> None:
    """Articles were read, voted on or linked to a ticket, or readings settled as
    deflections: mark the periods and slices they count in."""
    _mark(compute.knowledge_marks(uses))


def _mark(marks) -> None:
    """Save marks and send the refresh for after the commit; history being written is
    recomputed whole at its end instead."""
    if not writing_history() and compute.save_marks(marks):
        tasks.queue_refresh()


def ask_satisfaction(sender, *, ticket, before, **kwargs) -> None:
    """A ticket resolved for the first time asks its requester how satisfied they are,
    once the resolution is committed (a survey is no part of the resolution's write,
    and a resolution rolled back asks nobody); `surveys.ask` asks once per ticket."""
    if before is not None and before["resolved_at"] is None and ticket.resolved_at is not None:
        transaction.on_commit(functools.partial(surveys.ask_resolved, ticket.pk))
