"""Whatever a client sends, the answer is a 4xx that says what is wrong, never a 500."""

from __future__ import annotations

import json
import uuid

import pytest
from django.core.cache.backends.locmem import LocMemCache
from rest_framework.throttling import SimpleRateThrottle

from incidents.models import Incident
from itsm.models import Comment

pytestmark = pytest.mark.django_db

INCIDENTS = "/api/v1/incidents/"


def send(client, method: str, url: str, raw: bytes | str,
         content_type: str = "application/json", **extra):
    return getattr(client, method)(url, data=raw, content_type=content_type, **extra)


@pytest.fixture
def client(api_as, agent, monkeypatch):
    # Token-endpoint requests below must not count against a shared throttle bucket.
    monkeypatch.setattr(SimpleRateThrottle, "cache", LocMemCache(f"throttle-{uuid.uuid4()}", {}))
    return api_as(agent)


def test_oversize_json_is_413(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = json.dumps({"title": "x", "description": "y" * 2000})
    response = send(client, "post", INCIDENTS, body)
    assert response.status_code == 413
    assert not Incident.objects.exists()


@pytest.mark.parametrize("depth", [33, 100, 100_000])
def test_deeply_nested_json_is_400(client, depth):
    body = '{"title": "x", "description": ' + "[" * depth + "]" * depth + "}"
    response = send(client, "post", INCIDENTS, body)
    assert response.status_code == 400
    assert "detail" in response.data
    assert not Incident.objects.exists()


@pytest.mark.parametrize("raw", ['{"title": ', "{'title': 'x'}", "nul", "\xff\xfe", '{"a":1}x'])
def test_malformed_json_is_400(client, raw):
    response = send(client, "post", INCIDENTS, raw.encode("latin-1"))
    assert response.status_code == 400
    assert "detail" in response.data


@pytest.mark.parametrize("raw", ["[]", '["title"]', '"title"', "42", "null", "true"])
def test_json_that_is_not_an_object_is_400(client, incident, raw):
    for method, url in (("post", INCIDENTS),
                        ("patch", f"{INCIDENTS}{incident.number}/"),
                        ("post", f"/api/v1/tickets/{incident.number}/comments/"),
                        ("post", "/api/v1/auth/token/")):
        response = send(client, method, url, raw)
        assert response.status_code == 400, (method, url, response.content)
        assert "non_field_errors" in response.data
    assert Incident.objects.count() == 1
    assert not Comment.objects.exists()


def test_empty_body_is_a_validation_error_not_a_crash(client):
    response = send(client, "post", INCIDENTS, b"")
    assert response.status_code == 400
    assert "title" in response.data


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml",
                                          "application/x-www-form-urlencoded"])
def test_other_content_types_are_415(client, content_type):
    response = send(client, "post", INCIDENTS, b"title=x", content_type=content_type)
    assert response.status_code == 415


def test_huge_version_is_a_conflict_not_a_crash(client, incident):
    response = send(client, "patch", f"{INCIDENTS}{incident.number}/",
                    json.dumps({"version": 10**40, "title": "x"}))
    assert response.status_code == 409


@pytest.mark.parametrize("title", ["nul\u0000", "lone \ud800 surrogate"])
def test_unstorable_text_is_400_naming_the_field(client, incident, title):
    response = send(client, "patch", f"{INCIDENTS}{incident.number}/",
                    json.dumps({"version": incident.version, "title": title}))
    assert response.status_code == 400
    assert "title" in response.data


@pytest.mark.parametrize("params", [
    {"ordering": ""}, {"ordering": ",,,"}, {"service": ""}, {"page_size": ""},
])
def test_empty_list_parameters_fall_back_to_defaults(client, incident, params):
    response = client.get(INCIDENTS, params)
    assert response.status_code == 200
    assert response.data["count"] == 1


@pytest.mark.parametrize(("params", "name"), [
    ({"page_size": "lots"}, "page_size"), ({"page_size": "-5"}, "page_size"),
    ({"page_size": "0"}, "page_size"), ({"breached": "maybe"}, "breached"),
    ({"is_major": "perhaps"}, "is_major"), ({"service": "no-such-service"}, "service"),
])
def test_a_bad_list_parameter_is_a_400_naming_it(client, incident, params, name):
    response = client.get(INCIDENTS, params)
    assert response.status_code == 400
    assert name in response.data


def test_a_big_page_size_is_the_largest_page(client, incident):
    response = client.get(INCIDENTS, {"page_size": "5000"})
    assert response.status_code == 200 and response.data["count"] == 1


def test_null_characters_in_a_search_are_400_naming_q(client):
    response = client.get(INCIDENTS, {"q": "mail\x00"})
    assert response.status_code == 400
    assert "q" in response.data


@pytest.fixture
def plain_static_storage(settings):
    """Serve static URLs without the collectstatic manifest production uses."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.mark.parametrize("url", [INCIDENTS, "/api/v1/tickets/", "/api/v1/catalog/cis/",
                                 "/api/v1/auth/token/"])
def test_browsable_api_renders_for_a_signed_in_user(agent, url, incident, plain_static_storage):
    from rest_framework.test import APIClient

    browser = APIClient()
    browser.force_login(agent)
    response = browser.get(url, HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    for page in (f"{INCIDENTS}{incident.number}/",
                 f"/api/v1/tickets/{incident.number}/comments/",
                 f"/api/v1/tickets/{incident.number}/attachments/"):
        assert browser.get(page, HTTP_ACCEPT="text/html").status_code == 200, page


def test_options_describes_without_crashing(client, incident):
    assert client.options(INCIDENTS).status_code == 200
    assert client.options(f"{INCIDENTS}{incident.number}/").status_code == 200
    assert client.head(INCIDENTS).status_code == 200
