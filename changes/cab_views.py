"""The CAB's desk pages: its meetings (upcoming and past), one meeting with its agenda
and what it decided, the agenda to print, a new meeting or schedule, and the CAB part
of a change's page. Every desk role reads; change managers run the meetings. Views
parse and check; `changes.cab` writes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from itsm.base import roles
from itsm.base.forms import apply_errors
from itsm.base.views import staff_page

from . import cab
from .cab_forms import MeetingForm, MinutesForm, OutcomeForm, ScheduleForm, desk_people
from .choices import AgendaOutcome, MeetingStatus
from .models import AgendaItem, CabMeeting, CabSchedule, Change

PAST_SHOWN = 30
CHANGE_FIELDS = ("change__number", "change__title", "change__kind", "change__status",
                 "change__change_type", "change__risk", "change__planned_start",
                 "change__planned_end", "change__service__name", "change__service__code")


def _require_runner(request: HttpRequest) -> None:
    if not cab.may_run(request.user):
        raise PermissionDenied(_("Only change managers run CAB meetings."))


def _meeting(request: HttpRequest, pk: int) -> CabMeeting:
    return get_object_or_404(CabMeeting.objects.visible_to(request.user)
                             .select_related("chair", "schedule"), pk=pk)


def _attempt(request: HttpRequest, act: Callable[[], Any], said: str) -> bool:
    try:
        act()
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", None) or [str(exc)]))
        return False
    messages.success(request, said)
    return True


def agenda_of(meeting: CabMeeting) -> list[AgendaItem]:
    """The meeting's agenda with what each row shows of its change (one query)."""
    items = list(meeting.agenda.select_related("change__service")
                 .only("pk", "position", "outcome", "note", "meeting_id", *CHANGE_FIELDS)
                 .order_by("position", "pk"))
    for item in items:
        item.outcome_label = outcome_label(item.outcome)
    return items


def outcome_label(value: str) -> str:
    """An agenda item's outcome as the reader's language says it (blank: undecided)."""
    return str(AgendaOutcome(value).label) if value in AgendaOutcome.values else value


@require_GET
@staff_page
def meeting_list(request: HttpRequest) -> HttpResponse:
    """The meetings to come (and those that passed without being held), the last ones
    held or cancelled, and the board's schedules."""
    meetings = (CabMeeting.objects.visible_to(request.user).select_related("chair")
                .annotate(items=Count("agenda")))
    return render(request, "changes/cab/meeting_list.html", {
        "upcoming": list(meetings.filter(status=MeetingStatus.PLANNED).order_by("starts_at")),
        "past": list(meetings.exclude(status=MeetingStatus.PLANNED)
                     .order_by("-starts_at")[:PAST_SHOWN]),
        "schedules": list(CabSchedule.objects.select_related("chair")
                          .annotate(member_count=Count("members"))),
        "runner": cab.may_run(request.user),
        "now": timezone.now(),
    })


@require_GET
@staff_page
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One meeting: when, who, its agenda and what it made of each change, its minutes."""
    return _meeting_page(request, _meeting(request, pk))


def _meeting_page(request: HttpRequest, meeting: CabMeeting, *,
                  minutes_form: MinutesForm | None = None, status: int = 200) -> HttpResponse:
    runner = cab.may_run(request.user)
    attendees = list(meeting.attendees.order_by("first_name", "last_name", "username"))
    return render(request, "changes/cab/meeting.html", {
        "meeting": meeting, "agenda": agenda_of(meeting), "attendees": attendees,
        "attendee_ids": {person.pk for person in attendees},
        "runner": runner, "planned": meeting.status == MeetingStatus.PLANNED,
        "decidable": runner and meeting.status != MeetingStatus.CANCELLED,
        "final": (AgendaOutcome.APPROVED, AgendaOutcome.REJECTED),
        "minutes_form": minutes_form or MinutesForm(initial={"minutes": meeting.minutes}),
        "people": list(desk_people()) if runner and meeting.status == MeetingStatus.PLANNED
        else [],
    }, status=status)


@require_GET
@staff_page
def agenda_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The agenda as the board takes it into the room: a page that prints well."""
    meeting = _meeting(request, pk)
    return render(request, "changes/cab/agenda_print.html", {
        "meeting": meeting, "agenda": agenda_of(meeting),
        "attendees": list(meeting.attendees.order_by("first_name", "last_name", "username")),
        "printed_at": timezone.now(),
    })


@require_http_methods(["GET", "POST"])
@staff_page
def meeting_create(request: HttpRequest) -> HttpResponse:
    """An ad hoc meeting, or an emergency change's emergency CAB."""
    _require_runner(request)
    form = MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["emergency_change"] is not None:
                meeting = cab.call_emergency_cab(
                    data["emergency_change"], actor=request.user, starts_at=data["starts_at"],
                    attendees=data["attendees"], duration_minutes=data["duration_minutes"],
                    location=data["location"])
            else:
                meeting = cab.create_meeting(
                    actor=request.user, title=data["title"], starts_at=data["starts_at"],
                    attendees=data["attendees"], duration_minutes=data["duration_minutes"],
                    location=data["location"], agenda_days=data["agenda_days"])
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and "change" in exc.error_dict:
                exc = ValidationError({"emergency_change": exc.error_dict["change"]})
            apply_errors(form, exc)
        else:
            messages.success(request, _("Meeting “%(title)s” planned.")
                             % {"title": meeting.title})
            return redirect("changes:cab-meeting", pk=meeting.pk)
    return render(request, "changes/cab/form.html", {
        "form": form, "heading": _("New CAB meeting"), "submit": _("Plan meeting")},
        status=400 if form.is_bound else 200)


@require_http_methods(["GET", "POST"])
@staff_page
def schedule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """A board's cadence; saving it plans its meetings four weeks ahead."""
    _require_runner(request)
    schedule = get_object_or_404(CabSchedule, pk=pk) if pk is not None else None
    form = ScheduleForm(request.POST or None, instance=schedule, initial=None if schedule
                        else {"chair": request.user.pk})
    if schedule is not None and not form.is_bound:
        form.initial["members"] = list(schedule.members.values_list("pk", flat=True))
    if request.method == "POST" and form.is_valid():
        try:
            cab.save_schedule(form.save(commit=False), actor=request.user,
                              members=form.cleaned_data["members"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Schedule “%(name)s” saved; its meetings are planned.")
                             % {"name": form.instance.name})
            return redirect("changes:cab")
    return render(request, "changes/cab/form.html", {
        "form": form, "heading": _("CAB schedule") if schedule else _("New CAB schedule"),
        "submit": _("Save schedule")}, status=400 if form.is_bound else 200)


@require_POST
@staff_page
def build(request: HttpRequest, pk: int) -> HttpResponse:
    """Append the changes that wait for this meeting to its agenda."""
    meeting = _meeting(request, pk)
    _require_runner(request)
    try:
        added = cab.build_agenda(meeting, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if added:
            messages.success(request, ngettext(
                "%(count)d change added to the agenda.",
                "%(count)d changes added to the agenda.", len(added)) % {"count": len(added)})
        else:
            messages.info(request, _("No other change waits for this meeting."))
    return redirect("changes:cab-meeting", pk=meeting.pk)


@require_POST
@staff_page
def outcome(request: HttpRequest, pk: int, item: int) -> HttpResponse:
    """What the board made of one change on the agenda."""
    meeting = _meeting(request, pk)
    _require_runner(request)
    entry = get_object_or_404(AgendaItem.objects.select_related("change"), pk=item,
                              meeting=meeting)
    form = OutcomeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve, reject or defer."))
    else:
        chosen = AgendaOutcome(form.cleaned_data["outcome"])
        _attempt(request, lambda: cab.record_outcome(
            entry, actor=request.user, outcome=chosen, note=form.cleaned_data["note"]),
            _("%(number)s: %(outcome)s.") % {"number": entry.change.number,
                                             "outcome": chosen.label})
    return redirect(f"{reverse('changes:cab-meeting', args=[meeting.pk])}#item-{entry.pk}")


@require_POST
@staff_page
def minutes(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the minutes; with `hold`, the meeting is held with them and the attendees
    ticked."""
    meeting = _meeting(request, pk)
    _require_runner(request)
    form = MinutesForm(request.POST)
    if not form.is_valid():
        return _meeting_page(request, meeting, minutes_form=form, status=400)
    text = form.cleaned_data["minutes"]
    if "hold" in request.POST:
        present = desk_people().filter(pk__in=[value for value in request.POST.getlist(
            "attendees") if value.isdigit()][:500])
        try:
            cab.hold(meeting, actor=request.user, minutes=text, attendees=list(present))
        except ValidationError as exc:
            apply_errors(form, exc)
            return _meeting_page(request, meeting, minutes_form=form, status=400)
        messages.success(request, _("The meeting is held; what it left undecided is "
                                    "deferred to the next one."))
    else:
        _attempt(request, lambda: cab.record_minutes(meeting, actor=request.user,
                                                     minutes=text), _("Minutes saved."))
    return redirect("changes:cab-meeting", pk=meeting.pk)


@require_POST
@staff_page
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    _require_runner(request)
    _attempt(request, lambda: cab.cancel(meeting, actor=request.user,
                                         reason=request.POST.get("reason", "")[:2000]),
             _("The meeting is cancelled."))
    return redirect("changes:cab-meeting", pk=meeting.pk)


def change_part(request: HttpRequest, change: Change) -> dict[str, Any]:
    """On a change's page: the meetings it is on with what they made of it, and its
    release."""
    items = list(AgendaItem.objects.filter(change=change)
                 .select_related("meeting").order_by("meeting__starts_at", "pk"))
    for item in items:
        item.outcome_label = outcome_label(item.outcome)
    return {"cab_items": items, "release": change.release if change.release_id else None,
            "cab_worker": roles.is_worker(request.user)}

