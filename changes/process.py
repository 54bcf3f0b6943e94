"""Changes as the core's process registry knows them (registered in ChangesConfig)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from itsm.choices import TicketKind
from itsm.models import Ticket
from itsm.registry import Process, RowFlag

from .choices import ChangeType
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
                       "review_lessons", "review_actions")
    detail_panel = "changes/_panel.html"
    detail_related = ("standard_change", "raised_from")
    requesters_may_log = False
    has_caller = False
    under_sla = False

    def prepare(self, fields: dict[str, Any], *, actor, requester, when=None
                ) -> dict[str, Any]:
        from .services import prepare

        return prepare(fields)

    def validate_changes(self, ticket: Ticket, changes: dict[str, Any]) -> dict[str, Any]:
        from .services import check_window

        if {"planned_start", "planned_end"} & set(changes):
            check_window(changes.get("planned_start", ticket.planned_start),
                         changes.get("planned_end", ticket.planned_end))
        return changes

    def detail_context(self, request, ticket: Ticket) -> dict[str, Any]:
        from .views import change_part

        return change_part(request, ticket)

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
