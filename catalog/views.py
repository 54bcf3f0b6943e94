"""Catalog pages for agents and managers; requesters get a 404 (they use the portal)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from itsm.views import staff_page

from .ownership import unowned


@require_GET
@staff_page
def ownership_report(request: HttpRequest) -> HttpResponse:
    """What no management group answers for: unowned services and CIs, services
    without an active SLA."""
    return render(request, "catalog/ownership_report.html", {"gaps": unowned()})
