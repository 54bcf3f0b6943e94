"""`/api/v1/metrics/`: stored values with targets, the tickets behind one, the dictionary."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from metrics.definitions import KPIS
from metrics.models import KpiTarget

pytestmark = pytest.mark.django_db
KPIS_URL = "/api/v1/metrics/kpis/"


@pytest.fixture
def client(desk, manager):
    client = APIClient()
    client.force_authenticate(manager)
    return client


def test_values_come_with_numerator_denominator_and_the_period_as_an_iso_date(client):
    response = client.get(KPIS_URL, {"kpi": "mttr", "granularity": "month",
                                     "dimension": "overall"})
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(row["period_start"], row["value"], row["numerator"], row["denominator"])
            for row in rows] == [("2026-03-01", 61.25, 245.0, 4.0),
                                 ("2026-04-01", 695.0, 695.0, 1.0)]
    assert set(rows[0]) == {"kpi", "granularity", "period_start", "dimension", "key", "value",
                            "numerator", "denominator", "target", "computed_at"}


def test_from_and_to_bound_the_periods_and_key_picks_a_slice(client, desk):
    response = client.get(KPIS_URL, {"kpi": "backlog", "granularity": "month",
                                     "dimension": "overall", "from": "2026-03-01",
                                     "to": "2026-05-01"})
    assert [row["period_start"] for row in response.json()["results"]] == [
        "2026-03-01", "2026-04-01", "2026-05-01"]
    office = desk["office"].pk
    response = client.get(KPIS_URL, {"kpi": "mttr", "granularity": "month",
                                     "dimension": "service", "key": office})
    assert [(row["key"], row["value"]) for row in response.json()["results"]] == [
        (str(office), 15.0), (str(office), 695.0)]


@pytest.mark.parametrize(("params", "field"), [
    ({"granularity": "year"}, "granularity"),
    ({"dimension": "planet"}, "dimension"),
    ({"kpi": "happiness"}, "kpi"),
    ({"from": "2026-13-01"}, "from"),
    ({"ordering": "colour"}, "ordering"),
])
def test_bad_parameters_are_a_400_naming_them(client, params, field):
    response = client.get(KPIS_URL, params)
    assert response.status_code == 400
    assert field in response.json()


def test_a_value_carries_its_service_target_else_the_organisations(client, desk):
    office = desk["office"]
    KpiTarget.objects.create(kpi="mttr", target=8, warning=12)
    KpiTarget.objects.create(kpi="mttr", service=office, target=4)
    overall = client.get(KPIS_URL, {"kpi": "mttr", "dimension": "overall"}).json()["results"]
    by_office = client.get(KPIS_URL, {"kpi": "mttr", "dimension": "service",
                                      "key": office.pk}).json()["results"]
    fcr = client.get(KPIS_URL, {"kpi": "fcr", "dimension": "overall"}).json()["results"]
    assert {row["target"] for row in overall} == {8.0}
    assert {row["target"] for row in by_office} == {4.0}
    assert {row["target"] for row in fcr} == {None}


def test_the_list_runs_the_same_queries_for_one_row_or_many(client, count_queries):
    client.get(KPIS_URL)  # the user's roles are read once, then kept on the user
    few = count_queries(client, KPIS_URL, kpi="mttr", granularity="month", dimension="overall")
    many = count_queries(client, KPIS_URL, granularity="day", page_size=200)
    assert len(count_queries.last_response.json()["results"]) == 200
    assert few == many == 4  # count, page, targets, SLA availability targets


def test_the_tickets_behind_a_value_are_those_its_figure_counts(client, desk):
    response = client.get("/api/v1/metrics/kpis/mttr/tickets/",
                          {"period_start": "2026-03-01", "granularity": "month"})
    assert response.status_code == 200
    numbers = {row["number"] for row in response.json()["results"]}
    assert numbers == {desk[t].number for t in ("t1", "t2", "t4", "t6")}

    backlog = client.get("/api/v1/metrics/kpis/backlog/tickets/",
                         {"period_start": "2026-02-01"}).json()["results"]
    assert {row["number"] for row in backlog} == {desk["t5"].number, desk["t6"].number}

    office = client.get("/api/v1/metrics/kpis/sla_compliance_resolution/tickets/",
                        {"period_start": "2026-03-01", "dimension": "service",
                         "key": desk["office"].pk}).json()["results"]
    assert {row["number"] for row in office} == {desk["t1"].number, desk["t4"].number}


@pytest.mark.parametrize(("path", "params", "status", "field"), [
    ("mttr", {}, 400, "period_start"),
    ("mttr", {"period_start": "2026-03-01", "dimension": "service"}, 400, "key"),
    ("mttr", {"period_start": "soon"}, 400, "period_start"),
    ("happiness", {"period_start": "2026-03-01"}, 404, None),
])
def test_a_bad_drill_down_is_a_json_error(client, path, params, status, field):
    response = client.get(f"/api/v1/metrics/kpis/{path}/tickets/", params)
    assert response.status_code == status
    body = response.json()
    assert field is None or field in body


def test_the_dictionary_defines_every_kpi(client):
    response = client.get("/api/v1/metrics/definitions/")
    assert response.status_code == 200
    entries = {entry["key"]: entry for entry in response.json()}
    assert set(entries) == {kpi.key for kpi in KPIS}
    assert entries["mttr"]["unit"] == "hours"
    assert entries["mttr"]["direction"] == "lower"
    assert entries["fcr"]["unit"] == "percent"
    assert entries["csat"]["computed"] is True
    assert entries["csat"]["unit"] == "score"
    assert entries["change_success_rate"]["computed"] is True
    assert entries["routine_completion"]["computed"] is False
    assert entries["routine_completion"]["fed_by"]


def test_a_services_availability_target_is_its_slas(client, desk, agent):
    import time_machine

    from itsm import outages
    from metrics import compute

    from .conftest import NOW, b

    office = desk["office"]
    with time_machine.travel(NOW, tick=False):
        outages.record(actor=agent, service=office, started_at=b(2026, 3, 3, 9),
                       ended_at=b(2026, 3, 3, 10))
        compute.refresh()
    rows = client.get(KPIS_URL, {"kpi": "availability", "dimension": "service",
                                 "key": office.pk, "granularity": "month"}).json()["results"]
    assert rows and {row["target"] for row in rows} == {99.9}  # the SLA's default
    KpiTarget.objects.create(kpi="availability", service=office, target=99.5)
    rows = client.get(KPIS_URL, {"kpi": "availability", "dimension": "service",
                                 "key": office.pk, "granularity": "month"}).json()["results"]
    assert {row["target"] for row in rows} == {99.5}


def test_sla_compliance_of_a_service_is_measured_against_its_slas_target(client, desk):
    office = desk["office"]
    rows = client.get(KPIS_URL, {"kpi": "sla_compliance_resolution", "dimension": "service",
                                 "key": office.pk}).json()["results"]
    assert rows and {row["target"] for row in rows} == {95.0}
