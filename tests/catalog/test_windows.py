"""Freeze and maintenance windows: kept by change managers and administrators, read by
every desk role, refused to requesters; a bad one is refused naming its field."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from catalog import windows
from catalog.models import FreezeWindow, MaintenanceWindow
from tests.factories import ConfigurationItemFactory

pytestmark = pytest.mark.django_db
FREEZES = "/api/v1/catalog/freeze-windows/"
MAINTENANCE = "/api/v1/catalog/maintenance-windows/"


def at(day: int, hour: int = 0) -> datetime:
    return datetime(2030, 1, day, hour, tzinfo=UTC)


@pytest.fixture
def freeze(db):
    return FreezeWindow.objects.create(name="Year end", starts_at=at(1), ends_at=at(5))


@pytest.fixture
def nightly(service):
    return MaintenanceWindow.objects.create(name="Nightly", service=service,
                                            weekdays=[0, 1, 2], start_time=time(1),
                                            duration_minutes=120, time_zone="UTC")


# --- the verbs ---------------------------------------------------------------------------


def test_only_change_managers_and_admins_keep_windows(agent, change_manager, admin, manager):
    window = FreezeWindow(name="Close", starts_at=at(1), ends_at=at(2))
    for refused in (agent, manager):
        with pytest.raises(PermissionDenied):
            windows.save_window(window, actor=refused)
    windows.save_window(window, actor=change_manager)
    window.name = "Month-end close"
    windows.save_window(window, actor=admin)
    assert FreezeWindow.objects.get().name == "Month-end close"
    windows.delete_window(window, actor=change_manager)
    assert not FreezeWindow.objects.exists()


def test_a_bad_window_is_refused_naming_the_field(change_manager, service):
    with pytest.raises(ValidationError) as backwards:
        windows.save_window(FreezeWindow(name="Backwards", starts_at=at(2), ends_at=at(1)),
                            actor=change_manager)
    assert "ends_at" in backwards.value.message_dict
    with pytest.raises(ValidationError) as nothing:
        windows.save_window(MaintenanceWindow(name="Of nothing", weekdays=[0],
                                              start_time=time(1), duration_minutes=60),
                            actor=change_manager)
    assert "service" in nothing.value.message_dict
    with pytest.raises(ValidationError) as days:
        windows.save_window(MaintenanceWindow(name="Day 9", service=service, weekdays=[9],
                                              start_time=time(1), duration_minutes=60),
                            actor=change_manager)
    assert "weekdays" in days.value.message_dict


# --- the API -----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["agent", "team_lead", "change_manager", "manager",
                                     "admin"], indirect=True)
def test_every_desk_role_reads_the_windows(api_as, persona, freeze, nightly):
    client = api_as(persona)
    assert [row["name"] for row in client.get(FREEZES).data["results"]] == ["Year end"]
    row = client.get(f"{MAINTENANCE}{nightly.pk}/").data
    assert row["weekdays"] == [0, 1, 2] and row["service"] == nightly.service_id


def test_requesters_are_refused(api_as, requester, freeze):
    client = api_as(requester)
    assert client.get(FREEZES).status_code == 403
    assert client.get(f"{FREEZES}{freeze.pk}/").status_code == 403
    assert client.post(FREEZES, {"name": "x"}, format="json").status_code == 403


def test_change_managers_create_edit_and_delete_freezes(api_as, change_manager, service):
    client = api_as(change_manager)
    created = client.post(FREEZES, {"name": "Sales peak", "service": "email",
                                    "starts_at": "2030-11-20T00:00:00Z",
                                    "ends_at": "2030-12-01T00:00:00Z",
                                    "reason": "Black Friday."}, format="json")
    assert created.status_code == 201, created.data
    assert created.data["service"] == service.pk
    url = f"{FREEZES}{created.data['id']}/"
    assert client.patch(url, {"name": "Sales peak 2030"}, format="json").status_code == 200
    assert FreezeWindow.objects.get().name == "Sales peak 2030"
    assert client.delete(url).status_code == 204
    assert not FreezeWindow.objects.exists()


def test_agents_and_managers_write_no_windows(api_as, agent, manager, freeze):
    for person in (agent, manager):
        client = api_as(person)
        assert client.patch(f"{FREEZES}{freeze.pk}/", {"name": "Mine"},
                            format="json").status_code == 403
        assert client.delete(f"{FREEZES}{freeze.pk}/").status_code == 403
    assert FreezeWindow.objects.get().name == "Year end"


@pytest.mark.parametrize("body, field", [
    ({"name": "Backwards", "starts_at": "2030-01-05T00:00:00Z",
      "ends_at": "2030-01-01T00:00:00Z"}, "ends_at"),
    ({"name": "No start", "ends_at": "2030-01-05T00:00:00Z"}, "starts_at"),
    ({"name": "Unknown", "service": "nope", "starts_at": "2030-01-01T00:00:00Z",
      "ends_at": "2030-01-05T00:00:00Z"}, "service"),
    ({"name": "Odd", "starts_at": "2030-01-01T00:00:00Z", "ends_at": "2030-01-05T00:00:00Z",
      "colour": "red"}, "colour"),
])
def test_a_bad_freeze_is_a_400_naming_the_field(api_as, change_manager, body, field):
    response = api_as(change_manager).post(FREEZES, body, format="json")
    assert response.status_code == 400 and field in response.data, response.data


@pytest.mark.parametrize("change, field", [
    ({"weekdays": [0, 7]}, "weekdays"),
    ({"weekdays": []}, "weekdays"),
    ({"duration_minutes": 5}, "duration_minutes"),
    ({"time_zone": "Mars/Olympus"}, "time_zone"),
    ({"service": None}, "service"),
])
def test_a_bad_maintenance_window_is_a_400_naming_the_field(api_as, change_manager, service,
                                                           change, field):
    body = {"name": "Nightly", "service": "email", "weekdays": [0, 1], "start_time": "01:00",
            "duration_minutes": 120, "time_zone": "UTC", **change}
    response = api_as(change_manager).post(MAINTENANCE, body, format="json")
    assert response.status_code == 400 and field in response.data, response.data
    assert not MaintenanceWindow.objects.exists()


def test_a_maintenance_window_of_a_ci(api_as, admin):
    ci = ConfigurationItemFactory(name="db-01")
    response = api_as(admin).post(MAINTENANCE, {
        "name": "DB patching", "configuration_item": "db-01", "weekdays": [6, 5, 6],
        "start_time": "22:00", "duration_minutes": 360}, format="json")
    assert response.status_code == 201, response.data
    window = MaintenanceWindow.objects.get()
    assert window.configuration_item == ci and window.weekdays == [5, 6]


def test_the_window_lists_run_a_constant_number_of_queries(api_as, agent, service,
                                                           count_queries):
    client = api_as(agent)
    client.get(MAINTENANCE)
    MaintenanceWindow.objects.create(name="One", service=service, weekdays=[0],
                                     start_time=time(1), duration_minutes=60)
    few = count_queries(client, MAINTENANCE)
    for n in range(5):
        MaintenanceWindow.objects.create(name=f"W{n}", configuration_item=(
            ConfigurationItemFactory()), weekdays=[n], start_time=time(1), duration_minutes=60)
    assert count_queries(client, MAINTENANCE) == few


# --- the pages ---------------------------------------------------------------------------


def test_the_windows_page_is_linked_from_the_catalog_and_read_by_the_desk(
        client, agent, freeze, nightly):
    client.force_login(agent)
    catalog = client.get(reverse("catalog:services")).text
    assert reverse("catalog:windows") in catalog
    text = client.get(reverse("catalog:windows")).text
    assert "Year end" in text and "Nightly" in text and "Monday, Tuesday, Wednesday" in text
    assert "New freeze window" not in text  # agents read only
    assert client.get(reverse("catalog:window-create", args=["freeze"])).status_code == 403
    assert client.post(reverse("catalog:window-delete", args=["freeze", freeze.pk])
                       ).status_code == 403
    assert FreezeWindow.objects.exists()


def test_requesters_do_not_see_the_windows_page(client, requester):
    client.force_login(requester)
    assert client.get(reverse("catalog:windows")).status_code == 404


def test_a_change_manager_keeps_windows_from_the_page(client, change_manager, service):
    client.force_login(change_manager)
    assert "New freeze window" in client.get(reverse("catalog:windows")).text
    url = reverse("catalog:window-create", args=["freeze"])
    refused = client.post(url, {"name": "Backwards", "service": "",
                                "starts_at": "2030-01-05T00:00", "ends_at": "2030-01-01T00:00"})
    assert refused.status_code == 400 and "ends after it starts" in refused.text
    saved = client.post(url, {"name": "Close", "service": service.pk,
                              "starts_at": "2030-01-01T00:00", "ends_at": "2030-01-05T00:00",
                              "reason": "Month end."})
    assert saved.status_code == 302
    freeze = FreezeWindow.objects.get()
    assert freeze.service == service
    maintenance = client.post(reverse("catalog:window-create", args=["maintenance"]), {
        "name": "Weekend", "service": service.pk, "configuration_item": "",
        "weekdays": ["5", "6"], "start_time": "22:00", "duration_minutes": 240,
        "time_zone": "UTC"})
    assert maintenance.status_code == 302, maintenance.text[:2000]
    window = MaintenanceWindow.objects.get()
    assert window.weekdays == [5, 6]
    edit = reverse("catalog:window-edit", args=["maintenance", window.pk])
    assert 'value="22:00"' in client.get(edit).text
    client.post(reverse("catalog:window-delete", args=["freeze", freeze.pk]))
    assert not FreezeWindow.objects.exists()
    assert client.get(reverse("catalog:window-create", args=["other"])).status_code == 404
