"""The dashboards: who reads which page, that each figure is the stored one and drills
down to the tickets it counts, fixed query counts, the CSV export, bad input."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
import time_machine
from django.contrib.auth.models import Permission

from itsm.base import roles
from metrics import compute, readings
from metrics.charts import neutralised
from metrics.readings import span_of
from metrics.targets import Standing, Target, standing
from tests.factories import ServiceFactory, UserFactory

from .conftest import NOW

pytestmark = pytest.mark.django_db

MARCH = "span=custom&from=2026-03-01&to=2026-03-31"


def grant_report(user):
    user.user_permissions.add(Permission.objects.get(codename="view_customer_report"))
    return type(user).objects.get(pk=user.pk)  # permissions are cached on the instance


# --- who reads what -----------------------------------------------------------------------

PAGES = ("it", "services", "service", "other_service", "customers", "customer",
         "other_customer", "wallboard", "drill_overall", "drill_team", "digests")
EVERYTHING = dict.fromkeys(PAGES, 200)
NOTHING = dict.fromkeys(PAGES, 403)
EXPECTED = {
    "manager": EVERYTHING,
    "admin": EVERYTHING,
    # Leads "Service desk", which owns "Email"; reads no customer.
    "team_lead": NOTHING | {"it": 200, "services": 200, "service": 200, "wallboard": 200,
                            "drill_team": 200, "digests": 200},
    # A member of "Service desk".
    "agent": NOTHING | {"it": 200, "wallboard": 200, "drill_team": 200},
    # A member of "Network operations" only: not Service desk's figures.
    "other_team_agent": NOTHING | {"it": 200, "wallboard": 200},
    "change_manager": NOTHING,  # in no team
    "requester": NOTHING,
    "other_requester": NOTHING,
}


@pytest.fixture
def pages(service, team, other_team, customer, other_customer):
    other = ServiceFactory(name="Printing", code="printing", owner_team=other_team)
    drill = "/metrics/tickets/?kpi=mttr&from=2026-03-01&to=2026-03-31"
    return {
        "it": "/metrics/", "services": "/metrics/services/",
        "service": f"/metrics/services/{service.pk}/",
        "other_service": f"/metrics/services/{other.pk}/",
        "customers": "/metrics/customers/", "customer": f"/metrics/customers/{customer.pk}/",
        "other_customer": f"/metrics/customers/{other_customer.pk}/",
        "wallboard": "/metrics/wallboard/", "drill_overall": drill,
        "drill_team": f"{drill}&dimension=team&key={team.pk}",
        "digests": "/metrics/digests/",
    }


@pytest.mark.parametrize("persona", list(EXPECTED), indirect=True)
def test_each_role_reads_only_its_dashboards(request, client, pages, persona, team,
                                             other_team):
    client.force_login(persona)
    name = next(role for role in EXPECTED if request.getfixturevalue(role) == persona)
    got = {page: client.get(path).status_code for page, path in pages.items()}
    assert got == EXPECTED[name]


def test_a_customers_contact_reads_their_customers_page_only(client, pages, requester):
    client.force_login(grant_report(requester))
    got = {page: client.get(path).status_code for page, path in pages.items()}
    assert got == NOTHING | {"customer": 200}
    # Their page links to no ticket of the desk.
    page = client.get(pages["customer"]).content.decode()
    assert "/metrics/tickets/" not in page


def test_nobody_signed_out_reads_a_dashboard(client, pages):
    for path in pages.values():
        response = client.get(path)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_agent_cannot_ask_for_another_teams_view(client, agent, team, other_team):
    client.force_login(agent)
    response = client.get("/metrics/", {"team": other_team.pk})
    assert response.status_code == 400
    assert "team" in response.context["form"].errors
    assert client.get("/metrics/wallboard/", {"team": other_team.pk}).status_code == 404


# --- figures: the stored values, and the tickets behind them --------------------------------


def test_a_spans_figures_are_its_stored_periods_added_up(desk):
    with time_machine.travel(NOW, tick=False):
        march = span_of("custom", NOW.date(), date(2026, 3, 1), date(2026, 3, 31))
        assert march.whole == "month"
        found = readings.figures(["mttr", "fcr", "backlog", "csat"], march)
        assert (found["mttr"].value, found["mttr"].denominator) == (61.25, 4.0)
        assert found["fcr"].value == 75.0
        assert found["backlog"].value == 2.0  # the level at March's end
        assert found["csat"].value == pytest.approx(11 / 3)
        # A span short of the month reads days, and adds them up: T2's resolution on
        # the 29th falls outside March 1st–28th.
        short = span_of("custom", NOW.date(), date(2026, 3, 1), date(2026, 3, 28))
        assert short.whole == "day"
        assert readings.figures(["mttr"], short)["mttr"].value == pytest.approx(
            (192 + 27 + 3) / 3)


def test_the_it_dashboard_shows_the_stored_figures_with_their_targets(desk, client, manager):
    from metrics.models import KpiTarget

    KpiTarget.objects.create(kpi="mttr", target=48, warning=72)
    client.force_login(manager)
    with time_machine.travel(NOW, tick=False):
        response = client.get(f"/metrics/?{MARCH}")
    assert response.status_code == 200
    tiles = {str(tile.label): tile for tile in response.context["history"]["tiles"]}
    mttr = tiles["Mean time to resolve"]
    assert mttr.value == "61.2 h" or mttr.value == "61.3 h"
    assert mttr.standing == Standing.AMBER and mttr.target == "48.0 h"
    assert "Mean of resolved" in str(mttr.formula)
    flow = response.context["history"]["chart"]["flow"]
    assert flow.series[0].values[1] == 1.0  # created on March 2nd: T1
    assert response.context["live"]["tiles"][0].value == "1"  # T5 is open


def test_a_figure_drills_down_to_exactly_the_tickets_it_counts(desk, client, manager):
    client.force_login(manager)
    with time_machine.travel(NOW, tick=False):
        page = client.get("/metrics/tickets/", {"kpi": "mttr", "from": "2026-03-01",
                                                "to": "2026-03-31"})
        assert page.status_code == 200
        numbers = {ticket.number for ticket in page.context["page"]}
        assert numbers == {desk[t].number for t in ("t6", "t1", "t2", "t4")}
        team = client.get("/metrics/tickets/", {
            "kpi": "mttr", "from": "2026-03-01", "to": "2026-03-31", "dimension": "team",
            "key": desk["other_team"].pk})
        assert {t.number for t in team.context["page"]} == {desk["t4"].number}
        backlog = client.get("/metrics/tickets/", {"kpi": "backlog", "from": "2026-03-01",
                                                   "to": "2026-03-31"})
        assert {t.number for t in backlog.context["page"]} == {desk["t5"].number,
                                                                desk["t3"].number}


@pytest.mark.parametrize("query", [
    {"kpi": "nope", "from": "2026-03-01", "to": "2026-03-31"},
    {"kpi": "mttr", "from": "2026-03-31", "to": "2026-03-01"},
    {"kpi": "mttr", "from": "yesterday", "to": "2026-03-01"},
    {"kpi": "mttr", "from": "2026-03-01", "to": "2026-03-31", "dimension": "team"},
    {"kpi": "routine_completion", "from": "2026-03-01", "to": "2026-03-31"},
    {"kpi": "mttr", "from": "2020-01-01", "to": "2026-03-31"},
])
def test_a_bad_drill_down_is_a_400(client, manager, query):
    client.force_login(manager)
    assert client.get("/metrics/tickets/", query).status_code == 400


@pytest.mark.parametrize("query", ["span=custom&from=2026-03-31&to=2026-03-01",
                                   "span=custom&from=2026-03-01", "span=forever",
                                   "span=custom&from=nope&to=2026-03-01", "team=abc"])
def test_a_bad_period_is_a_400_that_says_why(client, manager, query):
    client.force_login(manager)
    response = client.get(f"/metrics/?{query}")
    assert response.status_code == 400
    assert response.context["form"].errors
    assert 'class="alert"' in response.content.decode()


def test_the_dashboards_read_a_fixed_number_of_queries(desk, client, manager, agent,
                                                       requester, service, count_queries):
    from django.core.cache import cache

    from tests.factories import log

    client.force_login(manager)
    paths = ["/metrics/", f"/metrics/?{MARCH}", "/metrics/services/",
             f"/metrics/services/{service.pk}/", "/metrics/customers/", "/metrics/wallboard/"]

    def cold(path: str) -> int:
        cache.clear()
        return count_queries(client, path)

    with time_machine.travel(NOW, tick=False):
        before = {path: cold(path) for path in paths}
        for day in range(1, 20):  # more history, more tickets open
            log(agent, requester, service, NOW.replace(day=day, hour=9))
        compute.recompute(now=NOW)
        after = {path: cold(path) for path in paths}
        # Read again: the figures of now and the stored values' part come from the cache.
        for path in paths:
            count_queries(client, path)
        warm = {path: count_queries(client, path) for path in paths}
    assert after == before
    # About one read per tile row and per chart's KPI, fixed whatever the history.
    assert before["/metrics/"] <= 45
    assert all(warm[path] <= 8 for path in paths), warm


def test_a_new_value_ends_the_cached_pages_and_now_is_kept_half_a_minute(
        desk, client, manager, settings, django_capture_on_commit_callbacks):
    from metrics import caching

    client.force_login(manager)
    with time_machine.travel(NOW, tick=False) as traveller:
        first = caching.generation()
        client.get(f"/metrics/?{MARCH}")
        with django_capture_on_commit_callbacks(execute=True):
            compute.recompute(now=NOW)
        assert caching.generation() != first
        built = []
        assert caching.recent("probe", lambda: built.append(1) or len(built)) == 1
        assert caching.recent("probe", lambda: built.append(1) or len(built)) == 1
        traveller.shift(settings.DASHBOARD_NOW_SECONDS + 1)
        assert caching.recent("probe", lambda: built.append(1) or len(built)) == 2


# --- CSV ------------------------------------------------------------------------------------


def test_every_chart_exports_its_data_with_formulas_neutralised(desk, client, manager, agent,
                                                                requester):
    from tests.factories import log

    evil = ServiceFactory(name="=HYPERLINK(\"http://x\")", code="evil",
                          owner_team=desk["office"].owner_team)
    with time_machine.travel(NOW, tick=False):
        log(agent, requester, evil, NOW.replace(day=2, hour=9))
        compute.recompute(now=NOW)
        client.force_login(manager)
        page = client.get("/metrics/?span=this_month")
        charts = page.context["live"]["charts"] + page.context["history"]["charts"]
        for chart_id in (chart.id for chart in charts):
            response = client.get(f"/metrics/?span=this_month&export={chart_id}")
            assert response.status_code == 200
            assert response["Content-Type"].startswith("text/csv")
            assert response["Content-Disposition"].startswith("attachment;")
        rows = list(csv.reader(io.StringIO(
            client.get("/metrics/?span=this_month&export=services").content.decode())))
        assert client.get("/metrics/?export=nothing").status_code == 404
    assert rows[0][0] == "Service"
    assert ["'=HYPERLINK(\"http://x\")", "1"] in rows


@pytest.mark.parametrize("cell, expected", [("=1+1", "'=1+1"), ("+x", "'+x"), ("-x", "'-x"),
                                            ("@SUM", "'@SUM"), ("Email", "Email"), (4.5, 4.5)])
def test_cells_that_a_spreadsheet_would_run_are_neutralised(cell, expected):
    assert neutralised(cell) == expected


# --- the wallboard --------------------------------------------------------------------------


def test_the_wallboard_refreshes_its_figures_alone(client, agent, incident):
    client.force_login(agent)
    page = client.get("/metrics/wallboard/").content.decode()
    assert 'hx-trigger="every 30s"' in page and "<html" in page
    fragment = client.get("/metrics/wallboard/", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment and "wall-value" in fragment


# --- pure parts -----------------------------------------------------------------------------


@pytest.mark.parametrize("name, today, first, last, granularity", [
    ("this_week", date(2026, 12, 2), date(2026, 11, 30), date(2026, 12, 2), "day"),
    ("last_week", date(2026, 12, 2), date(2026, 11, 23), date(2026, 11, 29), "day"),
    ("this_month", date(2026, 12, 2), date(2026, 12, 1), date(2026, 12, 2), "day"),
    ("last_month", date(2026, 3, 15), date(2026, 2, 1), date(2026, 2, 28), "day"),
    ("last_month", date(2026, 1, 15), date(2025, 12, 1), date(2025, 12, 31), "day"),
    ("last_12_months", date(2026, 12, 2), date(2026, 1, 1), date(2026, 12, 2), "month"),
    ("last_12_months", date(2026, 5, 2), date(2025, 6, 1), date(2026, 5, 2), "month"),
    ("last_90_days", date(2026, 12, 2), date(2026, 9, 4), date(2026, 12, 2), "week"),
])
def test_spans(name, today, first, last, granularity):
    span = span_of(name, today)
    assert (span.first, span.last, span.granularity) == (first, last, granularity)
    assert len(span.starts()) == {"last_12_months": 12}.get(name, len(span.starts()))


def test_a_span_to_today_adds_up_its_current_periods():
    assert span_of("last_12_months", date(2026, 12, 2)).whole == "month"
    assert span_of("this_week", date(2026, 12, 2)).whole == "week"
    assert span_of("last_week", date(2026, 12, 2)).whole == "week"
    assert span_of("last_90_days", date(2026, 12, 2)).whole == "day"


@pytest.mark.parametrize("direction, value, target, expected", [
    ("higher", 95.0, Target(95.0), Standing.GREEN),
    ("higher", 92.0, Target(95.0, 90.0), Standing.AMBER),
    ("higher", 89.9, Target(95.0, 90.0), Standing.RED),
    ("higher", 91.0, Target(95.0), Standing.AMBER),  # within 5 % of the target
    ("higher", 90.0, Target(95.0), Standing.RED),
    ("lower", 48.0, Target(48.0, 72.0), Standing.GREEN),
    ("lower", 60.0, Target(48.0, 72.0), Standing.AMBER),
    ("lower", 80.0, Target(48.0, 72.0), Standing.RED),
])
def test_a_figure_stands_green_amber_or_red_against_its_target(direction, value, target,
                                                               expected):
    assert standing(direction, value, target) == expected


def test_the_demo_roles_match_the_rules(team_lead, team, service):
    from metrics.access import access_of

    lead = access_of(team_lead)
    assert lead.reads_it and lead.reads_services and not lead.reads_customers
    assert access_of(UserFactory(username="zed", roles=[roles.MANAGER])).whole_desk


def test_the_figures_of_now_lead_to_the_queue_rows_they_count(client, manager, agent,
                                                              requester, service):
    from datetime import timedelta

    from django.utils import timezone

    from tests.factories import make_incident

    now = timezone.now()
    for days in (0.1, 2, 5, 10, 40, 40):
        make_incident(actor=agent, requester=requester, service=service,
                      when=now - timedelta(days=days))
    client.force_login(manager)
    live = client.get("/metrics/").context["live"]
    ages = live["chart"]["ages"].series[0]
    assert ages.values == [1, 1, 1, 1, 2]
    for value, link in zip(ages.values, ages.links, strict=True):
        assert client.get(link).context["page_obj"].paginator.count == value
    for tile in live["tiles"][:2]:  # open, unassigned
        assert client.get(tile.link).context["page_obj"].paginator.count == int(tile.value)


def test_todays_counts_lead_to_the_tickets_they_count(client, manager, agent, requester,
                                                      service):
    from datetime import timedelta

    from django.utils import timezone

    from itsm.workflow import transition
    from tests.factories import make_incident

    from .test_surveys import resolve

    make_incident(actor=agent, requester=requester, service=service,
                  when=timezone.now() - timedelta(days=3))
    today = make_incident(actor=agent, requester=requester, service=service)
    worked = make_incident(actor=agent, requester=requester, service=service)
    transition(worked, "in_progress", actor=agent)
    resolve(today, agent)
    client.force_login(manager)
    for path in ("/metrics/", "/metrics/wallboard/"):
        context = client.get(path).context
        counts = context["live"]["today"] if "live" in context else context["today"]
        links = context["live"]["today_links"] if "live" in context else context["links"]
        for name in ("created", "answered", "resolved"):
            listed = client.get(links[name]).context["page_obj"].paginator.count
            assert listed == getattr(counts, name), name
    assert (counts.created, counts.answered, counts.resolved) == (2, 2, 1)
