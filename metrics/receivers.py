"""What the KPI engine does when the core says tickets changed (connected in
`MetricsConfig.ready`)."""

from __future__ import annotations

from itsm.facts import snapshot, writing_history

from . import compute, tasks


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
    """An outage was recorded or corrected: mark the periods of its services (history
    being written is recomputed whole at its end)."""
    if writing_history():
        return
    if compute.save_marks(compute.outage_marks(services, moments)):
        tasks.queue_refresh()


def effort_logged(sender, *, entries, **kwargs) -> None:
    """Time was logged: mark the periods and slices it counts in (history being
    written is recomputed whole at its end)."""
    if writing_history():
        return
    if compute.save_marks(compute.effort_marks(entries)):
        tasks.queue_refresh()
