"""Bytes no database accepts never reach a query: such URLs are plain 404s."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

NUMBERS = ["INC%00", "%00", "INC0000001%00", "INC" + "9" * 40, "ÄÖÜ0001"]
PAGES = ["/incidents/{n}/", "/portal/tickets/{n}/", "/tickets/{n}/attachments/1/download/"]
API = ["/api/v1/incidents/{n}/", "/api/v1/tickets/{n}/", "/api/v1/tickets/{n}/comments/",
       "/api/v1/tickets/{n}/events/", "/api/v1/tickets/{n}/attachments/"]
POSTS = ["/incidents/{n}/comment/", "/incidents/{n}/transition/resolve/",
         "/portal/tickets/{n}/comment/"]


@pytest.mark.parametrize("number", NUMBERS)
def test_malformed_numbers_are_not_found(number, client, agent, api_as):
    client.force_login(agent)
    for page in PAGES:
        assert client.get(page.format(n=number)).status_code == 404, page
    for page in POSTS:
        assert client.post(page.format(n=number), {"body": "x"}).status_code == 404, page
    api = api_as(agent)
    for endpoint in API:
        assert api.get(endpoint.format(n=number)).status_code == 404, endpoint


def test_numbers_are_case_insensitive(client, agent, incident):
    client.force_login(agent)
    assert client.get(f"/incidents/{incident.number.lower()}/").status_code == 200
