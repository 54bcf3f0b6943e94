"""What a change's planned window collides with, and the next window that is free.

Five kinds of conflict (`ConflictKind`):

- overlap: another booked change (awaiting authorisation, scheduled or implementing)
  on one of its CIs or services at a time that overlaps its window;
- related: such a change on a CI one relation away from one of its CIs, either way
  (what it depends on or runs on, and what depends on or runs on it);
- freeze: its window falls in a freeze, global or of one of its services;
- maintenance: a CI or service of it has maintenance windows and none covers its
  window;
- double_booked: someone who works it (its assignee, or the assignee of one of its
  tasks, at the task's time or else the change's) is booked on another change or one
  of its tasks at the same time.

Windows are half-open: a change that ends at 10:00 and one that starts at 10:00 do not
overlap. Everything is read by a `Board` once for a span of time, a bounded number of
queries however many changes it holds; the checks are plain Python over what it read,
so the calendar checks a month of changes, and `next_free_slot` tries thousands of
candidate windows, without another query.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog.models import CIRelation, ConfigurationItem, FreezeWindow, MaintenanceWindow
from catalog.models.windows import covered
from itsm import notifications
from itsm.base import roles
from itsm.base.people import display_name
from itsm.choices import TicketKind
from itsm.models import Notification, Task, TaskStatus

from .choices import ChangeStatus
from .models import Change

# The statuses in which a change holds its window: the calendar shows these, and only
# these can collide with another change.
BOOKED = frozenset({ChangeStatus.AUTHORIZATION, ChangeStatus.SCHEDULED,
                    ChangeStatus.IMPLEMENTING})
OPEN_TASK = (TaskStatus.OPEN, TaskStatus.IN_PROGRESS)


class ConflictKind(models.TextChoices):
    OVERLAP = "overlap", gettext_lazy("Overlapping change")
    RELATED = "related", gettext_lazy("Change on a related CI")
    FREEZE = "freeze", gettext_lazy("Freeze")
    MAINTENANCE = "maintenance", gettext_lazy("Outside the maintenance windows")
    DOUBLE_BOOKED = "double_booked", gettext_lazy("Double-booked")


Other = Change | FreezeWindow | MaintenanceWindow
KINDS_HELP = gettext_lazy("One of overlap, related, freeze, maintenance, double_booked.")


@dataclass(frozen=True)
class Conflict:
    """One thing a change's window collides with: `other` is the change, freeze or
    maintenance window it collides with (None: nothing to link to)."""

    kind: str
    message: str
    other: Other | None = None
    # Who is double-booked (a user id), and the moment the change would have to start
    # at or after to clear this conflict (None: no such moment, e.g. a maintenance
    # window): `next_free_slot` jumps there.
    who: int | None = field(default=None, compare=False)
    until: datetime | None = field(default=None, compare=False, repr=False)

    @property
    def key(self) -> str:
        """What identifies the conflict whatever the language of its message."""
        other = f"{type(self.other).__name__}:{self.other.pk}" if self.other else ""
        return f"{self.kind}:{other}:{self.who or ''}"

    @property
    def label(self) -> str:
        return str(ConflictKind(self.kind).label)


def signature(found: Iterable[Conflict]) -> str:
    """A digest of a set of conflicts ("" for none): whether it is one already told."""
    keys = sorted({conflict.key for conflict in found})
    return hashlib.sha256("\n".join(keys).encode()).hexdigest() if keys else ""


def overlaps(start: datetime, end: datetime, other_start: datetime, other_end: datetime
             ) -> bool:
    return start < other_end and other_start < end


def window_label(start: datetime, end: datetime) -> str:
    """A window as people read it, in the desk's time zone."""
    start, end = timezone.localtime(start), timezone.localtime(end)
    if start.date() == end.date():
        return f"{formats.date_format(start, 'SHORT_DATETIME_FORMAT')}–" \
               f"{formats.time_format(end, 'TIME_FORMAT')}"
    return f"{formats.date_format(start, 'SHORT_DATETIME_FORMAT')} – " \
           f"{formats.date_format(end, 'SHORT_DATETIME_FORMAT')}"


def window_slot(window: MaintenanceWindow) -> str:
    """A maintenance window's weekly slot, e.g. "Saturday, Sunday 22:00–02:00"."""
    closes = datetime.combine(datetime.min, window.start_time) + timedelta(
        minutes=window.duration_minutes)
    return f"{window.weekday_names} {window.start_time:%H:%M}–{closes:%H:%M}"


@dataclass(frozen=True)
class Booking:
    """A person's time on a change: as its assignee (no task), or on one of its tasks."""

    person: int
    change_id: int
    start: datetime
    end: datetime
    task: str = ""  # the task's number
    # Where the task sits in the change's window when the change moves: its start minus
    # the change's (None: it has no time of its own and takes the change's window).
    offset: timedelta | None = None
    length: timedelta | None = None


class Board:
    """What is booked around some changes (the `subjects`), read once.

    `Board(changes)` reads the subjects' tasks; `load(start, end)` reads every booked
    change, task, freeze, maintenance window and CI relation the subjects' windows
    (and [start, end), for a search) may meet. Then `conflicts(change, start, end)`
    checks a window of any subject without a query.
    """

    def __init__(self, changes: Iterable[Change]) -> None:
        self.subjects = {change.pk: change for change in changes}
        self.tasks: dict[int, list[Booking]] = defaultdict(list)
        rows = (Task.objects.filter(parent_id__in=list(self.subjects), status__in=OPEN_TASK,
                                    assignee__isnull=False)
                .order_by("pk").values_list("parent_id", "number", "assignee_id",
                                            "planned_start", "planned_end"))
        for parent_id, number, person, start, end in rows:
            change = self.subjects[parent_id]
            timed = start is not None and end is not None and end > start
            anchor = change.planned_start
            self.tasks[parent_id].append(Booking(
                person=person, change_id=parent_id, start=start, end=end, task=number,
                offset=(start - anchor) if timed and anchor else None,
                length=(end - start) if timed else None))

    def reach(self, change: Change, start: datetime, end: datetime
              ) -> tuple[datetime, datetime]:
        """[start, end) widened by where the change's timed tasks fall when it starts
        at `start`."""
        lo, hi = start, end
        for booking in self.tasks.get(change.pk, ()):
            if booking.offset is not None:
                lo = min(lo, start + booking.offset)
                hi = max(hi, start + booking.offset + booking.length)
        return lo, hi

    def load(self, start: datetime | None = None, end: datetime | None = None) -> Board:
        spans = [(start, end)] if start and end else []
        for change in self.subjects.values():
            if change.planned_start and change.planned_end:
                spans.append(self.reach(change, change.planned_start, change.planned_end))
        self.span = (min(s for s, _e in spans), max(e for _s, e in spans)) if spans else None
        if self.span is None:
            self.others, self.freezes, self.windows = [], [], {}
            self.scope, self.neighbours, self.bookings, self.names = {}, {}, {}, {}
            self.people = {}
            return self
        lo, hi = self.span
        self.others = list(
            Change.objects.filter(status__in=BOOKED, planned_start__lt=hi, planned_end__gt=lo)
            .only("number", "title", "kind", "status", "change_type", "planned_start",
                  "planned_end", "service_id", "configuration_item_id", "assignee_id")
            .order_by("planned_start", "pk"))
        known = {change.pk: change for change in self.others} | self.subjects
        self.scope = self._scope(known)
        self._read_bookings(lo, hi, known)
        cis = set().union(*(self.scope[pk][0] for pk in self.subjects))
        services = set().union(*(self.scope[pk][1] for pk in self.subjects))
        self.freezes = list(FreezeWindow.objects.overlapping(lo, hi).select_related("service")
                            .order_by("starts_at", "pk"))
        self.windows: dict[tuple[str, int], list[MaintenanceWindow]] = defaultdict(list)
        for window in (MaintenanceWindow.objects.filter(
                Q(configuration_item_id__in=cis) | Q(service_id__in=services))
                .select_related("service", "configuration_item").order_by("pk")):
            subject = (("ci", window.configuration_item_id) if window.configuration_item_id
                       else ("service", window.service_id))
            self.windows[subject].append(window)
        self.neighbours: dict[int, set[int]] = defaultdict(set)
        for source, target in CIRelation.objects.filter(
                Q(source_id__in=cis) | Q(target_id__in=cis)).values_list("source_id",
                                                                          "target_id"):
            self.neighbours[source].add(target)
            self.neighbours[target].add(source)
        named = cis | set().union(*self.neighbours.values()) if self.neighbours else cis
        self.names = dict(ConfigurationItem.objects.filter(pk__in=named)
                          .values_list("pk", "name")) if named else {}
        return self

    def _scope(self, changes: dict[int, Change]) -> dict[int, tuple[set[int], set[int]]]:
        """Each change's CIs and services: its own, and those it names besides."""
        scope = {pk: ({change.configuration_item_id} - {None}, {change.service_id} - {None})
                 for pk, change in changes.items()}
        for through, column, index in ((Change.affected_cis.through, "configurationitem_id", 0),
                                       (Change.affected_services.through, "service_id", 1)):
            for change_id, related in through.objects.filter(
                    change_id__in=list(changes)).values_list("change_id", column):
                scope[change_id][index].add(related)
        return scope

    def _read_bookings(self, lo: datetime, hi: datetime, known: dict[int, Change]) -> None:
        """Who is booked when on the booked changes: their assignees for the change's
        window, the assignees of their open tasks for the task's time (else the
        change's)."""
        self.bookings: dict[int, list[Booking]] = defaultdict(list)
        for change in self.others:
            if change.assignee_id:
                self.bookings[change.assignee_id].append(Booking(
                    change.assignee_id, change.pk, change.planned_start, change.planned_end))
        parent = "parent__change__"
        rows = (Task.objects.filter(status__in=OPEN_TASK, assignee__isnull=False,
                                    **{f"{parent}status__in": BOOKED})
                .filter(Q(planned_start__lt=hi, planned_end__gt=lo)
                        | Q(planned_start__isnull=True, **{f"{parent}planned_start__lt": hi,
                                                          f"{parent}planned_end__gt": lo}))
                .order_by("pk").values_list("parent_id", "number", "assignee_id",
                                            "planned_start", "planned_end",
                                            f"{parent}planned_start", f"{parent}planned_end"))
        missing = set()
        for parent_id, number, person, start, end, change_start, change_end in rows:
            if start is None or end is None:
                start, end = change_start, change_end
            self.bookings[person].append(Booking(person, parent_id, start, end, task=number))
            if parent_id not in known:
                missing.add(parent_id)
        if missing:  # a task booked in the span on a change booked outside it
            for change in Change.objects.filter(pk__in=missing).only(
                    "number", "title", "kind", "status", "planned_start", "planned_end"):
                known[change.pk] = change
        self.changes = known
        people = {booking.person for bookings in self.tasks.values() for booking in bookings}
        people |= {change.assignee_id for change in self.subjects.values() if change.assignee_id}
        people &= set(self.bookings)
        self.people = {}
        if people:
            for pk, *names in get_user_model().objects.filter(pk__in=people).values_list(
                    "pk", "username", "first_name", "last_name"):
                self.people[pk] = display_name(*names)

    # --- the checks (no queries) ---------------------------------------------------

    def conflicts(self, change: Change, start: datetime | None = None,
                  end: datetime | None = None) -> list[Conflict]:
        """The conflicts of `change` (a subject) if it ran [start, end) (default: its
        planned window)."""
        start = start or change.planned_start
        end = end or change.planned_end
        if start is None or end is None or end <= start or self.span is None:
            return []
        cis, services = self.scope.get(change.pk, (set(), set()))
        found = self._changes(change, start, end, cis, services)
        found += self._freezes(change, start, end, services)
        found += self._maintenance(start, end, cis, services)
        found += self._double_booked(change, start, end)
        return found

    def _changes(self, change: Change, start, end, cis, services) -> list[Conflict]:
        near = set().union(*(self.neighbours.get(ci, set()) for ci in cis)) - cis if cis \
            else set()
        found = []
        for other in self.others:
            if other.pk == change.pk or not overlaps(start, end, other.planned_start,
                                                     other.planned_end):
                continue
            other_cis, other_services = self.scope[other.pk]
            window = window_label(other.planned_start, other.planned_end)
            shared = (cis & other_cis) or (services & other_services)
            if shared:
                found.append(Conflict(ConflictKind.OVERLAP, _(
                    "%(number)s “%(title)s” works on the same %(what)s at %(when)s.") % {
                    "number": other.number, "title": other.title, "when": window,
                    "what": _("configuration item") if cis & other_cis else _("service")},
                    other, until=other.planned_end))
            elif near & other_cis:
                names = ", ".join(sorted(self.names.get(ci, "?") for ci in near & other_cis))
                found.append(Conflict(ConflictKind.RELATED, _(
                    "%(number)s “%(title)s” works on %(cis)s, related to this change's "
                    "CIs, at %(when)s.") % {"number": other.number, "title": other.title,
                                            "cis": names, "when": window},
                    other, until=other.planned_end))
        return found

    def _freezes(self, change: Change, start, end, services) -> list[Conflict]:
        found = []
        for freeze in self.freezes:
            if freeze.service_id is not None and freeze.service_id not in services:
                continue
            if not overlaps(start, end, freeze.starts_at, freeze.ends_at):
                continue
            values = {"name": freeze.name, "when": window_label(freeze.starts_at, freeze.ends_at),
                      "service": freeze.service.name if freeze.service_id else ""}
            message = (_("In the freeze “%(name)s” of %(service)s (%(when)s).") if
                       freeze.service_id else _("In the freeze “%(name)s” (%(when)s).")) % values
            if change.freeze_override.strip():
                message += " " + _("Overridden: %(reason)s") % {
                    "reason": change.freeze_override.strip()}
            found.append(Conflict(ConflictKind.FREEZE, message, freeze, until=freeze.ends_at))
        return found

    def _maintenance(self, start, end, cis, services) -> list[Conflict]:
        found = []
        for subject in [("ci", ci) for ci in sorted(cis)] + [("service", s)
                                                            for s in sorted(services)]:
            windows = self.windows.get(subject)
            if not windows or covered(windows, start, end):
                continue
            what = (self.names.get(subject[1], "?") if subject[0] == "ci"
                    else windows[0].service.name)
            slots = "; ".join(window_slot(window) for window in windows)
            found.append(Conflict(ConflictKind.MAINTENANCE, _(
                "Not inside a maintenance window of %(what)s (%(slots)s).") % {
                "what": what, "slots": slots}, windows[0]))
        return found

    def _double_booked(self, change: Change, start, end) -> list[Conflict]:
        mine = [Booking(change.assignee_id, change.pk, start, end)] if change.assignee_id \
            else []
        for task in self.tasks.get(change.pk, ()):
            if task.offset is None:
                mine.append(Booking(task.person, change.pk, start, end, task.task))
            else:
                moved = start + task.offset
                mine.append(Booking(task.person, change.pk, moved, moved + task.length,
                                    task.task, task.offset, task.length))
        found, seen = [], set()
        for booking in mine:
            for other in self.bookings.get(booking.person, ()):
                if other.change_id == change.pk or (booking.person, other.change_id) in seen:
                    continue
                if not overlaps(booking.start, booking.end, other.start, other.end):
                    continue
                seen.add((booking.person, other.change_id))
                parent = self.changes.get(other.change_id)
                on = f"{other.task} ({parent.number})" if other.task and parent else (
                    parent.number if parent else other.task)
                found.append(Conflict(ConflictKind.DOUBLE_BOOKED, _(
                    "%(person)s is booked on %(on)s at %(when)s as well.") % {
                    "person": self.people.get(booking.person, "?"), "on": on,
                    "when": window_label(other.start, other.end)}, parent, who=booking.person,
                    until=other.end - (booking.start - start)))
        return found


def conflicts_of(change: Change, start: datetime | None = None,
                 end: datetime | None = None) -> list[Conflict]:
    """What `change` collides with in its planned window, or in [start, end)."""
    start, end = start or change.planned_start, end or change.planned_end
    if start is None or end is None:
        return []
    board = Board([change])
    return board.load(*board.reach(change, start, end)).conflicts(change, start, end)


def conflicts_for(changes: Iterable[Change]) -> dict[int, list[Conflict]]:
    """Each change's conflicts in its planned window, read together (the calendar, a
    list of the API): the same queries for one change or a month of them."""
    changes = [change for change in changes if change.planned_start and change.planned_end]
    if not changes:
        return {}
    board = Board(changes).load()
    return {change.pk: board.conflicts(change) for change in changes}


def next_free_slot(change: Change, *, after: datetime | None = None, days: int = 90,
                   step: timedelta = timedelta(minutes=30)
                   ) -> tuple[datetime, datetime] | None:
    """The earliest window as long as the change's planned one, starting no earlier
    than now (or `after`) and within `days`, with no conflict; None if there is none.

    Candidates are the steps of a grid from the first moment, the openings of the
    maintenance windows that govern the change, and the moments that end whatever a
    candidate collided with (a change, a freeze, a booking), jumped to directly.
    """
    if not (change.planned_start and change.planned_end):
        return None
    length = change.planned_end - change.planned_start
    now = timezone.now()
    first = max(now, after or change.planned_start)
    # On the grid of `step` from the hour, so proposals read 10:30, not 10:17.
    hour = first.replace(minute=0, second=0, microsecond=0)
    first = hour + step * -(-(first - hour) // step)
    last = first + timedelta(days=days)
    board = Board([change])
    lo, _hi = board.reach(change, first, first + length)
    _lo, hi = board.reach(change, last, last + length)
    board.load(lo, hi)
    cis, services = board.scope[change.pk]
    openings = sorted({opens for subject in [*(("ci", ci) for ci in cis),
                                             *(("service", s) for s in services)]
                       for window in board.windows.get(subject, ())
                       for opens, _closes in window.openings(first, last + length)
                       if first <= opens <= last})
    moment = first
    while moment <= last:
        found = board.conflicts(change, moment, moment + length)
        if not found:
            return moment, moment + length
        index = bisect_right(openings, moment)
        if any(conflict.kind == ConflictKind.MAINTENANCE for conflict in found):
            # Nothing starting before the next opening is covered (a slot it started in
            # is too short from here on): go to that opening.
            if index == len(openings):
                return None
            ahead = openings[index]
        else:
            ahead = first + step * ((moment - first) // step + 1)  # the grid's next step
            if index < len(openings):
                ahead = min(ahead, openings[index])
        # A conflict with an end holds for every start before it: go there at once.
        jumps = [conflict.until for conflict in found if conflict.until is not None]
        if jumps:
            ahead = max(ahead, *jumps)
        moment = ahead
    return None


# --- scheduling checks -------------------------------------------------------------


def frozen_for(start, end, service_ids: Iterable[int | None]) -> list[FreezeWindow]:
    """The freezes [start, end) falls in: global ones and those of the services."""
    if not (start and end) or end <= start:
        return []
    ids = [pk for pk in service_ids if pk is not None]
    return list(FreezeWindow.objects.overlapping(start, end).applying_to(ids)
                .order_by("starts_at", "pk")[:5])


def check_freeze(start, end, service_ids: Iterable[int | None], override: str) -> None:
    """A window in a freeze needs the reason for the override; without one it is
    refused, the freeze named."""
    if (override or "").strip():
        return
    frozen = frozen_for(start, end, service_ids)
    if frozen:
        raise ValidationError({"freeze_override": _(
            "%(when)s falls in the freeze %(names)s: choose another window, or give the "
            "reason it must run then.") % {
            "when": window_label(start, end),
            "names": ", ".join(f"“{freeze.name}”" for freeze in frozen)}})


def service_ids_of(change: Change) -> set[int]:
    ids = set(change.affected_services.values_list("pk", flat=True)) if change.pk else set()
    return ids | ({change.service_id} if change.service_id else set())


@notifications.telling
def tell_conflicts(change: Change, *, actor=None) -> list[Notification]:
    """Tell the change managers of the change's conflicts, once per set: an unchanged
    set is not told again, and a set that cleared is told anew when it returns."""
    found = conflicts_of(change)
    digest = signature(found)
    if digest == change.conflicts_told:
        return []
    Change.objects.filter(pk=change.pk).update(conflicts_told=digest)
    change.conflicts_told = digest
    if not found:
        return []
    people = notifications.people_of(roles.holders(roles.CHANGE_MANAGER), besides=actor)
    return notifications.tell(people, change, Notification.Kind.CHANGE_CONFLICT,
                              template="changes/email/conflicts.txt", conflicts=found)


def follow(ticket, transition, actor, moment: datetime) -> None:
    """A registry follower: a change that is scheduled (authorised, or a standard one
    scheduled) has its conflicts told."""
    if ticket.kind != TicketKind.CHANGE or transition.target != ChangeStatus.SCHEDULED:
        return
    change = ticket if isinstance(ticket, Change) else Change.objects.get(pk=ticket.pk)
    tell_conflicts(change, actor=actor)


def describe(conflict: Conflict) -> dict[str, Any]:
    """A conflict as the API shows it: its kind, message and what it collides with."""
    other = conflict.other
    if isinstance(other, Change):
        shown = {"type": "change", "number": other.number, "title": other.title}
    elif isinstance(other, FreezeWindow):
        shown = {"type": "freeze_window", "id": other.pk, "name": other.name}
    elif isinstance(other, MaintenanceWindow):
        shown = {"type": "maintenance_window", "id": other.pk, "name": other.name}
    else:
        shown = None
    return {"kind": conflict.kind, "message": conflict.message, "other": shown}
