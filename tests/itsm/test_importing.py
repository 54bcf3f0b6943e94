"""Importing history (`manage.py import_tickets`): the shipped samples' KPIs equal what
this test computes from the CSV files itself, with the csv module; bad rows are
reported by line; a second run updates, never duplicates."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from catalog.models import Service, Team
from itsm import registry
from itsm.importing import ImportAborted, import_file
from itsm.models import Ticket, User
from metrics.models import KpiValue

ROOT = Path(__file__).resolve().parents[2]
SERVICENOW = ROOT / "tests" / "data" / "servicenow-incidents-sample.csv"
BPIC14 = ROOT / "tests" / "data" / "bpic14-incidents.csv"
EXAMPLE = ROOT / "examples" / "import-generic.csv"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def utc(settings):
    settings.TIME_ZONE = "UTC"


def monthly(name: str) -> dict[str, float]:
    """The stored overall monthly values of a KPI, by "YYYY-MM"."""
    return {f"{start:%Y-%m}": value for start, value in KpiValue.objects.filter(
        kpi=name, granularity="month", dimension="overall").values_list("period_start", "value")}


def mean(values):
    return sum(values) / len(values)


def share(flags):
    return 100 * sum(flags) / len(flags)


def figures(tickets: list[dict]) -> dict[str, dict[str, float]]:
    """MTTR, SLA compliance, FCR, reopen share by month of resolution and volume by month
    of creation, from plain dicts with opened, resolved (datetimes), made_sla (bool or
    None), reassignments and reopens (ints)."""
    resolved = defaultdict(list)
    created = defaultdict(int)
    for ticket in tickets:
        created[f"{ticket['opened']:%Y-%m}"] += 1
        if ticket["resolved"] is not None:
            resolved[f"{ticket['resolved']:%Y-%m}"].append(ticket)
    return {
        "mttr": {month: mean([(t["resolved"] - t["opened"]).total_seconds() / 3600 for t in ts])
                 for month, ts in resolved.items()},
        "sla_compliance_resolution": {
            month: share([t["made_sla"] for t in ts if t["made_sla"] is not None])
            for month, ts in resolved.items() if any(t["made_sla"] is not None for t in ts)},
        "fcr": {month: share([t["reassignments"] == 0 for t in ts])
                for month, ts in resolved.items()},
        "reopen_rate": {month: share([t["reopens"] > 0 for t in ts])
                        for month, ts in resolved.items()},
        "volume_created": dict(created),
    }


def assert_kpis_match(expected: dict[str, dict[str, float]]) -> None:
    for name, by_month in expected.items():
        stored = monthly(name)
        assert stored.keys() == by_month.keys(), name
        for month, value in by_month.items():
            assert stored[month] == pytest.approx(value), (name, month)


def servicenow_tickets() -> list[dict]:
    """One incident per number: its row with the highest sys_mod_count (ties: the
    latest sys_updated_at)."""
    def when(text):
        return None if text == "?" else datetime.strptime(text, "%d/%m/%Y %H:%M")

    best: dict[str, dict] = {}
    with SERVICENOW.open(newline="") as stream:
        for row in csv.DictReader(stream):
            rank = (int(row["sys_mod_count"]), when(row["sys_updated_at"]))
            if row["number"] not in best or rank >= best[row["number"]]["rank"]:
                best[row["number"]] = {"rank": rank, **row}
    return [{"opened": when(row["opened_at"]), "resolved": when(row["resolved_at"]),
             "made_sla": row["made_sla"] == "true", "reassignments": int(row["reassignment_count"]),
             "reopens": int(row["reopen_count"])} for row in best.values()]


def bpic14_tickets() -> list[dict]:
    def when(text):
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S") if text else None

    with BPIC14.open(newline="") as stream:
        return [{"opened": when(row["open_time"]), "resolved": when(row["resolved_time"]),
                 "made_sla": None, "reassignments": int(row["x_reassignments"]),
                 "reopens": 1 if row["reopen_time"] else 0}
                for row in csv.DictReader(stream)]


def test_the_servicenow_samples_kpis_are_those_of_its_csv():
    call_command("import_tickets", str(SERVICENOW), "--format", "servicenow", verbosity=0)
    expected = servicenow_tickets()
    assert Ticket.objects.filter(import_source="servicenow").count() == len(expected) == 500
    assert_kpis_match(figures(expected))


def test_the_bpic14_samples_kpis_are_those_of_its_csv():
    call_command("import_tickets", str(BPIC14), "--format", "bpic14", verbosity=0)
    expected = bpic14_tickets()
    assert Ticket.objects.filter(import_source="bpic14").count() == len(expected) == 4000
    expected_figures = figures(expected)
    assert expected_figures.pop("sla_compliance_resolution") == {}  # no SLA verdicts
    assert_kpis_match(expected_figures)
    assert not KpiValue.objects.filter(kpi="sla_compliance_resolution").exists()
    changed = Ticket.objects.get(import_source="bpic14", external_number="IM0000013")
    assert changed.external_refs.get("closure_code")


def test_running_an_import_again_updates_and_never_duplicates():
    with SERVICENOW.open(newline="") as stream:
        first = import_file(stream, "servicenow")
    with SERVICENOW.open(newline="") as stream:
        again = import_file(stream, "servicenow")
    assert (first.created, again.created, again.updated) == (500, 0, 0)
    assert Ticket.objects.count() == 500
    ticket = Ticket.objects.get(external_number="INC0000045")
    assert ticket.number.startswith("INC") and ticket.number != "INC0000045"
    assert ticket.events.count() == 1  # "imported from servicenow"


def test_names_in_the_file_are_created_once_and_marked_as_imported():
    with SERVICENOW.open(newline="") as stream:
        import_file(stream, "servicenow")
    ticket = Ticket.objects.select_related("service", "assignment_team", "requester").get(
        external_number="INC0000045")
    assert ticket.service.name == "Category 55" and ticket.service.imported
    assert ticket.service.owner_team is None  # the ownership report lists it
    assert ticket.assignment_team.name == "Group 56" and ticket.assignment_team.imported
    caller = ticket.requester
    assert str(caller) == "Caller 2403"
    assert not caller.is_active and not caller.has_usable_password()
    assert Service.objects.filter(name="Category 55").count() == 1
    assert Team.objects.filter(name="Group 56").count() == 1
    assert User.objects.filter(first_name="Caller", last_name="2403").count() == 1


BAD = """kind,number,title,opened_at,resolved_at,status,priority,channel
incident,EXT-1,Printer jam,2026-03-02T09:00,2026-03-02T11:00,resolved,3,phone
incident,EXT-2,,2026-03-02T09:00,,new,3,phone
incident,EXT-3,Late,2026-03-02T09:00,2026-03-01T09:00,resolved,3,phone
incident,EXT-4,Odd,yesterday,,new,3,phone
planet,EXT-5,Odd,2026-03-02T09:00,,new,3,phone
incident,EXT-6,Odd,2026-03-02T09:00,,sleeping,3,phone
incident,EXT-7,Odd,2026-03-02T09:00,,new,9,phone
incident,EXT-8,Fine,2026-03-03T09:00,,new,2,email
"""


def test_bad_rows_are_reported_with_their_line_and_skipped():
    result = import_file(io.StringIO(BAD), "generic")
    assert (result.created, result.skipped) == (2, 6)
    reasons = {error.line: error.reason for error in result.errors}
    assert set(reasons) == {3, 4, 5, 6, 7, 8}
    assert "title" in reasons[3]
    assert "resolved_at is before opened_at" in reasons[4]
    assert "yesterday" in reasons[5]
    assert "planet" in reasons[6]
    assert "sleeping" in reasons[7]
    assert "priority" in reasons[8]


def test_a_strict_import_stops_at_the_first_bad_row_and_writes_nothing():
    with pytest.raises(ImportAborted) as aborted:
        import_file(io.StringIO(BAD), "generic", strict=True)
    assert aborted.value.error.line == 3
    assert not Ticket.objects.exists()
    assert not KpiValue.objects.exists()


def test_the_command_names_the_file_and_line_of_a_strict_failure(tmp_path):
    path = tmp_path / "history.csv"
    path.write_text(BAD)
    with pytest.raises(CommandError, match=r"history\.csv, line 3: title is required"):
        call_command("import_tickets", str(path), "--format", "generic", "--strict",
                     verbosity=0)


def test_a_dry_run_counts_everything_and_writes_nothing():
    result = import_file(io.StringIO(BAD), "generic", dry_run=True)
    assert (result.created, result.skipped) == (2, 6)
    assert not Ticket.objects.exists()
    assert not Service.objects.filter(imported=True).exists()


def test_the_documented_example_file_imports_cleanly():
    with EXAMPLE.open(newline="") as stream:
        result = import_file(stream, "generic")
    assert result.skipped == 0 and result.created > 0
    breached = Ticket.objects.filter(external_sla=True, resolution_breached=True)
    assert breached.exists()


def test_an_imported_tickets_page_shows_its_number_in_the_other_tool(client, agent):
    with SERVICENOW.open(newline="") as stream:
        import_file(stream, "servicenow")
    ticket = Ticket.objects.get(external_number="INC0000045")
    client.force_login(agent)
    page = client.get(registry.ticket_url(ticket.kind, ticket.number))
    assert page.status_code == 200
    assert "INC0000045 in servicenow" in page.content.decode()
