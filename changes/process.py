"""Changes as the core's process registry knows them (registered in ChangesConfig)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from itsm import registry
from itsm.choices import TicketKind
from itsm.models import Ticket
from itsm.registry import Process, RowFlag

from .choices import ChangeStatus, ChangeType
from .models import Change
from .workflow import CHANGE_WORKFLOW

EMERGENCY = RowFlag("flag-major", _("EMERGENCY"), _("Emergency change"))


class ChangeProcess(Process):
    kind = TicketKind.CHANGE
    prefix = "CHG"
    model = Change
    workflow = CHANGE_WORKFLOW
    label = _("Change")
    label_plural = _("Changes")
    create_label = _("New change")
    submit_label = _("Log change")
    url_namespace = "changes"
    urls = "changes.urls"
    api_urls = "changes.api.urls"
    position = 40
    editable_fields = ("title", "description", "impact", "urgency", "service",
                       "configuration_item", "risk", "planned_start", "planned_end",
                       "implementation_plan", "backout_plan", "test_plan", "review_findings",
                       "review_lessons", "review_actions", "freeze_override")
    detail_panel = "changes/_panel.html"
    detail_related = ("standard_change", "raised_from", "release")
    queue_links = ((_("Calendar"), "changes:calendar"), (_("CAB meetings"), "changes:cab"),
                   (_("Releases"), "changes:releases"))
    requesters_may_log = False
    has_caller = False
    under_sla = False

    def prepare(self, fields: dict[str, Any], *, actor, requester, when=None
                ) -> dict[str, Any]:
        from .services import prepare

        return prepare(fields)

    def validate_changes(self, ticket: Ticket, changes: dict[str, Any]) -> dict[str, Any]:
        from .services import APPROVED, announce_planned, check_window

        if {"planned_start", "planned_end"} & set(changes):
            check_window(changes.get("planned_start", ticket.planned_start),
                         changes.get("planned_end", ticket.planned_end))
            if ticket.status in APPROVED:
                # Planned work moves: the availability of the days it leaves and of
                # those it takes is recomputed (marks, written with the edit).
                announce_planned(ticket, [
                    ticket.planned_start, ticket.planned_end,
                    changes.get("planned_start"), changes.get("planned_end")])
        if {"planned_start", "planned_end", "service", "freeze_override"} & set(changes):
            from .conflicts import check_freeze, service_ids_of

            service = changes.get("service", ticket.service)
            check_freeze(changes.get("planned_start", ticket.planned_start),
                         changes.get("planned_end", ticket.planned_end),
                         service_ids_of(ticket) - {ticket.service_id} | {
                             getattr(service, "pk", None)},
                         changes.get("freeze_override", ticket.freeze_override))
        return changes

    def validate_transition(self, ticket: Ticket, transition) -> None:
        """Scheduling a change into a freeze needs the reason for the override."""
        if transition.target == ChangeStatus.SCHEDULED:
            from .conflicts import check_freeze, service_ids_of

            change = registry.concrete(ticket)
            check_freeze(change.planned_start, change.planned_end, service_ids_of(change),
                         change.freeze_override)

    def after_write(self, ticket: Ticket, fields: set[str], *, actor) -> None:
        """A window planned or moved (or what it touches) has its conflicts told."""
        if {"planned_start", "planned_end", "service", "configuration_item"} & fields \
                and ticket.planned_start and ticket.planned_end:
            from .conflicts import tell_conflicts

            tell_conflicts(ticket, actor=actor)

    def detail_context(self, request, ticket: Ticket) -> dict[str, Any]:
        from .views import change_part

        return change_part(request, ticket)

    def fact_keys(self, ticket: Ticket) -> dict[str, Any]:
        """Change KPIs break down by type and risk (`metrics.definitions.DIMENSIONS`)."""
        return {"change__change_type": getattr(ticket, "change_type", None),
                "change__risk": getattr(ticket, "risk", None)}  # "" until assessed

    def row_flags(self, ids: list[int]) -> dict[int, list[RowFlag]]:
        emergencies = (Change.objects.filter(pk__in=ids, change_type=ChangeType.EMERGENCY)
                       .order_by().values_list("pk", flat=True))
        return {pk: [EMERGENCY] for pk in emergencies}

    @property
    def demo(self):
        from .demo import write_history

        return write_history

    def get_create_form(self) -> type:
        from .forms import ChangeCreateForm

        return ChangeCreateForm
