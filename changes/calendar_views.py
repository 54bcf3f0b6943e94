"""The change calendar's pages: the calendar (month, week, list), its iCalendar feed
behind a per-person secret link, and on a change's page its conflicts with the next
free slot and the button that moves it there."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from itsm.base import roles
from itsm.base.concurrency import StaleVersion
from itsm.base.views import require_worker, staff_page
from itsm.choices import TicketKind
from itsm.models import Ticket

from . import calendar, conflicts, services
from .choices import ChangeStatus, ChangeType
from .forms import CalendarFilterForm
from .models import Change, ChangeApproval

# How many changes a day of the month shows before "+ n more" (the week shows all).
MONTH_CELL = 4
LEGEND = (ChangeStatus.AUTHORIZATION, ChangeStatus.SCHEDULED, ChangeStatus.IMPLEMENTING)


def _entry(change: Change, found: list) -> dict[str, Any]:
    return {"change": change, "conflicts": found, "number": change.number,
            "status_label": ChangeStatus(change.status).label,
            "emergency": change.change_type == ChangeType.EMERGENCY}


@require_GET
@staff_page
def calendar_page(request: HttpRequest) -> HttpResponse:
    """The booked changes (awaiting authorisation, scheduled, implementing), releases
    and freezes of a month, a week or as a list; the filters stay across the views."""
    form = CalendarFilterForm(request.GET)
    filters = form.filters()
    view = form.cleaned_data.get("view") or "month"
    today = timezone.localdate()
    day = form.cleaned_data.get("date") or today
    first, last, previous, following = calendar.span_of(view, day)
    start, end = calendar.local_midnight(first), calendar.local_midnight(last)

    changes = calendar.booked_changes(request.user, start, end, filters)
    found = conflicts.conflicts_for(changes)
    entries = [_entry(change, found.get(change.pk, [])) for change in changes]
    mine = {approval.change_id: approval for approval in
            ChangeApproval.objects.for_user(request.user).pending()
            .filter(change__in=[change.pk for change in changes]).select_related("stage")}
    releases = calendar.releases_in(request.user, first, last, filters)
    freezes = calendar.freezes_in(request.user, start, end, filters)
    params = filters.params()

    def link(**changes: Any) -> str:
        query = {**params, "view": view, "date": day.isoformat(), **changes}
        return "?" + urlencode({name: value for name, value in query.items() if value})

    context: dict[str, Any] = {
        "form": form, "view": view, "day": day, "today": today, "first": first,
        "last": last - timedelta(days=1), "entries": entries, "releases": releases,
        "freezes": freezes, "legend": [(status, ChangeStatus(status).label)
                                       for status in LEGEND],
        "links": {"previous": link(date=previous.isoformat()),
                  "next": link(date=following.isoformat()),
                  "today": link(date=today.isoformat()),
                  **{name: link(view=name) for name in calendar.VIEWS}},
        "conflicted": sum(1 for entry in entries if entry["conflicts"]),
        "filters_set": filters.is_set, "here": link(),
        # What waits for my decision among what is shown: decided from here.
        "to_decide": [{**entry, "approval": mine[entry["change"].pk]} for entry in entries
                      if entry["change"].pk in mine],
    }
    if view == "month":
        context["weeks"] = _month(day, entries, releases, freezes, link)
    elif view == "week":
        context.update(_week(request, day, entries, freezes, filters, link))
    else:
        context["rows"] = _rows(entries, releases, freezes)
    feed = getattr(request.user, "change_calendar_feed", None)
    context["feed_url"] = calendar.feed_url(feed, filters) if feed else ""
    return render(request, "changes/calendar.html", context)


def _month(day: date, entries, releases, freezes, link) -> list[list[dict[str, Any]]]:
    """The month's weeks of days, each with its changes, releases and freezes."""
    weeks_shown = calendar.month_weeks(day)
    shown_from, shown_to = weeks_shown[0][0], weeks_shown[-1][-1]
    by_day: dict[date, list] = defaultdict(list)
    for entry in entries:
        change = entry["change"]
        first = timezone.localtime(change.planned_start).date()
        # A window that ends at midnight does not take the next day.
        last = timezone.localtime(change.planned_end - timedelta(microseconds=1)).date()
        current = max(first, shown_from)  # only the days the month shows
        while current <= min(last, shown_to):
            by_day[current].append({**entry, "starts": current == first,
                                    "ends": current == last})
            current += timedelta(days=1)
    released = defaultdict(list)
    for release in releases:
        released[release.planned_date].append(release)
    weeks = []
    for week in weeks_shown:
        cells = []
        for current in week:
            shown = by_day.get(current, [])
            frozen = [{"freeze": freeze, "named": current == week[0] or timezone.localtime(
                          freeze.starts_at).date() >= current}
                      for freeze in freezes
                      if calendar.day_share(current, freeze.starts_at, freeze.ends_at)]
            cells.append({"date": current, "in_month": current.month == day.month,
                          "entries": shown[:MONTH_CELL], "more": len(shown) - MONTH_CELL,
                          "releases": released.get(current, []), "freezes": frozen,
                          "week_link": link(view="week", date=current.isoformat())})
        weeks.append(cells)
    return weeks


def _week(request, day: date, entries, freezes, filters, link) -> dict[str, Any]:
    """Seven columns of the day's hours: the changes as blocks in side-by-side lanes,
    freezes and (for a chosen service or CI) maintenance windows behind them."""
    days = calendar.week_days(day)
    start = calendar.local_midnight(days[0])
    end = calendar.local_midnight(days[-1] + timedelta(days=1))
    windows = calendar.maintenance_of(request.user, filters)
    columns = []
    for current in days:
        shown = []
        for entry in entries:
            share = calendar.day_share(current, entry["change"].planned_start,
                                       entry["change"].planned_end)
            if share:
                shown.append((entry, share))
        placed = calendar.lanes([(entry["change"].planned_start,
                                  entry["change"].planned_end) for entry, _s in shown])
        blocks = [{**entry, "top": share[0], "height": share[1],
                   "left": round(lane * 100 / count, 3), "width": round(100 / count, 3)}
                  for (entry, share), (lane, count) in zip(shown, placed, strict=True)]
        bands = [{"freeze": freeze, "share": share} for freeze in freezes
                 if (share := calendar.day_share(current, freeze.starts_at, freeze.ends_at))]
        opens = []
        for window in windows:
            for slot_start, slot_end in window.openings(start, end):
                if share := calendar.day_share(current, slot_start, slot_end):
                    opens.append({"window": window, "share": share})
        columns.append({"date": current, "blocks": blocks, "freezes": bands,
                        "maintenance": opens,
                        "day_link": link(view="list", date=current.isoformat())})
    return {"columns": columns, "hours": range(0, 24, 2), "maintenance": windows}


def _rows(entries, releases, freezes) -> list[dict[str, Any]]:
    """One chronological list of the changes, releases and freezes."""
    rows = [{"kind": "change", "at": entry["change"].planned_start, **entry}
            for entry in entries]
    rows += [{"kind": "release", "at": calendar.local_midnight(release.planned_date),
              "release": release} for release in releases]
    rows += [{"kind": "freeze", "at": freeze.starts_at, "freeze": freeze}
             for freeze in freezes]
    return sorted(rows, key=lambda row: row["at"])


@require_POST
@staff_page
def regenerate_feed(request: HttpRequest) -> HttpResponse:
    """Make (or remake) the person's secret feed link; a remade one ends the old."""
    had = hasattr(request.user, "change_calendar_feed")
    if had:
        calendar.regenerate_feed(request.user)
        messages.success(request, _("A new calendar link is made; the old one no longer "
                                    "works."))
    else:
        calendar.feed_for(request.user)
        messages.success(request, _("Your calendar link is ready."))
    back = request.POST.get("next", "")  # the calendar's filters, to come back to them
    query = back if back.startswith("?") and "\n" not in back and "\\" not in back else ""
    return redirect(reverse("changes:calendar") + query)


@require_GET
def calendar_feed(request: HttpRequest) -> HttpResponse:
    """`calendar.ics?key=…`: the calendar for a calendar application, which sends no
    session; the key is the person's, and an unknown or replaced one is a 404."""
    owner = calendar.feed_owner(request.GET.get("key", ""))
    if owner is None:
        raise Http404
    form = CalendarFilterForm(request.GET)
    changes = calendar.feed_changes(owner, form.filters())
    response = HttpResponse(calendar.ical(changes), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="changes.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response


def conflicts_part(request: HttpRequest, ticket: Ticket) -> dict[str, Any] | None:
    """On a change's desk page: what its window collides with, and, while it may still
    move, the first free window with a button that moves it there."""
    if ticket.kind != TicketKind.CHANGE:
        return None
    change = ticket if isinstance(ticket, Change) else Change.objects.get(pk=ticket.pk)
    if not (change.planned_start and change.planned_end):
        return None
    found = conflicts.conflicts_of(change)
    movable = services.movable(change)
    slot = conflicts.next_free_slot(change) if found and movable else None
    return {"change": change, "conflicts": found, "slot": slot,
            "may_move": movable and roles.is_worker(request.user)}


@require_POST
@staff_page
def next_slot(request: HttpRequest, number: str) -> HttpResponse:
    """Move the change to its next free slot (an edit, with its history)."""
    require_worker(request)
    change = get_object_or_404(Change.objects.visible_to(request.user), number=number)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = None
    try:
        slot = services.move_to_next_slot(change, actor=request.user,
                                          expected_version=version)
    except StaleVersion:
        messages.error(request, _("This change was changed by someone else since you "
                                  "opened it; nothing was moved. Look again."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if slot is None:
            messages.error(request, _("No free window in the next 90 days: nothing was "
                                      "moved."))
        else:
            messages.success(request, _("%(number)s is moved to %(when)s.") % {
                "number": change.number, "when": conflicts.window_label(*slot)})
    return redirect("changes:detail", number=change.number)
