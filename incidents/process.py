"""Incidents as the core's process registry knows them (registered in IncidentsConfig)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from itsm import outages
from itsm.choices import TicketKind
from itsm.models import Outage, Ticket
from itsm.registry import PortalOffer, Process, RowFlag

from .models import Incident
from .services import validate_parent
from .workflow import INCIDENT_WORKFLOW

# What an incident's outage record follows.
OUTAGE_FIELDS = {"is_outage", "service", "configuration_item"}
MAJOR = RowFlag("flag-major", _("MAJOR"), _("Major incident"))


class IncidentProcess(Process):
    kind = TicketKind.INCIDENT
    prefix = "INC"
    model = Incident
    workflow = INCIDENT_WORKFLOW
    label = _("Incident")
    label_plural = _("Incidents")
    create_label = _("New incident")
    submit_label = _("Log incident")
    url_namespace = "incidents"
    urls = "incidents.urls"
    api_urls = "incidents.api.urls"
    position = 10
    editable_fields = (*Process.editable_fields, "is_major", "is_outage", "parent")
    detail_panel = "incidents/_panel.html"
    detail_related = ("parent",)
    converts_to = (TicketKind.SERVICE_REQUEST,)
    portal_offer = PortalOffer(_("Report a problem"), "portal:incident-create",
                               _("Something does not work as it should."), primary=True)

    def may_convert(self, ticket: Ticket) -> str | None:
        """An outage, a major incident or one related to others is an incident."""
        if ticket.is_outage or ticket.is_major:
            return _("A major incident or a service outage stays an incident.")
        if ticket.parent_id or ticket.children.exists():
            return _("An incident related to others stays an incident; unlink it first.")
        return None

    def prepare(self, fields: dict[str, Any], *, actor, requester, when=None
                ) -> dict[str, Any]:
        validate_parent(None, fields.get("parent"))
        return fields

    def validate_changes(self, ticket: Ticket, changes: dict[str, Any]) -> dict[str, Any]:
        if "parent" in changes:
            validate_parent(ticket, changes["parent"])
        return changes

    def after_write(self, ticket: Ticket, fields: set[str], *, actor) -> None:
        if fields & OUTAGE_FIELDS and (ticket.is_outage or "is_outage" in fields):
            outages.follow_ticket(ticket, active=ticket.is_outage, actor=actor)

    def detail_context(self, request, ticket: Ticket) -> dict[str, Any]:
        return {
            "outage": (Outage.objects.filter(ticket=ticket, source=Outage.Source.INCIDENT)
                       .select_related("service").first() if ticket.is_outage else None),
            "children": Incident.objects.visible_to(request.user).filter(parent=ticket)
            .only("number", "title", "status", "kind", "priority").order_by("number"),
            "head_flags": [MAJOR] if ticket.is_major else [],
        }

    def row_flags(self, ids: list[int]) -> dict[int, list[RowFlag]]:
        majors = (Incident.objects.filter(pk__in=ids, is_major=True).order_by()
                  .values_list("pk", flat=True))
        return {pk: [MAJOR] for pk in majors}

    def get_filterset(self) -> type:
        from .filters import IncidentFilterSet

        return IncidentFilterSet

    def get_edit_form(self) -> type:
        from .forms import IncidentEditForm

        return IncidentEditForm

    @property
    def demo(self):
        from .demo import write_history

        return write_history
