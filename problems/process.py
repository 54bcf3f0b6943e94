"""Problems as the core's process registry knows them (registered in ProblemsConfig)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from itsm.choices import TicketKind
from itsm.models import Ticket
from itsm.registry import Process, RowFlag

from .choices import ProblemStatus
from .models import Problem
from .workflow import PROBLEM_WORKFLOW

RECURRED = RowFlag("flag-breach", _("RECURRED"), _("Recurred"))


def flags_of(recurred_at) -> list[RowFlag]:
    """A problem's mark: it came back after it was resolved (its status says the rest)."""
    return [RECURRED] if recurred_at is not None else []


class ProblemProcess(Process):
    kind = TicketKind.PROBLEM
    prefix = "PRB"
    model = Problem
    workflow = PROBLEM_WORKFLOW
    label = _("Problem")
    label_plural = _("Problems")
    create_label = _("New problem")
    submit_label = _("Open problem")
    url_namespace = "problems"
    urls = "problems.urls"
    api_urls = "problems.api.urls"
    position = 30
    editable_fields = ("title", "description", "impact", "urgency", "service",
                       "configuration_item", "symptoms", "cause_category", "root_cause",
                       "analysis_notes", "workaround")
    detail_panel = "problems/_panel.html"
    detail_related = ("known_error_article",)
    requesters_may_log = False
    under_sla = False
    has_caller = False
    queue_links = ((_("Candidates"), "problems:candidates"),)

    def after_write(self, ticket: Ticket, fields: set[str], *, actor) -> None:
        """A known error's article follows the problem's text."""
        from .services import KNOWN_ERROR_TEXT, publish_known_error

        if ticket.status == ProblemStatus.KNOWN_ERROR and fields & set(KNOWN_ERROR_TEXT):
            publish_known_error(ticket, actor=actor)

    def detail_context(self, request, ticket: Ticket) -> dict[str, Any]:
        from .views import problem_part

        return problem_part(request, ticket)

    def row_flags(self, ids: list[int]) -> dict[int, list[RowFlag]]:
        rows = (Problem.objects.filter(pk__in=ids, recurred_at__isnull=False).order_by()
                .values_list("pk", "recurred_at"))
        return {pk: flags_of(recurred_at) for pk, recurred_at in rows}

    def create_view(self):
        from .views import problem_create

        return problem_create

    @property
    def demo(self):
        from .demo import write_history

        return write_history
