"""Releases: their status moves, the changes they hold (one release per change), and
deploying one taking its launches live through operational acceptance."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from catalog.models import Lifecycle, Service, ServiceLevelAgreement, SupportLevel
from changes import releases
from changes.models import Change, Release
from improvement.models import Suggestion
from itsm.models import TicketEvent
from tests.factories import ServiceFactory, make_office


@pytest.fixture
def release(agent):
    return releases.create_release(actor=agent, name="2026.3", planned_date=date(2026, 3, 20))


@pytest.fixture
def launch(team):
    """A new service, complete but for its support path."""
    service = ServiceFactory(name="Payroll", code="payroll", owner_team=team,
                             lifecycle=Lifecycle.PLANNED, description="Pays.",
                             operations_notes="Batch.", support_notes="Call ops.")
    ServiceLevelAgreement.objects.create(name="Payroll SLA", service=service,
                                         calendar=make_office())
    return service


def move(release, *targets, actor, **kwargs):
    for target in targets:
        release = releases.set_status(release, target, actor=actor, **kwargs)
    return release


def test_a_release_moves_planned_in_progress_deployed(release, agent):
    assert release.status == "planned" and release.created_by == agent
    release = move(release, "in_progress", "deployed", actor=agent)
    assert release.status == "deployed" and release.deployed_at is not None


@pytest.mark.parametrize(("path", "refused"), [
    ((), "deployed"), ((), "rolled_back"), ((), "planned"), (("in_progress",), "planned"),
    (("in_progress", "deployed"), "rolled_back"), (("in_progress", "rolled_back"),
                                                   "in_progress"),
    ((), "nonsense"),
])
def test_other_moves_are_refused_naming_the_status(release, agent, path, refused):
    release = move(release, *path, actor=agent)
    with pytest.raises(ValidationError) as error:
        releases.set_status(release, refused, actor=agent)
    assert "status" in error.value.message_dict
    assert Release.objects.get(pk=release.pk).status == release.status


def test_managers_read_releases_but_change_none(release, manager, normal):
    for attempt in (lambda: releases.set_status(release, "in_progress", actor=manager),
                    lambda: releases.add_change(release, normal, actor=manager),
                    lambda: releases.create_release(actor=manager, name="x",
                                                    planned_date=date(2026, 1, 1))):
        with pytest.raises(PermissionDenied):
            attempt()
    assert Release.objects.get(pk=release.pk).status == "planned"


def test_a_change_belongs_to_one_release_at_most(release, agent, normal):
    releases.add_change(release, normal, actor=agent)
    assert Change.objects.get(pk=normal.pk).release == release
    event = TicketEvent.objects.get(ticket=normal, field="release")
    assert (event.old_value, event.new_value) == ("", "2026.3")
    other = releases.create_release(actor=agent, name="2026.4", planned_date=date(2026, 4, 1))
    with pytest.raises(ValidationError) as taken:
        releases.add_change(other, normal, actor=agent)
    assert "change" in taken.value.message_dict and "2026.3" in str(taken.value)
    releases.remove_change(release, normal, actor=agent)
    releases.add_change(other, normal, actor=agent)
    assert Change.objects.get(pk=normal.pk).release == other
    with pytest.raises(ValidationError):
        releases.remove_change(release, normal, actor=agent)


def test_a_deployed_release_changes_no_more(release, agent, normal):
    release = move(release, "in_progress", "deployed", actor=agent)
    with pytest.raises(ValidationError) as closed:
        releases.add_change(release, normal, actor=agent)
    assert "status" in closed.value.message_dict
    with pytest.raises(ValidationError):
        releases.update_release(release, actor=agent, notes="Later.")


def test_names_are_unique(release, agent):
    with pytest.raises(ValidationError) as twice:
        releases.create_release(actor=agent, name="2026.3", planned_date=date(2026, 3, 1))
    assert "name" in twice.value.message_dict


def test_deploying_takes_complete_launches_live(release, agent, launch, team):
    SupportLevel.objects.create(service=launch, position=1, team=team)
    releases.update_release(release, actor=agent, launches=[launch])
    move(release, "in_progress", "deployed", actor=agent)
    assert Service.objects.get(pk=launch.pk).lifecycle == Lifecycle.LIVE
    assert not Suggestion.objects.exists()


def test_a_launch_with_gaps_holds_the_deployment(release, agent, launch):
    releases.update_release(release, actor=agent, launches=[launch])
    release = move(release, "in_progress", actor=agent)
    with pytest.raises(ValidationError) as refused:
        releases.set_status(release, "deployed", actor=agent)
    assert "status" in refused.value.message_dict
    assert "a support path" in refused.value.message_dict["status"][0]
    with pytest.raises(PermissionDenied):
        releases.set_status(release, "deployed", actor=agent, override_reason="Now.")
    assert Release.objects.get(pk=release.pk).status == "in_progress"
    assert Service.objects.get(pk=launch.pk).lifecycle == Lifecycle.PLANNED
    assert not Suggestion.objects.exists()


def test_a_change_manager_deploys_over_the_gaps(release, agent, change_manager, launch):
    live = ServiceFactory(name="Mail", code="mail", owner_team=None)  # live already
    releases.update_release(release, actor=agent, launches=[launch, live])
    release = move(release, "in_progress", actor=agent)
    move(release, "deployed", actor=change_manager, override_reason="Go-live date is law.")
    assert Release.objects.get(pk=release.pk).status == "deployed"
    assert Service.objects.get(pk=launch.pk).lifecycle == Lifecycle.LIVE
    suggestion = Suggestion.objects.get()
    assert suggestion.service == launch and "a support path" in suggestion.description


def test_the_launch_checklists(release, agent, launch):
    releases.update_release(release, actor=agent, launches=[launch])
    [(service, checks)] = releases.launches_with_checks(release)
    assert service == launch
    assert [check.key for check in checks if not check.ok] == ["support_path"]
