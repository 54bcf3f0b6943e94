"""What the catalog announces to the layers above it.

The catalog knows nothing of tickets (DESIGN.md §1), yet tickets are timed by its
terms. So whoever changes terms (the admin, `seed_holidays`) says so explicitly with
`announce_terms_changed`; the ticket core listens and re-times the open tickets those
terms govern.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.dispatch import Signal

# Sent with `services` (ids of services whose SLAs changed; None for the default SLA,
# which times tickets without a service) and `calendars` (ids).
terms_changed = Signal()


def announce_terms_changed(*, services: Iterable[int | None] = (),
                           calendars: Iterable[int] = ()) -> None:
    services = sorted(set(services), key=lambda pk: (pk is not None, pk or 0))
    calendars = sorted(set(calendars))
    if services or calendars:
        terms_changed.send(sender=None, services=services, calendars=calendars)

# Sent when a service goes live with gaps in its operational acceptance, overridden by
# a change manager (`catalog.acceptance.go_live`), inside the same transaction: with
# `service`, `gaps` (what it lacks, as sentences), `reason` and `actor`. The
# improvement register opens a suggestion for the gaps.
acceptance_overridden = Signal()
