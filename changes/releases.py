"""Releases: the one writer of `Release` and of which release a change belongs to.

A release groups changes deployed together and names the services it brings live. It
moves planned → in progress → deployed or rolled back, nothing else. Deploying it takes
its launches live through the catalog's operational acceptance (`catalog.acceptance`):
refused while a launch lacks something, unless a change manager overrides with a
reason (each override opens an improvement suggestion). The desk — agents, team leads,
change managers and administrators — edits releases; managers read them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog import acceptance
from catalog.models import Lifecycle
from itsm.base import roles
from itsm.choices import EventKind
from itsm.models import TicketEvent

from .choices import ChangeStatus
from .choices import ReleaseStatus as S
from .models import Change, Release

# Where a release may go from each status.
MOVES: dict[str, frozenset[str]] = {
    S.PLANNED: frozenset({S.IN_PROGRESS}),
    S.IN_PROGRESS: frozenset({S.DEPLOYED, S.ROLLED_BACK}),
    S.DEPLOYED: frozenset(),
    S.ROLLED_BACK: frozenset(),
}
FIELDS = ("name", "planned_date", "notes", "owner_team")
# A release is deployed only with changes past their authorisation.
UNAUTHORISED = (ChangeStatus.NEW, ChangeStatus.ASSESSMENT, ChangeStatus.AUTHORIZATION)


def may_edit(user) -> bool:
    return roles.is_worker(user)


def _require_editor(actor) -> None:
    if not may_edit(actor):
        raise PermissionDenied(_("Your role may read releases but not change them."))


def _require_open(release: Release) -> None:
    if release.status in (S.DEPLOYED, S.ROLLED_BACK):
        raise ValidationError({"status": _("Release %(name)s is %(status)s: it changes no "
                                           "more.") % {"name": release.name,
                                                       "status": release.get_status_display()
                                                       .lower()}})


def _save(release: Release, launches: Iterable | None) -> Release:
    release.full_clean(exclude=["created_by", "status", "deployed_at"])
    try:
        with transaction.atomic():
            release.save()
            if launches is not None:
                release.launches.set(launches)
    except IntegrityError as exc:  # the name was taken between the check and the save
        raise ValidationError({"name": _("A release with this name exists already.")}) from exc
    return release


def create_release(*, actor, name: str, planned_date, notes: str = "", owner_team=None,
                   launches: Iterable = ()) -> Release:
    _require_editor(actor)
    return _save(Release(name=(name or "").strip(), planned_date=planned_date, notes=notes,
                         owner_team=owner_team, created_by=actor), list(launches))


def update_release(release: Release, *, actor, launches: Iterable | None = None,
                   **fields: Any) -> Release:
    """Edit a release's name, date, notes, owner team and launches (None: keep); a
    deployed or rolled-back release is a record and stays as it was."""
    _require_editor(actor)
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise ValueError(f"not a release field: {sorted(unknown)}")
    _require_open(release)
    for name, value in fields.items():
        setattr(release, name, value.strip() if name == "name" else value)
    return _save(release, None if launches is None else list(launches))


def add_change(release: Release, change: Change, *, actor, when=None) -> Change:
    """Put a change into the release (a change belongs to one release at most); an
    event on the change."""
    _require_editor(actor)
    _require_open(release)
    if change.status == ChangeStatus.CANCELLED:
        raise ValidationError({"change": _("%(number)s was cancelled.")
                               % {"number": change.number}})
    with transaction.atomic():
        current = Change.objects.select_for_update().only("pk", "release").get(pk=change.pk)
        if current.release_id == release.pk:
            return change
        if current.release_id is not None:
            raise ValidationError({"change": _("%(number)s belongs to release %(release)s "
                                               "already; take it out of that one first.")
                                   % {"number": change.number,
                                      "release": current.release.name}})
        _move(change, release, actor=actor, when=when)
    return change


def remove_change(release: Release, change: Change, *, actor, when=None) -> Change:
    _require_editor(actor)
    _require_open(release)
    with transaction.atomic():
        current = Change.objects.select_for_update().only("pk", "release").get(pk=change.pk)
        if current.release_id != release.pk:
            raise ValidationError({"change": _("%(number)s is not in this release.")
                                   % {"number": change.number}})
        _move(change, None, actor=actor, when=when, old=release)
    return change


def _move(change: Change, release: Release | None, *, actor, when, old=None) -> None:
    Change.objects.filter(pk=change.pk).update(release=release)
    change.release = release
    TicketEvent.objects.create(ticket_id=change.pk, actor=actor, kind=EventKind.FIELD,
                               field="release", old_value=old.name[:255] if old else "",
                               new_value=release.name[:255] if release else "",
                               created_at=when or timezone.now())


def set_status(release: Release, status: str, *, actor, override_reason: str = "",
               when=None) -> Release:
    """Move the release on (see `MOVES`; ValidationError naming `status` otherwise).
    Deployed: stamped, and each launch not live yet goes live through its operational
    acceptance — one refusal (naming `status`) refuses the whole deployment."""
    _require_editor(actor)
    when = when or timezone.now()
    with transaction.atomic():
        release = Release.objects.select_for_update().get(pk=release.pk)
        targets = MOVES.get(release.status, frozenset())
        if not targets:
            _require_open(release)
        if status not in targets:
            raise ValidationError({"status": _(
                "A release that is %(status)s moves on only to: %(allowed)s.") % {
                "status": release.get_status_display().lower(),
                "allowed": ", ".join(str(S(target).label).lower()
                                     for target in sorted(targets))}})
        if status == S.DEPLOYED:
            unready = list(release.changes.filter(status__in=UNAUTHORISED)
                           .order_by("number").values_list("number", flat=True))
            if unready:
                raise ValidationError({"status": _(
                    "%(numbers)s must be authorised before the release is deployed.")
                    % {"numbers": ", ".join(unready)}})
        if status == S.DEPLOYED:
            for service in release.launches.exclude(lifecycle=Lifecycle.LIVE).order_by("name"):
                acceptance.check_live(service, actor=actor, override_reason=override_reason,
                                      field="status")
                acceptance.go_live(service, actor=actor, override_reason=override_reason)
            release.deployed_at = when
        release.status = status
        release.save(update_fields=["status", "deployed_at"])
    return release


def launches_with_checks(release: Release) -> list[tuple[Any, list[acceptance.Check]]]:
    """The services the release brings live, each with its acceptance checklist."""
    services = list(release.launches.order_by("name"))
    checks = acceptance.checklists(services)
    return [(service, checks.get(service.pk, [])) for service in services]
