"""Service requests as the core's process registry knows them (registered in
ServiceRequestsConfig)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from itsm.base.business_time import business_minutes_between, end_of_working_days
from itsm.choices import TicketKind
from itsm.models import Ticket
from itsm.registry import PortalOffer, Process

from .models import ServiceRequest
from .workflow import REQUEST_WORKFLOW


class ServiceRequestProcess(Process):
    kind = TicketKind.SERVICE_REQUEST
    prefix = "REQ"
    model = ServiceRequest
    workflow = REQUEST_WORKFLOW
    label = _("Request")
    label_plural = _("Requests")
    create_label = _("New request")
    submit_label = _("Order")
    url_namespace = "requests"
    urls = "service_requests.urls"
    api_urls = "service_requests.api.urls"
    portal_urls = "service_requests.portal_urls"
    position = 20
    editable_fields = ("title", "description", "impact", "urgency", "configuration_item",
                       "customer", "channel")
    # An order is placed through the catalog (`service_requests.ordering`), which gives
    # these; the rest is the desk's.
    requester_fields = ("title", "description", "service", "urgency", "request_item",
                        "item_name", "answers", "ordered_by", "fulfilment_days", "plan")
    detail_panel = "service_requests/_panel.html"
    detail_related = ("request_item",)
    converts_to = (TicketKind.INCIDENT,)
    portal_offer = PortalOffer(_("Order something"), "portal:requests:catalog",
                               _("Browse the catalog: equipment, access, software."))

    def get_portal_form(self) -> type | None:
        return None  # requesters order from the catalog's item pages

    def create_view(self):
        from .views import desk_order

        return desk_order

    def resolution_minutes(self, ticket: Ticket, calendar, minutes: float | None
                           ) -> float | None:
        """An order is due by the end of its item's fulfilment target in working days
        (when the item sets one), on the SLA's calendar."""
        if isinstance(ticket, ServiceRequest):
            days = ticket.fulfilment_days
        else:  # a ticket row read by itself (a recompute of the terms)
            days = (ServiceRequest.objects.filter(pk=ticket.pk)
                    .values_list("fulfilment_days", flat=True).first())
        if not days:
            return minutes
        due = end_of_working_days(calendar, ticket.created_at, days)
        return business_minutes_between(calendar, ticket.created_at, due)

    def route(self, ticket: Ticket):
        """An order goes to its item's fulfilment team (else the service's owner)."""
        return ticket.request_item.team() if ticket.request_item_id else None

    def may_convert(self, ticket: Ticket) -> str | None:
        """An order that went through approval stays a request: its decisions are its
        record."""
        if ticket.approval_stages.exists():
            return _("An order with approval steps stays a request; cancel it instead.")
        return None

    def task_settled(self, parent: Ticket, task: Ticket, *, actor, when) -> None:
        from .fulfilment import task_settled

        task_settled(parent, when=when)

    def detail_context(self, request, ticket: Ticket) -> dict[str, Any]:
        from .views import request_part

        return request_part(request, ticket)

    @property
    def demo(self):
        from .demo import write_history

        return write_history
