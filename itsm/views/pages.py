"""Ticket pages of every kind, built from shared parts, and the one implementation of
each action posted from them.

`TicketPage` loads a visible ticket, renders its page and runs the actions (comment,
attach, transition); `DeskPage` is the agent's page of any kind (adding take, assign,
edit and add-task), `PortalPage` the requester's (with the requester's rights). Each
action parses a form, calls a service, and redirects with a message; a refused write
re-renders the page with the errors on the form that was sent (400), a stale one with
a reload message (409) — always from a fresh load, and nothing written.

A process's urls.py mounts its pages with `ticket_urlpatterns(kind)`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from .. import effort, registry, services, timeline, workflow
from ..base import roles
from ..base.concurrency import StaleVersion
from ..base.forms import PageForms, VersionedForm, apply_errors
from ..base.templatetags.ui import duration
from ..base.views import require_worker
from ..forms import (
    AssignForm,
    AssignmentChoices,
    AttachmentForm,
    CommentForm,
    TaskForm,
    TimeEntryForm,
    transition_form,
    transition_values,
)
from ..models import Attachment, Task, Ticket, TicketEvent, TimeEntry
from ..sla_timeline import timeline_for
from ..task_kind import add_task
from .common import desk_page
from .queue import kind_queue

STALE_MESSAGE = gettext_lazy(
    "This ticket was changed by someone else since you opened it, so your change was "
    "not saved. Reload the page to see the current state, then try again."
)
# What every ticket page shows of its relations: read one query each, not joined.
DETAIL_RELATED = ("service", "category", "configuration_item", "customer", "requester",
                  "assignment_team", "assignee")


def perform(request: HttpRequest, form: forms.Form, *, ticket: Ticket,
            action: Callable[[Ticket], str], render_page: Callable[..., HttpResponse],
            load: Callable[[], Ticket], success_url: str) -> HttpResponse:
    """Validate `form`, run `action` on `ticket` and redirect with its message.

    A stale `version` re-renders the page with 409 and nothing written; a refused write
    re-renders with 400 and the service's errors on the form's fields. The page is
    always rendered from a fresh `load()`, as the failed write may have touched the
    instance.
    """
    if form.is_valid():
        version = form.cleaned_data.get("version")
        try:
            if version is not None and version != ticket.version:
                raise StaleVersion(ticket.version)
            message = action(ticket)
        except StaleVersion:
            form.add_error(None, STALE_MESSAGE)
            return render_page(load(), status=409, stale=True)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if message:
                messages.success(request, message)
            return redirect(success_url)
    return render_page(load(), status=400)


class TicketPage:
    """One ticket's page for one audience, and the actions posted from it."""

    template: str
    namespace: str  # of the page's URLs: "<namespace>:<page_name>", "<namespace>:comment" …
    page_name = "detail"
    audience = "desk"  # which parts other apps add to it (`registry.parts_for`)

    def __init__(self, request: HttpRequest, number: str, kind: str | None = None) -> None:
        self.request, self.number = request, number
        self.process = registry.find(kind) if kind else None

    # --- loading and rendering -----------------------------------------------------

    def queryset(self) -> QuerySet:
        model = self.process.model if self.process else Ticket
        return model.objects.visible_to(self.request.user)

    def load(self) -> Ticket:
        """The ticket with what its page shows of its relations."""
        self.find_process()
        related = (*DETAIL_RELATED, *getattr(self.process, "detail_related", ()))
        return get_object_or_404(self.queryset().prefetch_related(*related), number=self.number)

    @cached_property
    def _target(self) -> Ticket:
        self.find_process()
        return get_object_or_404(self.queryset(), number=self.number)

    def target(self) -> Ticket:
        """The ticket an action works on, read once per request (no relations)."""
        return self._target

    def find_process(self) -> None:
        """The kind of a ticket opened by number alone."""
        if self.process is None:
            found = get_object_or_404(self.queryset().only("pk", "kind"), number=self.number)
            self.process = registry.find(found.kind)
            if self.process is None:
                raise Http404

    def action_url(self, name: str, *args: str) -> str:
        return reverse(f"{self.namespace}:{name}", args=[self.number, *args])

    def page_url(self) -> str:
        return self.action_url(self.page_name)

    def transition_url(self, transition: workflow.Transition) -> str:
        return self.action_url("transition", transition.name)

    def transition_label(self, transition: workflow.Transition) -> str:
        return transition.label

    def urls(self) -> dict[str, str]:
        """Where the page's forms post."""
        return {name: self.action_url(name) for name in ("comment", "attach")}

    def transition_forms(self, ticket: Ticket, page_forms: PageForms) -> list[forms.Form]:
        """A form for each transition offered here, with where it posts and its label."""
        offered = []
        for t in self.offered(ticket):
            form = page_forms.get(f"transition:{t.name}", lambda t=t: transition_form(ticket, t))
            form.action_url, form.label = self.transition_url(t), self.transition_label(t)
            offered.append(form)
        return offered

    def context(self, ticket: Ticket, page_forms: PageForms) -> dict[str, Any]:
        flow = self.process.workflow
        return {
            "ticket": ticket,
            "process": self.process,
            "status_label": flow.label(ticket.status),
            "is_resolved": ticket.status in flow.resolved,
            "attachments": Attachment.objects.visible_to(self.request.user)
            .filter(ticket=ticket).select_related("uploaded_by"),
            "max_upload": settings.ATTACHMENT_MAX_BYTES,
            "urls": self.urls(),
            "parts": registry.parts_for(self.audience, self.request, ticket),
            "main_parts": registry.parts_for(f"{self.audience}-main", self.request, ticket),
        }

    def render(self, ticket: Ticket, *, status: int = 200, bound: forms.Form | None = None,
               bound_name: str = "", stale: bool = False) -> HttpResponse:
        page_forms = PageForms(bound, bound_name)
        context = self.context(ticket, page_forms)
        context.update(stale=stale, stale_message=STALE_MESSAGE, page_url=self.page_url(),
                       orphan_errors=page_forms.orphan_errors())
        return render(self.request, self.template, context, status=status)

    def show(self) -> HttpResponse:
        return self.render(self.load())

    def run(self, form: forms.Form, name: str, action: Callable[[Ticket], str]) -> HttpResponse:
        """Run `action` through the shared form flow; errors land next to the form."""
        return perform(
            self.request, form, ticket=self.target(), load=self.load, action=action,
            render_page=lambda ticket, **kw: self.render(ticket, bound=form, bound_name=name,
                                                         **kw),
            success_url=self.page_url(),
        )

    # --- the actions every audience has --------------------------------------------

    may_choose_visibility = False

    def offered(self, ticket: Ticket) -> list[workflow.Transition]:
        """The transitions this page offers the user now."""
        return workflow.allowed_transitions(ticket, self.request.user)

    def comment(self) -> HttpResponse:
        form = CommentForm(self.request.POST, can_choose_visibility=self.may_choose_visibility)

        def comment(ticket: Ticket) -> str:
            added = services.add_comment(ticket, author=self.request.user,
                                         body=form.cleaned_data["body"],
                                         is_public=form.is_public)
            if form.cleaned_data.get("minutes"):
                effort.log_time(ticket, person=self.request.user, comment=added,
                                minutes=form.cleaned_data["minutes"])
            return self.commented_message(form.is_public)

        return self.run(form, "comment", comment)

    def commented_message(self, public: bool) -> str:
        return _("Your comment is added.")

    def attach(self) -> HttpResponse:
        form = AttachmentForm(self.request.POST, self.request.FILES)

        def attach(ticket: Ticket) -> str:
            attachment = services.add_attachment(ticket, uploaded_by=self.request.user,
                                                 upload=form.cleaned_data["file"])
            return _("%(name)s is attached.") % {"name": attachment.original_name}

        return self.run(form, "attach", attach)

    def transition(self, name: str) -> HttpResponse:
        ticket = self.target()
        chosen = self.process.workflow.named(name)
        if chosen is None or not self.may_offer(chosen):
            raise Http404
        form = transition_form(ticket, chosen, self.request.POST)

        def move(ticket: Ticket) -> str:
            note, values = transition_values(form)
            workflow.transition(ticket, chosen.target, actor=self.request.user, note=note,
                                via=chosen.name, expected_version=form.cleaned_data["version"],
                                **values)
            return self.moved_message(ticket, chosen)

        return self.run(form, f"transition:{name}", move)

    def may_offer(self, transition: workflow.Transition) -> bool:
        return True

    def moved_message(self, ticket: Ticket, transition: workflow.Transition) -> str:
        return _("%(number)s: %(status)s.") % {
            "number": ticket.number, "status": self.process.workflow.label(transition.target)}


class DeskPage(TicketPage):
    """The agent's page of a ticket of any kind."""

    template = "itsm/ticket_detail.html"
    may_choose_visibility = True

    @property
    def namespace(self) -> str:
        return self.process.url_namespace

    def urls(self) -> dict[str, str]:
        urls = super().urls() | {name: self.action_url(name) for name in ("take", "assign", "edit")}
        urls["log_time"] = self.action_url("log-time")
        if self.process.has_tasks:
            urls["add_task"] = self.action_url("add-task")
        return urls

    def context(self, ticket: Ticket, page_forms: PageForms) -> dict[str, Any]:
        context = super().context(ticket, page_forms)
        user = self.request.user
        worker = roles.is_worker(user)
        workable = worker and ticket.closed_at is None
        events = (TicketEvent.objects.visible_to(user).filter(ticket=ticket)
                  .select_related("actor", "comment"))
        context.update(
            timeline=timeline.entries(events),
            sla_timeline=timeline_for(ticket),
            worker=worker,
            workable=workable,
            **self.process.detail_context(self.request, ticket),
        )
        if workable:
            context["conversions"] = [
                (registry.process_for(target).label,
                 reverse(f"{self.namespace}:convert", args=[ticket.number, target]))
                for target in self.process.converts_to]
        if self.process.has_tasks:
            context["tasks"] = list(
                Task.objects.filter(parent=ticket).select_related("assignment_team", "assignee")
                .order_by("created_at", "pk"))
        if workable:
            edit_form = self.process.get_edit_form()
            my_teams = {team.pk for team in user.teams.all() if team.is_active}
            choices = AssignmentChoices(ticket.assignment_team_id)
            context.update(
                can_take=workflow.may_take(ticket, user, my_teams),
                take_form=page_forms.get("take", lambda: VersionedForm(
                    initial={"version": ticket.version})),
                assign_form=page_forms.get("assign", lambda: AssignForm(
                    ticket=ticket, choices=choices)),
                edit_form=page_forms.get("edit", lambda: edit_form(
                    ticket=ticket, process=self.process)),
                priority_form=page_forms.get("edit:priority", lambda: edit_form(
                    ticket=ticket, process=self.process, part="priority")),
                service_form=page_forms.get("edit:service", lambda: edit_form(
                    ticket=ticket, process=self.process, part="service")),
                comment_form=page_forms.get("comment", lambda: CommentForm(
                    can_choose_visibility=True)),
                attachment_form=page_forms.get("attach", AttachmentForm),
            )
            if self.process.has_tasks:
                context["task_form"] = page_forms.get("add-task", lambda: TaskForm(
                    parent=ticket, choices=choices))
        if worker:
            context["transition_forms"] = self.transition_forms(ticket, page_forms)
            # Time is logged on any ticket, closed ones too: the time sheet comes late.
            context["time_form"] = page_forms.get("log-time", TimeEntryForm)
        if roles.is_staff_reader(user):
            entries = list(TimeEntry.objects.filter(ticket=ticket).select_related("person"))
            for entry in entries:
                entry.seconds = entry.minutes * 60
            context["time_entries"] = entries
            context["time_total"] = sum(entry.seconds for entry in entries)
        return context

    def commented_message(self, public: bool) -> str:
        return _("Reply sent to the requester.") if public else _("Note added.")

    def take(self) -> HttpResponse:
        form = VersionedForm(self.request.POST)

        def take(ticket: Ticket) -> str:
            workflow.assign(ticket, actor=self.request.user, assignee=self.request.user,
                            expected_version=form.cleaned_data["version"])
            return _("%(number)s is assigned to you.") % {"number": ticket.number}

        return self.run(form, "take", take)

    def assign(self) -> HttpResponse:
        form = AssignForm(self.request.POST, ticket=self.target())

        def assign(ticket: Ticket) -> str:
            workflow.assign(ticket, actor=self.request.user, team=form.cleaned_data["team"],
                            assignee=form.cleaned_data["assignee"],
                            expected_version=form.cleaned_data["version"])
            return _("Assignment saved.")

        return self.run(form, "assign", assign)

    def edit(self) -> HttpResponse:
        part = self.request.POST.get("part", "")
        part = part if part in self.process.get_edit_form().PARTS else ""
        form = self.process.get_edit_form()(self.request.POST, ticket=self.target(),
                                            process=self.process, part=part)

        def edit(ticket: Ticket) -> str:
            changes = form.changes()
            if not changes:
                return _("Nothing changed.")
            services.update_ticket(ticket, actor=self.request.user,
                                   expected_version=form.cleaned_data["version"], **changes)
            return _("Changes saved.")

        return self.run(form, f"edit:{part}" if part else "edit", edit)

    def log_time(self) -> HttpResponse:
        form = TimeEntryForm(self.request.POST)

        def log(ticket: Ticket) -> str:
            data = form.cleaned_data
            entry = effort.log_time(ticket, person=self.request.user, minutes=data["minutes"],
                                    worked_on=data["worked_on"], activity=data["activity"],
                                    note=data["note"])
            return _("%(minutes)s logged.") % {"minutes": duration(entry.minutes * 60)}

        return self.run(form, "log-time", log)

    def add_task(self) -> HttpResponse:
        form = TaskForm(self.request.POST, parent=self.target())

        def add(ticket: Ticket) -> str:
            data = form.cleaned_data
            task = add_task(ticket, actor=self.request.user, title=data["title"],
                            description=data["description"], team=data["assignment_team"],
                            assignee=data["assignee"], planned_start=data["planned_start"],
                            planned_end=data["planned_end"])
            return _("%(number)s is added.") % {"number": task.number}

        return self.run(form, "add-task", add)


# --- views and URLs -------------------------------------------------------------------


ACTIONS = ("take", "assign", "edit", "comment", "attach", "add_task", "log_time")


@desk_page
def ticket_detail(request: HttpRequest, number: str, kind: str | None = None) -> HttpResponse:
    """A ticket of any kind: its fields, SLA clocks, timeline, tasks, files, actions."""
    return DeskPage(request, number, kind).show()


@require_POST
@desk_page
def ticket_action(request: HttpRequest, number: str, kind: str, action: str) -> HttpResponse:
    require_worker(request)
    return getattr(DeskPage(request, number, kind), action)()  # one of ACTIONS, by its URL


@require_POST
@desk_page
def ticket_transition(request: HttpRequest, number: str, kind: str, name: str) -> HttpResponse:
    require_worker(request)
    return DeskPage(request, number, kind).transition(name)


@require_POST
@desk_page
def ticket_convert(request: HttpRequest, number: str, kind: str, target: str) -> HttpResponse:
    """Convert a ticket to another kind (an incident that is really a request, and
    back), keeping its timeline; its page moves to its new number."""
    require_worker(request)
    page = DeskPage(request, number, kind)
    ticket = page.target()
    form = VersionedForm(request.POST)
    if target not in page.process.converts_to or not form.is_valid():
        raise Http404
    try:
        converted = workflow.convert(ticket, target, actor=request.user,
                                     expected_version=form.cleaned_data["version"])
    except StaleVersion:
        messages.error(request, STALE_MESSAGE)
    except ValidationError as exc:
        for problem in exc.messages:
            messages.error(request, problem)
    else:
        messages.success(request, _("%(old)s is now %(number)s.")
                         % {"old": number, "number": converted.number})
        return redirect(registry.ticket_url(converted.kind, converted.number))
    return redirect(page.page_url())


@desk_page
def ticket_create(request: HttpRequest, kind: str) -> HttpResponse:
    """Log a ticket of the kind for a requester (phone, walk-in, email)."""
    require_worker(request)
    process = registry.process_for(kind)
    form = process.get_create_form()(request.POST if request.method == "POST" else None,
                                     process=process)
    if request.method == "POST" and form.is_valid():
        try:
            ticket = services.create_ticket(kind, actor=request.user, **form.service_kwargs())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("%(number)s is logged.") % {"number": ticket.number})
            return redirect(process.detail_url(ticket.number))
    status = 400 if form.is_bound else 200
    return render(request, "itsm/ticket_form.html", {"form": form, "process": process},
                  status=status)


@desk_page
def ticket_any(request: HttpRequest, number: str) -> HttpResponse:
    """`/tickets/<number>/`: the ticket's own page, whatever its kind."""
    visible = Ticket.objects.visible_to(request.user).only("kind", "number")
    # A converted ticket is found by its old number too.
    found = (visible.filter(number=number).first()
             or visible.filter(converted_from=number).order_by("-pk").first())
    if found is None or registry.find(found.kind) is None:
        raise Http404
    return redirect(registry.ticket_url(found.kind, found.number))


def ticket_urlpatterns(kind: str) -> list:
    """The desk pages of one kind, for its process's urls.py (namespace = the
    process's `url_namespace`)."""
    process = registry.process_for(kind)
    k = {"kind": kind}
    patterns = [
        path("", kind_queue, k, name="list"),
        path("<ticket:number>/", ticket_detail, k, name="detail"),
        path("<ticket:number>/transition/<slug:name>/", ticket_transition, k,
             name="transition"),
    ]
    if process.desk_create:
        patterns.append(path("new/", process.create_view(), k, name="create"))
    if process.converts_to:
        patterns.append(path("<ticket:number>/convert/<slug:target>/", ticket_convert, k,
                             name="convert"))
    for action in ACTIONS:
        if action == "add_task" and not process.has_tasks:
            continue
        patterns.append(path(f"<ticket:number>/{action.replace('_', '-')}/", ticket_action,
                             {**k, "action": action}, name=action.replace("_", "-")))
    return patterns
