"""Problem verbs: open one (from incidents or on its own), link and unlink incidents,
publish the known error, apply its workaround to an incident, resolve the incidents
of a resolved problem, and notice a problem that returns.

Every link is an event on both tickets. Problem management is the desk's work
(agents and team leads); managers read it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.db.models.functions import TruncWeek
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Team
from incidents.choices import OPEN_STATUSES as OPEN_INCIDENT
from incidents.choices import IncidentStatus, ResolutionCode
from incidents.models import Incident
from itsm import notifications, workflow
from itsm.base import roles
from itsm.choices import EventKind, TicketKind
from itsm.models import Notification, Ticket, TicketEvent
from itsm.services import create_ticket, note_link
from knowledge import services as knowledge

from .choices import ProblemStatus
from .models import Problem, ProblemLink

# The problem's text its known-error article is written from.
KNOWN_ERROR_TEXT = ("title", "symptoms", "root_cause", "workaround", "service",
                    "configuration_item")


def _require_worker(actor) -> None:
    if actor is not None and not roles.is_worker(actor):
        raise PermissionDenied(_("Your role may read problems but not work them."))


def create_problem(*, actor, incidents: Iterable[Incident] = (), when=None,
                   **fields: Any) -> Problem:
    """Open a problem (its requester is whoever opened it) and link `incidents` to it;
    from incidents, its service and CI are theirs when they share one."""
    _require_worker(actor)
    incidents = list(incidents)
    if incidents:
        for name in ("service", "configuration_item"):
            shared = {getattr(incident, f"{name}_id") for incident in incidents}
            if fields.get(name) is None and len(shared) == 1 and None not in shared:
                fields[name] = getattr(incidents[0], name)
    with transaction.atomic():
        problem = create_ticket(TicketKind.PROBLEM, actor=actor, requester=actor, when=when,
                                **fields)
        for incident in incidents:
            link(problem, incident, actor=actor, when=when)
    return problem


def link(problem: Problem, incident: Incident, *, actor, when=None) -> ProblemLink:
    """Make `incident` one of the problem's. An incident belongs to one problem at
    most; a closed problem takes no more; an incident linked to a resolved problem
    means the problem returned."""
    _require_worker(actor)
    if incident.kind != TicketKind.INCIDENT:
        raise ValidationError({"incident": _("Only incidents are linked to problems.")})
    if problem.closed_at is not None:
        raise ValidationError({"incident": _("%(number)s is closed; open a new problem.")
                               % {"number": problem.number}})
    existing = (ProblemLink.objects.filter(incident_id=incident.pk)
                .select_related("problem").first())
    if existing is not None:
        if existing.problem_id == problem.pk:
            return existing
        raise ValidationError({"incident": _(
            "%(incident)s belongs to %(problem)s already; unlink it there first.")
            % {"incident": incident.number, "problem": existing.problem.number}})
    when = when or timezone.now()
    try:
        with transaction.atomic():
            made = ProblemLink.objects.create(problem=problem, incident=incident,
                                              linked_by=actor, linked_at=when)
            note_link(incident, problem, actor=actor, first_field="problem",
                      second_field="incident", when=when)
            if problem.resolved_at is not None:
                recurred(problem, incident, when=when)
    except IntegrityError as exc:  # linked elsewhere meanwhile
        raise ValidationError({"incident": _("%(incident)s was linked to another problem "
                                             "meanwhile.") % {"incident": incident.number}}
                              ) from exc
    return made


def unlink(problem: Problem, incident: Incident, *, actor, when=None) -> None:
    _require_worker(actor)
    when = when or timezone.now()
    with transaction.atomic():
        if not ProblemLink.objects.filter(problem=problem, incident_id=incident.pk).delete()[0]:
            raise ValidationError({"incident": _("%(incident)s is not linked to %(problem)s.")
                                   % {"incident": incident.number, "problem": problem.number}})
        note_link(incident, problem, actor=actor, first_field="problem",
                  second_field="incident", when=when, linked=False)


def owner_team_of(problem: Problem) -> Team:
    """Who owns the problem's known-error article: the team working the problem,
    else the service's owners, else the triage team."""
    team = problem.assignment_team or (problem.service.owner_team if problem.service_id
                                       else None)
    return team or Team.objects.triage() or Team.objects.filter(is_active=True).first()


def known_error_body(problem: Problem) -> str:
    """The known-error article's Markdown, from the problem's text."""
    parts = [(_("Symptoms"), problem.symptoms or problem.description),
             (_("Cause"), f"{problem.get_cause_category_display()}. {problem.root_cause}"
              if problem.cause_category else problem.root_cause),
             (_("Workaround"), problem.workaround)]
    body = "\n\n".join(f"## {title}\n\n{text.strip()}" for title, text in parts if text)
    link = f"[{problem.number}]({reverse('problems:detail', args=[problem.number])})"
    return body + "\n\n" + _("Tracked as problem %(number)s.") % {"number": link}


def publish_known_error(problem: Problem, *, actor, when=None) -> None:
    """Publish (or bring up to date) the problem's known-error article."""
    problem = problem if isinstance(problem, Problem) else Problem.objects.get(pk=problem.pk)
    when = when or timezone.now()
    article = knowledge.publish_known_error(
        actor=actor, article=problem.known_error_article, when=when,
        title=_("Known error: %(title)s") % {"title": problem.title},
        body=known_error_body(problem), service_id=problem.service_id,
        summary=" ".join((problem.symptoms or problem.description or problem.title).split()),
        configuration_item_id=problem.configuration_item_id,
        owner_team=owner_team_of(problem))
    first = problem.known_error_at is None
    problem.known_error_article = article
    problem.known_error_at = problem.known_error_at or when
    Problem.objects.filter(pk=problem.pk).update(known_error_article=article,
                                                 known_error_at=problem.known_error_at)
    if first:
        TicketEvent.objects.create(ticket=problem, actor=actor, kind=EventKind.LINK,
                                   field="article", new_value=article.number,
                                   note=article.title[:200], created_at=when)


def apply_workaround(incident: Incident, problem: Problem, *, actor, when=None) -> Incident:
    """Link the incident to the known error and resolve it with the workaround, in one
    action (resolution code "workaround applied"); the requester is told how."""
    _require_worker(actor)
    if problem.status != ProblemStatus.KNOWN_ERROR or not problem.workaround.strip():
        raise ValidationError({"problem": _("%(number)s has no known error with a "
                                            "workaround.") % {"number": problem.number}})
    if incident.status not in OPEN_INCIDENT:
        raise ValidationError({"incident": _("%(number)s is no longer open.")
                               % {"number": incident.number}})
    when = when or timezone.now()
    with transaction.atomic():
        link(problem, incident, actor=actor, when=when)
        _resolve(incident, actor=actor, when=when, code=ResolutionCode.WORKAROUND_APPLIED,
                 notes=_("Known error %(number)s, workaround: %(workaround)s")
                 % {"number": problem.known_error_article.number
                    if problem.known_error_article else problem.number,
                    "workaround": problem.workaround.strip()})
    return incident


def _resolve(incident: Incident, *, actor, when, code: str, notes: str) -> None:
    if incident.status == IncidentStatus.NEW:
        workflow.transition(incident, IncidentStatus.IN_PROGRESS, actor=actor, when=when)
    workflow.transition(incident, IncidentStatus.RESOLVED, actor=actor, when=when,
                        resolution_code=code, resolution_notes=notes)


def open_incidents(problem: Problem):
    return Incident.objects.filter(problem_link__problem=problem, status__in=OPEN_INCIDENT)


def resolve_incidents(problem: Problem, *, actor, note: str, when=None
                      ) -> tuple[list[str], dict[str, str]]:
    """Resolve the open incidents of a resolved problem, each with `note` to its
    requester (their resolved message carries it). Returns the numbers resolved and,
    for those that could not be (open tasks, say), why not."""
    _require_worker(actor)
    if problem.status not in (ProblemStatus.RESOLVED, ProblemStatus.CLOSED):
        raise ValidationError({"status": _("Resolve the problem first.")})
    if not note.strip():
        raise ValidationError({"note": _("Tell the requesters what was done.")})
    when = when or timezone.now()
    done, refused = [], {}
    for incident in open_incidents(problem).order_by("pk"):
        try:
            with transaction.atomic():
                _resolve(incident, actor=actor, when=when,
                         code=ResolutionCode.RESOLVED_BY_PROBLEM, notes=note.strip())
        except ValidationError as exc:
            refused[incident.number] = " ".join(exc.messages)
        else:
            done.append(incident.number)
    return done, refused


def recurred(problem: Problem, incident: Ticket, *, when: datetime) -> None:
    """The problem returned: one of its incidents came back (or a new one was linked)
    after it was resolved. Flag it, note it, tell whoever works it."""
    Problem.objects.filter(pk=problem.pk).update(recurred_at=when,
                                                 recurrence_count=F("recurrence_count") + 1)
    TicketEvent.objects.create(
        ticket=problem, actor=None, kind=EventKind.LINK, field="recurrence",
        new_value=incident.number, created_at=when,
        note=_("%(incident)s came back after the problem was resolved.")
        % {"incident": incident.number})
    _tell_recurred(problem, incident)


@notifications.telling
def _tell_recurred(problem: Problem, incident: Ticket) -> list[Notification]:
    people = notifications.people_of(
        [problem.assignee] if problem.assignee_id else notifications.team_people(
            problem.assignment_team))
    return notifications.tell(people, problem, Notification.Kind.PROBLEM_RECURRED,
                              template="problems/email/recurred.txt", incident=incident)


def follow(ticket: Ticket, transition, actor, when) -> None:
    """A registry follower: an incident of a resolved problem that reopens marks the
    problem's return."""
    if ticket.kind != TicketKind.INCIDENT or not transition.reopens:
        return
    found = (ProblemLink.objects.filter(incident_id=ticket.pk)
             .select_related("problem", "problem__assignee", "problem__assignment_team__lead")
             .first())
    if found is not None and found.problem.resolved_at is not None:
        recurred(found.problem, ticket, when=when)


def known_errors_for(incident: Ticket):
    """The known errors of the incident's service or CI, newest first."""
    scope = Q()
    if incident.service_id:
        scope |= Q(service_id=incident.service_id)
    if incident.configuration_item_id:
        scope |= Q(configuration_item_id=incident.configuration_item_id)
    if not scope:
        return Problem.objects.none()
    return (Problem.objects.filter(scope, status=ProblemStatus.KNOWN_ERROR)
            .exclude(workaround="").select_related("known_error_article")
            .order_by("-known_error_at", "-pk"))


def weekly_counts(problem: Problem, weeks: int = 12) -> list[tuple[Any, int]]:
    """Its incidents by the week they were logged, up to the last `weeks` weeks that
    have any, weeks without one counted as none: (week start, count)."""
    rows = (Incident.objects.filter(problem_link__problem=problem)
            .annotate(week=TruncWeek("created_at")).values("week")
            .annotate(count=Count("pk")).order_by("week"))
    counted = {row["week"].date() if hasattr(row["week"], "date") else row["week"]:
               row["count"] for row in rows}
    if not counted:
        return []
    last = max(counted)
    first = max(min(counted), last - timedelta(weeks=weeks - 1))
    return [(first + timedelta(weeks=n), counted.get(first + timedelta(weeks=n), 0))
            for n in range((last - first).days // 7 + 1)]
