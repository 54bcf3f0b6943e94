"""What a change's window collides with (every kind, and what is not a conflict), the
freeze override on scheduling, the change managers told once per set, and the next
free slot."""

from __future__ import annotations

from datetime import time

import pytest
from django.core.exceptions import ValidationError

from catalog.models import CIRelation, FreezeWindow, MaintenanceWindow
from changes import conflicts, services
from changes.conflicts import conflicts_for, conflicts_of, next_free_slot
from changes.models import Change
from itsm import workflow
from itsm.models import Notification
from itsm.services import update_ticket
from itsm.task_kind import add_task
from tests.factories import ConfigurationItemFactory, ServiceFactory

from .scheduling import at

pytestmark = pytest.mark.django_db

def kinds(found) -> list[str]:
    return sorted(conflict.kind for conflict in found)


def test_a_change_on_the_same_service_at_the_same_time_overlaps(book, plan):
    other = book(at(0, 10))
    mine = plan(at(0, 11))
    found = conflicts_of(mine)
    assert kinds(found) == ["overlap"]
    assert found[0].other == other and other.number in found[0].message


def test_windows_that_only_touch_do_not_conflict(book, plan):
    book(at(0, 10))  # 10:00–12:00
    assert conflicts_of(plan(at(0, 12))) == []
    assert conflicts_of(plan(at(0, 8))) == []  # 08:00–10:00


def test_a_change_on_another_service_and_ci_is_no_conflict(book, plan):
    book(at(0, 10))
    assert conflicts_of(plan(at(0, 10), service=ServiceFactory(code="web"))) == []


def test_a_new_or_closed_change_holds_no_window(agent, plan):
    plan(at(0, 10))  # new: not booked
    assert conflicts_of(plan(at(0, 10))) == []


def test_the_same_ci_overlaps_across_services(book, plan):
    ci = ConfigurationItemFactory(name="db-01")
    book(at(0, 10), configuration_item=ci)
    mine = plan(at(0, 11), service=ServiceFactory(code="web"), configuration_item=ci)
    found = conflicts_of(mine)
    assert kinds(found) == ["overlap"] and "configuration item" in found[0].message


def test_an_affected_ci_counts_as_its_own(agent, book, plan):
    ci = ConfigurationItemFactory(name="db-01")
    book(at(0, 10), configuration_item=ci)
    mine = plan(at(0, 11), service=ServiceFactory(code="web"))
    services.set_scope(mine, actor=agent, cis=[ci])
    assert kinds(conflicts_of(mine)) == ["overlap"]


@pytest.mark.parametrize("direction", ["mine depends on theirs", "theirs depends on mine"])
def test_a_change_on_a_related_ci_one_hop_either_way(book, plan, direction):
    web, db = ConfigurationItemFactory(name="web-01"), ConfigurationItemFactory(name="db-01")
    if direction == "mine depends on theirs":
        CIRelation.objects.create(source=web, target=db)
    else:
        CIRelation.objects.create(source=db, target=web, kind="runs_on")
    other_service = ServiceFactory(code="dbs")
    other = book(at(0, 10), configuration_item=db, service=other_service)
    mine = plan(at(0, 11), configuration_item=web, service=ServiceFactory(code="web"))
    found = conflicts_of(mine)
    assert kinds(found) == ["related"]
    assert found[0].other == other and "db-01" in found[0].message


def test_two_hops_away_is_not_related(book, plan):
    web, app, db = (ConfigurationItemFactory(name=name) for name in ("web", "app", "db"))
    CIRelation.objects.create(source=web, target=app)
    CIRelation.objects.create(source=app, target=db)
    book(at(0, 10), configuration_item=db, service=ServiceFactory(code="dbs"))
    assert conflicts_of(plan(at(0, 11), configuration_item=web,
                             service=ServiceFactory(code="web"))) == []


def test_a_freeze_of_everything_or_of_its_service_is_a_conflict(agent, plan, service):
    mine = plan(at(0, 10))
    FreezeWindow.objects.create(name="Web launch", service=ServiceFactory(code="web"),
                                starts_at=at(0), ends_at=at(1))
    assert conflicts_of(mine) == []  # another service's freeze
    everywhere = FreezeWindow.objects.create(name="Year end", starts_at=at(0, 11),
                                             ends_at=at(2))
    found = conflicts_of(mine)
    assert kinds(found) == ["freeze"] and found[0].other == everywhere
    assert "Year end" in found[0].message


def test_scheduling_into_a_freeze_needs_the_reason_for_the_override(agent, service):
    FreezeWindow.objects.create(name="Year end", starts_at=at(0), ends_at=at(7))
    with pytest.raises(ValidationError) as refused:
        services.create_change(actor=agent, title="x", service=service,
                               planned_start=at(1, 10), planned_end=at(1, 12))
    assert "freeze_override" in refused.value.message_dict
    assert "Year end" in refused.value.message_dict["freeze_override"][0]
    change = services.create_change(actor=agent, title="x", service=service,
                                    planned_start=at(1, 10), planned_end=at(1, 12),
                                    freeze_override="The regulator's deadline.")
    assert change.freeze_override == "The regulator's deadline."
    # Dropping the reason while the window stays in the freeze is refused too.
    with pytest.raises(ValidationError) as dropped:
        update_ticket(change, actor=agent, freeze_override="")
    assert "freeze_override" in dropped.value.message_dict


def test_moving_a_window_into_a_freeze_is_refused_without_a_reason(agent, plan):
    FreezeWindow.objects.create(name="Year end", starts_at=at(3), ends_at=at(5))
    change = plan(at(0, 10))
    with pytest.raises(ValidationError) as refused:
        update_ticket(change, actor=agent, planned_start=at(3, 10), planned_end=at(3, 12))
    assert "freeze_override" in refused.value.message_dict
    update_ticket(Change.objects.get(pk=change.pk), actor=agent, planned_start=at(3, 10),
                  planned_end=at(3, 12), freeze_override="Vendor window.")
    assert Change.objects.get(pk=change.pk).planned_start == at(3, 10)


def test_scheduling_a_standard_change_into_a_freeze_names_the_freeze(agent, template):
    change = services.create_change(actor=agent, change_type="standard",
                                    standard_change=template, planned_start=at(0, 10),
                                    planned_end=at(0, 12))
    FreezeWindow.objects.create(name="Sales peak", starts_at=at(0), ends_at=at(1))
    with pytest.raises(ValidationError) as refused:
        workflow.transition(change, "scheduled", actor=agent)
    assert "Sales peak" in refused.value.message_dict["freeze_override"][0]
    assert Change.objects.get(pk=change.pk).status == "new"
    update_ticket(Change.objects.get(pk=change.pk), actor=agent, freeze_override="Urgent.")
    workflow.transition(Change.objects.get(pk=change.pk), "scheduled", actor=agent)
    assert Change.objects.get(pk=change.pk).status == "scheduled"


def test_a_window_inside_a_maintenance_slot_across_midnight_is_covered(plan, weekend):
    assert conflicts_of(plan(at(5, 23), hours=2)) == []  # Sat 23:00 – Sun 01:00
    assert conflicts_of(plan(at(5, 22), hours=6)) == []  # the whole slot


def test_a_window_outside_the_maintenance_slots_is_a_conflict(plan, weekend):
    found = conflicts_of(plan(at(2, 10)))  # Wednesday morning
    assert kinds(found) == ["maintenance"] and found[0].other == weekend
    assert "Email" in found[0].message
    assert kinds(conflicts_of(plan(at(6, 3), hours=2))) == ["maintenance"]  # past 04:00


def test_a_cis_own_maintenance_window_governs_it(plan):
    ci = ConfigurationItemFactory(name="db-01")
    MaintenanceWindow.objects.create(name="Nightly", configuration_item=ci,
                                     weekdays=list(range(7)), start_time=time(1),
                                     duration_minutes=180, time_zone="UTC")
    assert conflicts_of(plan(at(2, 1), configuration_item=ci)) == []
    found = conflicts_of(plan(at(2, 12), configuration_item=ci))
    assert kinds(found) == ["maintenance"] and "db-01" in found[0].message


def test_an_assignee_booked_through_tasks_at_the_same_time_is_double_booked(
        agent, team_lead, book, plan):
    other = book(at(0, 8), hours=8, service=ServiceFactory(code="dbs"))
    add_task(other, actor=agent, title="Patch", assignee=team_lead,
             planned_start=at(0, 9), planned_end=at(0, 10))
    mine = plan(at(0, 9, 30), hours=1, service=ServiceFactory(code="web"))
    step = add_task(mine, actor=agent, title="Restart", assignee=team_lead)  # the change's time
    found = conflicts_of(mine)
    assert kinds(found) == ["double_booked"]
    assert found[0].other == other and found[0].who == team_lead.pk
    assert team_lead.first_name in found[0].message
    # The task's own time, when it has one, is what counts.
    update_ticket(step, actor=agent, planned_start=at(0, 10), planned_end=at(0, 10, 30))
    assert conflicts_of(Change.objects.get(pk=mine.pk)) == []


def test_the_changes_own_assignee_booked_on_another_change_is_double_booked(
        agent, book, plan):
    book(at(0, 10), service=ServiceFactory(code="dbs"), assignee=agent)
    mine = plan(at(0, 11), service=ServiceFactory(code="web"), assignee=agent)
    assert kinds(conflicts_of(mine)) == ["double_booked"]


def test_a_proposed_window_is_checked_instead_of_the_planned_one(book, plan):
    book(at(0, 10))
    mine = plan(at(1, 10))
    assert conflicts_of(mine) == []
    assert kinds(conflicts_of(mine, at(0, 9), at(0, 11))) == ["overlap"]


def test_one_change_is_checked_in_a_bounded_number_of_queries(
        django_assert_max_num_queries, agent, team_lead, book, plan, weekend):
    ci = ConfigurationItemFactory(name="db-01")
    for hour in range(3):
        other = book(at(0, 8 + hour), configuration_item=ci)
        add_task(other, actor=agent, title="Step", assignee=team_lead)
    mine = plan(at(0, 9), configuration_item=ci)
    add_task(mine, actor=agent, title="Step", assignee=team_lead)
    FreezeWindow.objects.create(name="Freeze", starts_at=at(0), ends_at=at(1))
    mine = Change.objects.get(pk=mine.pk)
    with django_assert_max_num_queries(11):
        found = conflicts_of(mine)
    assert {"overlap", "double_booked", "freeze", "maintenance"} <= set(kinds(found))


def test_the_calendars_batch_reads_as_many_queries_for_many_changes(
        django_assert_max_num_queries, agent, team_lead, book):
    changes = [book(at(day, 10), configuration_item=ConfigurationItemFactory())
               for day in range(2)]
    with django_assert_max_num_queries(10) as few:
        conflicts_for(changes)
    changes += [book(at(day, 10), configuration_item=ConfigurationItemFactory())
                for day in range(12)]
    for change in changes[::3]:
        add_task(change, actor=agent, title="Step", assignee=team_lead)
    with django_assert_max_num_queries(len(few.captured_queries) + 1):
        found = conflicts_for(changes)
    assert len(found) == len(changes)


def test_the_batch_finds_what_one_by_one_finds(agent, book, plan):
    ci = ConfigurationItemFactory(name="db-01")
    first = book(at(0, 10), configuration_item=ci)
    second = book(at(0, 11), configuration_item=ci)
    third = book(at(1, 10))
    together = conflicts_for([first, second, third])
    for change in (first, second, third):
        assert together[change.pk] == conflicts_of(change)
    assert kinds(together[first.pk]) == ["overlap"]


# --- telling the change managers -------------------------------------------------------


def told(change) -> int:
    return Notification.objects.filter(ticket_id=change.pk, kind="change_conflict").count()


def test_the_change_managers_hear_of_conflicts_once_per_set(agent, change_manager, book,
                                                           plan):
    book(at(0, 10))
    mine = plan(at(0, 11))
    assert told(mine) == 1
    note = Notification.objects.get(ticket_id=mine.pk, kind="change_conflict")
    assert note.user == change_manager and mine.number in note.subject
    update_ticket(Change.objects.get(pk=mine.pk), actor=agent, title="Edited")  # no move
    update_ticket(Change.objects.get(pk=mine.pk), actor=agent, planned_start=at(0, 11, 30),
                  planned_end=at(0, 13, 30))  # moved, same conflict
    assert told(mine) == 1
    book(at(0, 12), title="Another")  # not this change's save: nothing told yet
    update_ticket(Change.objects.get(pk=mine.pk), actor=agent, planned_end=at(0, 14))
    assert told(mine) == 2  # a new set


def test_a_conflict_free_window_tells_nobody(change_manager, plan):
    assert told(plan(at(0, 10))) == 0


def test_a_change_scheduled_into_a_conflict_is_told(agent, change_manager, book, template):
    book(at(0, 10))
    change = services.create_change(actor=agent, change_type="standard",
                                    standard_change=template, planned_start=at(0, 11),
                                    planned_end=at(0, 12))
    Notification.objects.all().delete()
    Change.objects.filter(pk=change.pk).update(conflicts_told="")
    workflow.transition(Change.objects.get(pk=change.pk), "scheduled", actor=agent)
    assert told(change) == 1


# --- the next free slot ----------------------------------------------------------------


def test_the_next_free_slot_is_the_first_window_after_what_is_in_the_way(book, plan):
    book(at(0, 10), hours=3)  # 10:00–13:00
    mine = plan(at(0, 11))
    assert next_free_slot(mine, after=at(0, 9)) == (at(0, 13), at(0, 15))
    assert next_free_slot(mine, after=at(0, 7)) == (at(0, 7), at(0, 9))


def test_the_next_free_slot_skips_a_freeze(plan):
    FreezeWindow.objects.create(name="Year end", starts_at=at(0), ends_at=at(3, 6, 15))
    mine = plan(at(4, 10), freeze_override="")
    assert next_free_slot(mine, after=at(0, 8)) == (at(3, 6, 15), at(3, 8, 15))


def test_the_next_free_slot_lands_in_a_maintenance_window(plan, weekend):
    mine = plan(at(0, 10))
    assert next_free_slot(mine, after=at(0, 9)) == (at(5, 22), at(6, 0))


def test_there_is_no_free_slot_when_90_days_are_frozen(plan):
    FreezeWindow.objects.create(name="Long freeze", starts_at=at(0), ends_at=at(100))
    mine = Change.objects.get(pk=plan(at(200, 10)).pk)
    assert next_free_slot(mine, after=at(0, 8)) is None


def test_an_unplanned_change_has_no_slot(agent, service):
    change = services.create_change(actor=agent, title="Unplanned", service=service)
    assert next_free_slot(change) is None and conflicts_of(change) == []


def test_moving_to_the_next_slot_moves_the_timed_tasks_along(agent, team_lead, book, plan):
    book(at(0, 10), hours=3)
    mine = plan(at(0, 11))
    step = add_task(mine, actor=agent, title="Step", assignee=team_lead,
                    planned_start=at(0, 11, 30), planned_end=at(0, 12))
    slot = conflicts.next_free_slot(mine, after=at(0, 12))
    services.reschedule(mine, actor=agent, start=slot[0], end=slot[1])
    mine = Change.objects.get(pk=mine.pk)
    assert (mine.planned_start, mine.planned_end) == (at(0, 13), at(0, 15))
    step.refresh_from_db()
    assert (step.planned_start, step.planned_end) == (at(0, 13, 30), at(0, 14))
    assert mine.events.filter(field="planned_start").exists()
