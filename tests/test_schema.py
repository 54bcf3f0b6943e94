"""The OpenAPI schema generates without warnings, and the docs work offline."""

from __future__ import annotations

import re

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.core.management import call_command
from drf_spectacular.drainage import GENERATOR_STATS

EXTERNAL_ASSET = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)


@pytest.fixture
def plain_static_storage(settings):
    """Static URLs without the collectstatic manifest that production builds."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def test_schema_generates_and_validates_without_warnings(tmp_path):
    GENERATOR_STATS.reset()
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    paths = set(schema["paths"])
    assert {
        "/api/v1/auth/token/", "/api/v1/incidents/", "/api/v1/incidents/{number}/",
        "/api/v1/tickets/", "/api/v1/tickets/{number}/",
        "/api/v1/tickets/{number}/comments/", "/api/v1/tickets/{number}/events/",
        "/api/v1/tickets/{number}/attachments/", "/api/v1/catalog/customers/",
        "/api/v1/catalog/services/", "/api/v1/catalog/teams/", "/api/v1/catalog/cis/",
    } <= paths
    incident = schema["paths"]["/api/v1/incidents/{number}/"]
    assert {"get", "patch"} <= set(incident)
    assert "put" not in incident and "delete" not in incident
    patch_responses = incident["patch"]["responses"]
    assert {"200", "400", "403", "404", "409", "412", "428"} <= set(patch_responses)
    assert set(schema["components"]["securitySchemes"]) == {"tokenAuth", "cookieAuth"}


@pytest.mark.django_db
def test_schema_is_served_to_signed_in_users_and_token_holders(client, api_as, requester):
    assert client.get("/api/schema/").status_code == 401
    client.force_login(requester)
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert b"openapi: 3" in response.content
    assert api_as(requester).get("/api/schema/").status_code == 200


@pytest.mark.django_db
def test_docs_send_a_stranger_to_the_login_page(client):
    response = client.get("/api/docs/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/api/docs/")


@pytest.mark.django_db
def test_docs_are_served_without_any_cdn(client, agent, settings, plain_static_storage):
    client.force_login(agent)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui-bundle.js" in html
    assert not EXTERNAL_ASSET.search(html), EXTERNAL_ASSET.search(html).group(0)
    assert '"validatorUrl": null' in html  # no call to the online validator either
    # Every asset the page loads is the app's own (links to pages are not assets).
    for asset in re.findall(r"""<(?:script|link|img)\b[^>]*\b(?:src|href)=["']([^"']+)["']""",
                            html):
        assert asset.startswith(settings.STATIC_URL if settings.STATIC_URL.startswith("/")
                                else f"/{settings.STATIC_URL}"), asset
        relative = asset.split(settings.STATIC_URL, 1)[1]
        assert finders.find(relative), f"{asset} is not shipped with the app"
