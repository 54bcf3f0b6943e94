"""Personas and shared fixtures (STYLE.md): requester, other_requester, agent,
other_team_agent, team_lead, change_manager, manager, admin.

Tests that need PostgreSQL and Redis carry the `services` marker, and the browser test
the `browser` marker (it needs Debian's /usr/bin/chromium); they are skipped, with the
reason printed, when what they need is missing, and fail instead when REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import os
import uuid

import pytest
from rest_framework.test import APIClient

from itsm.models import ApiToken

from .factories import (
    CustomerFactory,
    ServiceFactory,
    TeamFactory,
    UserFactory,
    make_incident,
    make_office,
)

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def pytest_configure(config):
    from django.conf import settings

    # Hashing demo passwords with PBKDF2 would dominate the suite's run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Pages link static files; the suite runs without collectstatic's manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns otherwise
    # The browser test's live server thread outlives the test; with persistent
    # connections it would still hold the test database when pytest drops it.
    settings.DATABASES["default"]["CONN_MAX_AGE"] = 0


CHROMIUM = "/usr/bin/chromium"
_MISSING = pytest.StashKey[str]()


def _missing_for(item) -> list[str]:
    """What a test's markers need that this run does not have."""
    missing = []
    if item.get_closest_marker("services"):
        if not os.environ.get("REDIS_URL"):
            missing.append("REDIS_URL")
        if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
            missing.append("DATABASE_URL (PostgreSQL)")
    if item.get_closest_marker("browser") and not os.access(CHROMIUM, os.X_OK):
        missing.append(f"{CHROMIUM} (apt-get install chromium)")
    return missing


def pytest_collection_modifyitems(config, items):
    """Skip, with the reason, tests whose services are missing; REQUIRE_SERVICES=1 (CI)
    turns the skip into a failure, so a missing service can never pass unseen."""
    for item in items:
        missing = _missing_for(item)
        if not missing:
            continue
        reason = f"needs {' and '.join(missing)}"
        if REQUIRE_SERVICES:
            item.stash[_MISSING] = f"REQUIRE_SERVICES=1 but this test {reason}"
        else:
            item.add_marker(pytest.mark.skip(reason=reason))


def pytest_runtest_setup(item):
    reason = item.stash.get(_MISSING, None)
    if reason:
        pytest.fail(reason, pytrace=False)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_sla_terms():
    """Tests roll back rows (and SQLite reuses ids): no terms cached across tests."""
    from catalog.models import clear_terms_cache

    clear_terms_cache()
    yield
    clear_terms_cache()


@pytest.fixture(autouse=True)
def _private_cache(settings):
    """Each test counts throttles in a cache of its own: a shared Redis is never flushed
    and parallel workers never see each other's counters."""
    settings.CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": f"test-{uuid.uuid4()}",
    }}


@pytest.fixture
def customer(db):
    return CustomerFactory(name="Retail banking", code="retail")


@pytest.fixture
def other_customer(db):
    return CustomerFactory(name="Insurance", code="insurance")


@pytest.fixture
def requester(customer):
    return UserFactory(username="alice", roles=["requester"], customer=customer)


@pytest.fixture
def other_requester(other_customer):
    return UserFactory(username="bob", roles=["requester"], customer=other_customer)


@pytest.fixture
def agent(db):
    return UserFactory(username="carol", roles=["agent"])


@pytest.fixture
def other_team_agent(db):
    return UserFactory(username="dave", roles=["agent"])


@pytest.fixture
def team_lead(db):
    return UserFactory(username="erin", roles=["team_lead"])


@pytest.fixture
def change_manager(db):
    return UserFactory(username="frank", roles=["change_manager"])


@pytest.fixture
def manager(db):
    return UserFactory(username="grace", roles=["manager"])


@pytest.fixture
def admin(db):
    return UserFactory(username="heidi", roles=["admin"], is_staff=True, is_superuser=True)


@pytest.fixture
def team(agent, team_lead):
    team = TeamFactory(name="Service desk", members=[agent, team_lead])
    team.lead = team_lead
    team.save()
    return team


@pytest.fixture
def other_team(other_team_agent):
    return TeamFactory(name="Network operations", members=[other_team_agent])


@pytest.fixture
def service(team):
    return ServiceFactory(name="Email", code="email", owner_team=team)


@pytest.fixture
def office(db):
    """A Mon–Fri 08:00–18:00 Europe/Berlin calendar."""
    return make_office()


@pytest.fixture
def incident(agent, requester, service):
    """An incident the requester logged, routed to the service's team, not yet assigned."""
    return make_incident(actor=agent, requester=requester, service=service,
                         title="Outlook cannot connect", impact=2, urgency=2)


PERSONAS = ("requester", "other_requester", "agent", "other_team_agent", "team_lead",
            "change_manager", "manager", "admin")


@pytest.fixture
def persona(request):
    """The persona named by indirect parametrisation, e.g. parametrize('persona', ...)."""
    return request.getfixturevalue(request.param)


@pytest.fixture
def eager(settings):
    """Tasks run in-process when queued (the Celery app read its settings already)."""
    from itsm.celery import app as celery_app

    settings.CELERY_TASK_ALWAYS_EAGER = True
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def count_queries():
    """count_queries(client, path) -> the number of queries a GET of `path` runs (it
    must answer 200). For pinning that a page's or list's count does not grow."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(client, path: str, **params) -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path, params)
        assert response.status_code == 200, getattr(response, "content", b"")[:500]
        count.last_response = response
        return len(ctx.captured_queries)

    return count


@pytest.fixture
def api_as():
    """An API client authenticated with a real token for the given user."""

    def make(user) -> APIClient:
        client = APIClient()
        if user is not None:
            _, key = ApiToken.issue(user, name="test")
            client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    return make
