"""Background jobs: auto-closing resolved incidents, plainly and through a real worker."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.contrib.auth.models import Group
from django.db import connections
from django.utils import timezone

from incidents.choices import IncidentStatus
from incidents.models import Incident
from itsm import workflow
from itsm.base import roles
from itsm.celery import app as celery_app
from itsm.choices import EventKind
from itsm.services import auto_close_resolved
from itsm.tasks import auto_close_resolved_task as auto_close_resolved_incidents_task

from ..factories import ServiceFactory, TeamFactory, UserFactory, make_incident


def resolved_incident(agent, requester, service, *, days_ago: float) -> Incident:
    """An incident logged, worked and resolved `days_ago` days ago, through the services."""
    resolved = timezone.now() - timedelta(days=days_ago)
    incident = make_incident(actor=agent, requester=requester, service=service,
                             when=resolved - timedelta(hours=3))
    workflow.assign(incident, actor=agent, assignee=agent, when=resolved - timedelta(hours=2))
    return workflow.transition(incident, IncidentStatus.RESOLVED, actor=agent, when=resolved,
                               resolution_code="solved_permanently",
                               resolution_notes="Rebuilt the mail profile.")


@pytest.mark.django_db
def test_auto_close_closes_only_incidents_resolved_longer_than_the_setting(
        settings, agent, requester, service):
    settings.WORKFLOWS = {"incident": {"auto_close_days": 7}}
    old = resolved_incident(agent, requester, service, days_ago=8)
    recent = resolved_incident(agent, requester, service, days_ago=6)

    assert auto_close_resolved() == 1

    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.status == IncidentStatus.CLOSED and old.closed_at is not None
    assert recent.status == IncidentStatus.RESOLVED and recent.closed_at is None
    event = old.events.get(kind=EventKind.STATUS, new_value=IncidentStatus.CLOSED)
    assert event.actor is None  # the system acted
    assert "7 days" in event.note


@pytest.mark.django_db
def test_auto_close_twice_closes_once(settings, agent, requester, service):
    settings.WORKFLOWS = {"incident": {"auto_close_days": 7}}
    incident = resolved_incident(agent, requester, service, days_ago=10)
    assert auto_close_resolved() == 1
    events = incident.events.count()
    version = Incident.objects.get(pk=incident.pk).version

    assert auto_close_resolved() == 0

    incident.refresh_from_db()
    assert incident.events.count() == events
    assert incident.version == version


@pytest.mark.django_db
def test_auto_close_is_off_when_the_setting_is_zero(settings, agent, requester, service):
    settings.WORKFLOWS = {"incident": {"auto_close_days": 0}}
    incident = resolved_incident(agent, requester, service, days_ago=400)
    assert auto_close_resolved() == 0
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RESOLVED


@pytest.mark.django_db
def test_the_task_runs_the_service(settings, agent, requester, service):
    settings.WORKFLOWS = {"incident": {"auto_close_days": 7}}
    incident = resolved_incident(agent, requester, service, days_ago=9)
    assert auto_close_resolved_incidents_task.apply().get() == 1
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CLOSED


def test_the_beat_schedule_names_registered_tasks(settings):
    celery_app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in celery_app.tasks


def same_redis_other_database(url: str) -> str:
    """The Redis server of REDIS_URL, one database further along.

    Other tests may clear the cache, which on Redis is FLUSHDB of REDIS_URL's database;
    that would also drop this test's queue bindings and message.
    """
    parts = urlsplit(url)
    database = int(parts.path.lstrip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(database + 1) % 16}"))


@pytest.fixture
def worker_closes_its_connection():
    """The worker thread's database connection would outlive the test and keep the test
    database from being dropped; close it after each task, in that thread."""

    def close(**kwargs) -> None:
        connections.close_all()

    task_postrun.connect(close, weak=False)
    yield
    task_postrun.disconnect(close)


@pytest.mark.services
# Committed data, so the worker thread sees it.
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("worker_closes_its_connection")
def test_a_real_worker_closes_an_old_incident_through_redis(settings, monkeypatch):
    """The path production takes: a message on Redis, a worker, the database."""
    assert celery_app.conf.broker_url == settings.REDIS_URL
    broker = same_redis_other_database(settings.REDIS_URL)
    monkeypatch.setattr(celery_app.conf, "broker_url", broker)
    # An earlier transactional test may have flushed what the migrations seeded.
    for name in roles.ALL_ROLES:
        Group.objects.get_or_create(name=name)
    agent = UserFactory(roles=[roles.AGENT])
    service = ServiceFactory(owner_team=TeamFactory(members=[agent]))
    incident = resolved_incident(agent, UserFactory(roles=[roles.REQUESTER]), service,
                                 days_ago=8)
    # A queue of its own, so a worker of another run on the same Redis cannot take it.
    queue = f"test-{uuid.uuid4().hex}"
    try:
        with start_worker(celery_app, pool="solo", perform_ping_check=False, queues=[queue],
                          shutdown_timeout=30):
            with celery_app.connection_for_write(broker) as connection:
                auto_close_resolved_incidents_task.apply_async(queue=queue,
                                                               connection=connection)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                incident.refresh_from_db()
                if incident.status == IncidentStatus.CLOSED:
                    break
                time.sleep(0.2)
    finally:
        client = redis.Redis.from_url(broker)
        leftovers = list(client.scan_iter(match=f"*{queue}*"))  # kombu's bindings
        if leftovers:
            client.delete(*leftovers)

    assert incident.status == IncidentStatus.CLOSED
    assert incident.closed_at is not None
    assert incident.events.filter(kind=EventKind.STATUS, new_value=IncidentStatus.CLOSED,
                                  actor=None).count() == 1
