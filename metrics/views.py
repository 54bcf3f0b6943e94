"""The dashboards: IT operations (`/metrics/`), each service and each customer
(`/metrics/services/…`, `/metrics/customers/…`), the wallboard, and the tickets behind
any figure (`/metrics/tickets/`).

Pages read stored values (`metrics.readings`) and indexed counts of now
(`metrics.live`); they never compute a KPI. Every figure carries its formula, the
span it covers and a link to the tickets it counts; every chart's data downloads as
CSV (`?export=<chart>`). Who reads what is `metrics.access`'s.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from catalog.models import ChangeRisk, ConfigurationItem, Customer, RequestItem, Service, Team
from changes.choices import ChangeType
from incidents.models import Incident
from itsm.base import roles
from itsm.base.templatetags.ui import priority_label
from knowledge.models import Article

from . import caching, compute, digests, live, periods, readings
from .access import Access, access_of
from .charts import Chart, Series, csv_response, find
from .definitions import (
    AVAILABILITY_DIMENSIONS,
    BY_KEY,
    DIMENSIONS,
    REQUESTED_WORK,
    Unit,
)
from .figures import Tile, gauge, kpi_tile, ranking, shown, trend
from .forms import DigestForm
from .models import Digest, Survey
from .readings import SPAN_LABELS, Reading, Span
from .targets import Targets

# --- the period selector ------------------------------------------------------------------


class SpanForm(forms.Form):
    """`?span=last_month`, or `?span=custom&from=2026-01-01&to=2026-03-31`; on the IT
    dashboard also `&team=<id>`."""

    span = forms.ChoiceField(label=gettext_lazy("Period"), required=False,
                             choices=list(SPAN_LABELS.items()))

    def __init__(self, data, *, default_span: str, teams: Iterable[Team] | None = None,
                 team_required: bool = False) -> None:
        super().__init__(data)
        self.default_span = default_span
        self.fields["span"].initial = default_span
        self.fields["from"] = forms.DateField(label=gettext_lazy("From"), required=False)
        self.fields["to"] = forms.DateField(label=gettext_lazy("To"), required=False)
        if teams is not None:
            teams = sorted(teams, key=lambda team: team.name)
            self.fields["team"] = forms.ModelChoiceField(
                label=gettext_lazy("Team"), queryset=Team.objects.filter(
                    pk__in=[team.pk for team in teams]).order_by("name"),
                required=False, empty_label=None if team_required else gettext_lazy("All teams"),
                initial=teams[0].pk if team_required and teams else None)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        name = cleaned.get("span") or self.default_span
        try:
            cleaned["period"] = readings.span_of(name, timezone.localdate(), cleaned.get("from"),
                                                 cleaned.get("to"))
        except ValueError as exc:
            self.add_error("from" if name == "custom" else "span", str(exc))
        return cleaned

    def chosen(self) -> Span:
        """The span asked for, or the default one for a form with errors."""
        if self.is_valid():
            return self.cleaned_data["period"]
        return readings.span_of(self.default_span, timezone.localdate())


def page(request: HttpRequest, template: str, context: dict[str, Any], form: SpanForm,
         access: Access) -> HttpResponse:
    """A dashboard; a 400 (with the default period) when its selector was given bad
    input."""
    query = request.GET.copy()
    query.pop("export", None)
    return render(request, template, {
        **context, "form": form, "access": access, "span": form.chosen(),
        "may_subscribe": digests.may_subscribe(request.user), "query": query.urlencode(),
        "cache_seconds": settings.DASHBOARD_CACHE_SECONDS},
        status=200 if form.is_bound and form.is_valid() or not request.GET else 400)


def export(request: HttpRequest, charts: list[Chart]) -> HttpResponse:
    """One chart's data as CSV (`?export=<id>`)."""
    chart = find(charts, request.GET["export"])
    if chart is None:
        raise Http404
    return csv_response(chart)


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("Your role does not read this dashboard."))


def queue_link(*, open_only: bool = True, **filters: Any) -> str:
    """The queue of incidents and requests (open ones, unless not `open_only`) that
    `filters` pick."""
    filters = {"queue": "open" if open_only else "", **filters}  # "queue=": every ticket
    query = [("kind", kind) for kind in REQUESTED_WORK]
    query += [(name, value) for name, value in filters.items() if value is not None]
    return f"{reverse('work')}?{urlencode(query)}"


# --- IT operations -------------------------------------------------------------------------

IT_TILES = ("mttr", "response_time", "sla_compliance_resolution", "sla_compliance_response",
            "fcr", "reassignment_share", "reopen_rate", "csat", "survey_response_rate",
            "volume_created", "volume_resolved", "requests_ordered", "approval_time",
            "fulfilment_time", "on_time_fulfilment", "problems_opened", "problems_resolved",
            "known_error_time", "workaround_resolutions", "kb_views", "kb_deflections",
            "kb_helpful", "kb_tickets_solved", "change_success_rate", "emergency_change_share")


@login_required
def it_dashboard(request: HttpRequest) -> HttpResponse:
    """Open work now, and how the desk did over the span: for the whole desk, or one
    team (a team lead's or an agent's own view)."""
    access = access_of(request.user)
    require(access.reads_it)
    teams = list(Team.objects.all() if access.whole_desk
                 else Team.objects.filter(pk__in=access.teams))
    form = SpanForm(request.GET or None, default_span="last_90_days", teams=teams,
                    team_required=not access.whole_desk)
    span = form.chosen()
    team = form.cleaned_data.get("team") if form.is_valid() else None
    if team is None and not access.whole_desk:
        team = min(teams, key=lambda t: t.name)  # their own view: one of their teams
    names = {str(t.pk): t.name for t in teams}
    scope_key = team.pk if team else "all"
    now_part = caching.recent(f"it-now:{scope_key}", lambda: _it_now(team, names))
    history = caching.Deferred(lambda: _it_history(access, team, span, names))
    if request.GET.get("export"):
        return export(request, now_part["charts"] + history["charts"])
    return page(request, "metrics/it.html", {
        "team": team, "live": now_part, "history": history,
        "fragment": caching.fragment_key("it", scope_key, request)}, form, access)


def _it_now(team: Team | None, names: dict[str, str]) -> dict[str, Any]:
    """The open work now (tiles, by team and priority, by age), today's counts and the
    open major incidents, of one team or all."""
    scope = None if team is None else [team.pk]
    counts = counts_now(team)
    now, current = counts["at"], counts["now"]
    team_filter = team.name if team else None
    now_tiles = [
        Tile(_("Open"), shown("backlog", current.open), queue_link(team=team_filter),
             formula=BY_KEY["backlog"].formula),
        Tile(_("Unassigned"), shown("backlog", current.unassigned),
             queue_link(team=team_filter, queue="unassigned"),
             formula=_("Open incidents and requests no one has been assigned yet.")),
        Tile(_("At SLA risk"), shown("backlog", current.at_risk),
             queue_link(team=team_filter, at_risk="true"),
             standing="amber" if current.at_risk else None,
             formula=_("Open tickets warned of a response or resolution due soon, not yet "
                       "breached.")),
        Tile(_("Breached"), shown("backlog", current.breached),
             queue_link(team=team_filter, breached="true"),
             standing="red" if current.breached else None,
             formula=_("Open tickets whose response or resolution target has passed.")),
    ]
    by_team = live.by_team_and_priority(scope)
    team_keys = sorted(by_team, key=lambda pk: names.get(str(pk), "~"))
    backlog = Chart(
        "backlog", _("Open backlog by team and priority"), "stacked",
        [names.get(str(pk), _("No team")) for pk in team_keys],
        [Series(priority_label(p), [by_team[pk].get(p, 0) for pk in team_keys],
                [queue_link(team=names.get(str(pk)), priority=p) if pk else None
                 for pk in team_keys]) for p in (1, 2, 3, 4)],
        unit=Unit.COUNT, period=_("Now"), label_title=_("Team"),
        formula=_("Open incidents and requests, by the team that has them and priority."))
    bucket_labels = {"day": _("Under a day"), "days_3": _("1–3 days"),
                     "week": _("3–7 days"), "month": _("1–4 weeks"), "older": _("Over 30 days")}
    buckets = live.age_buckets(now, scope)
    ages = Chart("ages", _("Age of the open backlog"), "bar",
                 [str(bucket_labels[name]) for name, *_rest in buckets],
                 [Series(_("Open tickets"), [n for _name, n, *_span in buckets],
                         [queue_link(team=team_filter,
                                     created_after=after and after.isoformat(),
                                     created_before=before and before.isoformat())
                          for _name, _n, after, before in buckets])], unit=Unit.COUNT,
                 period=_("Now"), label_title=_("Age"),
                 formula=_("Open incidents and requests by the time since they were logged."))
    majors = Incident.objects.open().filter(is_major=True).select_related(
        "service", "assignment_team").order_by("-created_at")
    if scope is not None:
        majors = majors.filter(assignment_team_id__in=scope)
    return {"tiles": now_tiles, "charts": [backlog, ages],
            "chart": {"backlog": backlog, "ages": ages}, "today": counts["today"],
            "today_links": counts["links"], "majors": list(majors[:10]), "at": now}


def counts_now(team: Team | None) -> dict[str, Any]:
    """The open work's counts and today's, with where each is listed: what the IT
    dashboard and the wallboard both show, read once per DASHBOARD_NOW_SECONDS."""
    scope = None if team is None else [team.pk]

    def build() -> dict[str, Any]:
        now = timezone.now()
        return {"now": live.now(scope), "today": live.today(now, scope), "at": now,
                "links": today_links(team.name if team else None)}

    return caching.recent(f"counts:{team.pk if team else 'all'}", build)


def today_links(team: str | None) -> dict[str, str]:
    """Where today's counts are listed: created, answered, resolved today (in the
    organisation's time zone), and the open tickets breached."""
    midnight = periods.midnight(timezone.localdate(), compute.organisation_tz()).isoformat()
    return {"created": queue_link(open_only=False, team=team, created_after=midnight),
            "answered": queue_link(open_only=False, team=team, responded_after=midnight),
            "resolved": queue_link(open_only=False, team=team, resolved_after=midnight),
            "breached": queue_link(team=team, breached="true"),
            "open": queue_link(team=team),
            "unassigned": queue_link(team=team, queue="unassigned"),
            "at_risk": queue_link(team=team, at_risk="true")}


def _it_history(access: Access, team: Team | None, span: Span, names: dict[str, str]
                ) -> dict[str, Any]:
    """How the desk (or the team) did over the span, from the stored values."""
    dimension, key = ("team", str(team.pk)) if team else ("overall", "")
    targets = Targets()
    tiles = readings.figures(IT_TILES, span, dimension, key)
    span_tiles = [kpi_tile(kpi, tiles[kpi], span, targets, dimension=dimension, key=key)
                  for kpi in IT_TILES]
    compliance_keys = None if access.whole_desk and team is None else (
        [key] if team else [str(pk) for pk in access.teams])
    service_names = {str(pk): name for pk, name in Service.objects.values_list("pk", "name")}
    charts = [
        trend("flow", _("Created and resolved"), ["volume_created", "volume_resolved"], span,
              dimension=dimension, key=key, kind="bar"),
        trend("speed", _("Time to resolve and to respond"), ["mttr", "response_time"], span,
              dimension=dimension, key=key, targets=targets),
        ranking("compliance", _("SLA compliance (resolution) by team"),
                "sla_compliance_resolution", span, "team", names, keys=compliance_keys,
                limit=50),
        trend("quality", _("First contact resolution and reassignment share"),
              ["fcr", "reassignment_share"], span, dimension=dimension, key=key),
        trend("satisfaction", _("Customer satisfaction"), ["csat"], span, dimension=dimension,
              key=key, targets=targets),
        trend("fulfilment", _("Time to fulfil requests"),
              ["fulfilment_time", "fulfilment_time_business"], span, dimension=dimension,
              key=key, targets=targets),
        ranking("services", _("Top services by tickets created"), "volume_created", span,
                "service", service_names, limit=10),
        ranking("items", _("Request items most ordered"), "requests_ordered", span, "item",
                {str(pk): name for pk, name in RequestItem.objects.values_list("pk", "name")},
                limit=10),
        trend("changes", _("Change success rate, last 12 months"), ["change_success_rate"],
              readings.span_of("last_12_months", timezone.localdate()),
              dimension=dimension, key=key, targets=targets),
        ranking("change_services", _("Change success rate by service"),
                "change_success_rate", span, "service", service_names, limit=15),
        ranking("change_types", _("Change success rate by type"), "change_success_rate",
                span, "change_type", dict(ChangeType.choices)),
        ranking("change_risks", _("Change success rate by risk"), "change_success_rate",
                span, "risk", {"": _("Not assessed yet"), **dict(ChangeRisk.choices)}),
        trend("problems", _("Problems opened and resolved"),
              ["problems_opened", "problems_resolved"], span, dimension=dimension, key=key,
              kind="bar"),
        trend("knowledge", _("Knowledge base: readings and tickets deflected"),
              ["kb_views", "kb_deflections"], span, kind="bar"),
        ranking("articles", _("Articles most read"), "kb_views", span, "article",
                {str(pk): title for pk, title in Article.objects.values_list("pk", "title")},
                limit=10),
        ranking("cis", _("Top configuration items by tickets created"), "volume_created",
                span, "ci", {}, limit=10),
    ]
    _name_cis(charts[-1], span)
    low = (Survey.objects.filter(rating__lte=2, answered_at__date__gte=span.first)
           .select_related("ticket__service", "ticket__assignment_team")
           .order_by("-answered_at"))
    if team is not None:
        low = low.filter(ticket__assignment_team=team)
    return {"tiles": span_tiles, "charts": charts,
            "chart": {chart.id: chart for chart in charts}, "low_ratings": list(low[:10])}


def _name_cis(chart: Chart, span: Span) -> None:
    """The CI ranking's labels are ids until named: one query for the ten."""
    found = dict(ConfigurationItem.objects.filter(pk__in=[k for k in chart.labels if k.isdigit()])
                 .values_list("pk", "name"))
    chart.labels = [found.get(int(k), k) if k.isdigit() else k for k in chart.labels]


# --- services and customers ----------------------------------------------------------------

OWNER_KPIS = ("availability", "sla_compliance_resolution", "csat", "volume_created",
              "mttr", "on_time_fulfilment", "change_success_rate", "routine_completion")


def owner_kpis(dimension: str) -> tuple[str, ...]:
    """What a service's or customer's page shows (availability is a service's)."""
    return tuple(kpi for kpi in OWNER_KPIS
                 if kpi != "availability" or dimension in AVAILABILITY_DIMENSIONS)
TREND_SETS = (
    ("availability", gettext_lazy("Availability"), ["availability"]),
    ("compliance", gettext_lazy("SLA compliance"),
     ["sla_compliance_resolution", "sla_compliance_response"]),
    ("satisfaction", gettext_lazy("Customer satisfaction"), ["csat"]),
    ("volume", gettext_lazy("Tickets created and resolved"),
     ["volume_created", "volume_resolved"]),
    ("speed", gettext_lazy("Time to resolve"), ["mttr"]),
)


def _slice_table(dimension: str, items: list[tuple[int, str]], span: Span,
                 targets: Targets) -> list[dict[str, Any]]:
    """One row per service or customer: each owner KPI over the span, with its
    standing (one query per KPI for all of them)."""
    kpis = owner_kpis(dimension)
    figures = readings.by_key(kpis, span, dimension, [str(pk) for pk, _n in items])
    majors = dict(Incident.objects.filter(
        is_major=True, created_at__date__gte=span.first,
        **{f"{DIMENSIONS[dimension]}__in": [pk for pk, _n in items]})
        .values_list(DIMENSIONS[dimension]).annotate(n=Count("pk")).order_by())
    rows = []
    for pk, name in items:
        found = figures.get(str(pk), {})
        service_id = pk if dimension == "service" else None
        rows.append({"pk": pk, "name": name, "majors": majors.get(pk, 0), "tiles": [
            kpi_tile(kpi, found.get(kpi, Reading(BY_KEY[kpi], None)), span, targets,
                     dimension=dimension, key=str(pk), service_id=service_id)
            for kpi in kpis]})
    return rows


def owner_page(request: HttpRequest, dimension: str, pk: int, access: Access) -> HttpResponse:
    model = Service if dimension == "service" else Customer
    subject = get_object_or_404(model, pk=pk)
    form = SpanForm(request.GET or None, default_span="last_12_months")
    span = form.chosen()
    staff = roles.is_staff_reader(request.user)
    history = caching.Deferred(lambda: _owner_history(dimension, pk, span, staff=staff))
    if request.GET.get("export"):
        return export(request, history["charts"] + history["dials"])
    return page(request, "metrics/owner.html", {
        "subject": subject, "dimension": dimension, "history": history, "drills": staff,
        "fragment": caching.fragment_key(f"{dimension}-{pk}-{int(staff)}", "", request)},
        form, access)


def _owner_history(dimension: str, pk: int, span: Span, *, staff: bool) -> dict[str, Any]:
    """A service's or customer's figures over the span, its gauges, its twelve-month
    trends and its major incidents; without links to the desk's tickets for a
    customer's contact."""
    targets = Targets()
    service_id = pk if dimension == "service" else None
    key = str(pk)
    kpis = owner_kpis(dimension)
    figures = readings.figures(kpis, span, dimension, key)
    tiles = [kpi_tile(kpi, figures[kpi], span, targets, dimension=dimension, key=key,
                      service_id=service_id) for kpi in kpis]
    year = readings.span_of("last_12_months", timezone.localdate()) if span.name not in (
        "last_12_months", "custom") else span
    dials = [dial for kpi in ("availability", "sla_compliance_resolution") if kpi in kpis
             for dial in [gauge(f"gauge-{kpi}", kpi, figures[kpi], span, targets,
                                service_id=service_id)] if dial is not None]
    charts = [trend(chart_id, title, kpis, year, dimension=dimension, key=key,
                    targets=targets, service_id=service_id)
              for chart_id, title, kpis in TREND_SETS
              if "availability" not in kpis or dimension in AVAILABILITY_DIMENSIONS]
    majors = (Incident.objects.filter(is_major=True, **{DIMENSIONS[dimension]: pk},
                                      created_at__date__gte=span.first)
              .select_related("assignment_team").order_by("-created_at"))
    if not staff:  # a customer's contact reads the figures, not the desk's tickets
        for tile in tiles:
            tile.link = None
        for chart in charts:
            for line in chart.series:
                line.links = []
    return {"tiles": tiles, "year": year, "dials": dials, "charts": charts,
            "majors": list(majors[:10])}


def owners_page(request: HttpRequest, dimension: str, subjects, scope: Any,
                access: Access) -> HttpResponse:
    """The list of services or customers, each with its figures over the span."""
    form = SpanForm(request.GET or None, default_span="last_12_months")
    span = form.chosen()
    rows = caching.Deferred(lambda: {"rows": _slice_table(
        dimension, list(subjects.order_by("name").values_list("pk", "name")), span,
        Targets())})
    return page(request, "metrics/owners.html", {
        "history": rows, "dimension": dimension,
        "heading": _("Services") if dimension == "service" else _("Customers"),
        "kpis": [BY_KEY[k] for k in owner_kpis(dimension)],
        "fragment": caching.fragment_key(f"{dimension}-list", scope, request)}, form, access)


@login_required
def services(request: HttpRequest) -> HttpResponse:
    access = access_of(request.user)
    require(access.reads_services)
    shown_services = Service.objects.filter(is_active=True)
    if not access.whole_desk:
        shown_services = shown_services.filter(pk__in=access.services)
    return owners_page(request, "service", shown_services,
                       "all" if access.whole_desk else sorted(access.services), access)


@login_required
def service(request: HttpRequest, pk: int) -> HttpResponse:
    access = access_of(request.user)
    require(access.reads_service(pk))
    return owner_page(request, "service", pk, access)


@login_required
def customers(request: HttpRequest) -> HttpResponse:
    access = access_of(request.user)
    require(access.whole_desk)
    return owners_page(request, "customer", Customer.objects.filter(is_active=True), "all",
                       access)


@login_required
def customer(request: HttpRequest, pk: int) -> HttpResponse:
    access = access_of(request.user)
    require(access.reads_customer(pk))
    return owner_page(request, "customer", pk, access)


# --- the wallboard -------------------------------------------------------------------------


@login_required
def wallboard(request: HttpRequest) -> HttpResponse:
    """Big live numbers for the service desk's screen; the page reloads its figures
    every 30 seconds (`?team=` narrows it to one team)."""
    access = access_of(request.user)
    require(access.reads_it)
    team = None
    if request.GET.get("team"):
        team = Team.objects.filter(pk=request.GET["team"]).first() if request.GET[
            "team"].isdigit() else None
        if team is None or not access.reads_team(team.pk):
            raise Http404
    elif not access.whole_desk:
        team = Team.objects.filter(pk__in=access.teams).order_by("name").first()
    context = {"team": team, **counts_now(team)}
    template = ("metrics/_wallboard_figures.html" if request.headers.get("HX-Request")
                else "metrics/wallboard.html")
    return render(request, template, context)


# --- the tickets behind a figure -----------------------------------------------------------


class DrillForm(forms.Form):
    kpi = forms.ChoiceField(choices=[(k, k) for k in BY_KEY])
    dimension = forms.ChoiceField(choices=[(d, d) for d in DIMENSIONS], required=False)
    key = forms.CharField(required=False, max_length=40)

    def __init__(self, data) -> None:
        super().__init__(data)
        self.fields["from"] = forms.DateField()
        self.fields["to"] = forms.DateField()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        dimension = cleaned.get("dimension") or "overall"
        cleaned["dimension"] = dimension
        if dimension != "overall" and not cleaned.get("key"):
            self.add_error("key", _("Give the key of the slice."))
        first, last = cleaned.get("from"), cleaned.get("to")
        if first and last and (last < first or (last - first).days > readings.LONGEST_SPAN_DAYS):
            self.add_error("to", _("The span ends before it starts or is over three years."))
        kpi = cleaned.get("kpi")
        if kpi and not BY_KEY[kpi].computed:
            self.add_error("kpi", _("This KPI is not measured yet."))
        return cleaned


def _may_drill(access: Access, dimension: str, key: str) -> bool:
    if access.whole_desk:
        return True
    if dimension == "team":
        return key.isdigit() and int(key) in access.teams
    # The IT dashboard ranks every service and CI, for every reader of it.
    return dimension in ("service", "ci") and (access.reads_it or (
        key.isdigit() and int(key) in access.services))


@login_required
def tickets(request: HttpRequest) -> HttpResponse:
    """The tickets a figure counts: the KPI, its span and slice, as the engine counts
    them."""
    access = access_of(request.user)
    require(roles.is_staff_reader(request.user) and access.reads_anything)
    form = DrillForm(request.GET)
    if not form.is_valid():
        return render(request, "metrics/tickets.html", {"form": form}, status=400)
    data = form.cleaned_data
    kpi, dimension, key = BY_KEY[data["kpi"]], data["dimension"], data.get("key", "")
    require(_may_drill(access, dimension, key))
    # Only the desk drills down, and the desk reads every ticket.
    found = (compute.tickets_between(kpi, data["from"], data["to"] + timedelta(days=1),
                                     dimension, key)
             .select_related("service", "assignment_team", "assignee")
             .order_by("-created_at", "-id"))
    paged = Paginator(found, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "metrics/tickets.html", {
        "form": form, "kpi": kpi, "page": paged, "first": data["from"], "last": data["to"],
        "dimension": dimension, "key": key, "query": query.urlencode()})


# --- email digests ----------------------------------------------------------------------


@login_required
def digests_page(request: HttpRequest) -> HttpResponse:
    """A manager's or team lead's digests, and a form to subscribe to another."""
    require(digests.may_subscribe(request.user))
    access = access_of(request.user)
    form = DigestForm(request.POST or None, access=access)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        digests.subscribe(request.user, frequency=data["frequency"], view=data["view"],
                          team=data.get("team"), service=data.get("service"),
                          customer=data.get("customer"))
        messages.success(request, _("Subscribed. The first digest comes after the period "
                                    "ends."))
        return redirect("metrics:digests")
    mine = (Digest.objects.filter(user=request.user)
            .select_related("team", "service", "customer"))
    return render(request, "metrics/digests.html", {"digests": mine, "form": form},
                  status=400 if form.is_bound else 200)


@require_POST
@login_required
def digest_delete(request: HttpRequest, pk: int) -> HttpResponse:
    if not digests.unsubscribe(request.user, pk):
        raise Http404
    messages.success(request, _("Unsubscribed."))
    return redirect("metrics:digests")
