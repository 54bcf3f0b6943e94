"""Token authentication: obtain, use, list, revoke, throttle; no Basic auth."""

from __future__ import annotations

import base64
import uuid

import pytest
from django.conf import settings
from django.core.cache.backends.locmem import LocMemCache
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from itsm.models import ApiToken, hash_token

from ..factories import UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
PROTECTED = "/api/v1/incidents/"


@pytest.fixture(autouse=True)
def _fresh_throttle_buckets(monkeypatch):
    """Each test counts from zero in a cache of its own (never flush a shared Redis)."""
    monkeypatch.setattr(SimpleRateThrottle, "cache", LocMemCache(f"throttle-{uuid.uuid4()}", {}))


def token_rate() -> int:
    rate = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["token"]
    return int(rate.split("/")[0])


def test_username_and_password_give_a_working_token(requester):
    client = APIClient()
    response = client.post(TOKEN, {"username": "alice", "password": "pw", "name": "laptop"})
    assert response.status_code == 201
    key = response.data["token"]
    assert response.data["name"] == "laptop"
    assert response.data["prefix"] == key[:8]

    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get(PROTECTED).status_code == 200


def test_tokens_are_stored_hashed(requester):
    key = APIClient().post(TOKEN, {"username": "alice", "password": "pw"}).data["token"]
    stored = ApiToken.objects.get(user=requester)
    assert stored.key_hash == hash_token(key)
    assert key not in {stored.key_hash, stored.prefix, stored.name}


@pytest.mark.parametrize("payload", [
    {"username": "alice", "password": "wrong"},
    {"username": "nobody", "password": "pw"},
    {"username": "ALICE ", "password": "pw "},
])
def test_wrong_credentials_are_400_naming_the_password(requester, payload):
    response = APIClient().post(TOKEN, payload)
    assert response.status_code == 400
    assert "password" in response.data
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("payload, field", [
    ({"password": "pw"}, "username"),
    ({"username": "alice"}, "password"),
    ({"username": "alice", "password": "pw", "scope": "admin"}, "scope"),
    ({"username": ["alice"], "password": "pw"}, "username"),
])
def test_incomplete_token_requests_name_the_field(requester, payload, field):
    response = APIClient().post(TOKEN, payload)
    assert response.status_code == 400
    assert field in response.data


def test_inactive_users_get_no_token(db):
    UserFactory(username="left", is_active=False)
    response = APIClient().post(TOKEN, {"username": "left", "password": "pw"})
    assert response.status_code == 400


def test_token_requests_are_throttled_per_client(requester):
    client = APIClient()
    for _ in range(token_rate()):
        assert client.post(TOKEN, {"username": f"guess{_}", "password": "x"}).status_code == 400
    response = client.post(TOKEN, {"username": "alice", "password": "pw"})
    assert response.status_code == 429
    assert "Retry-After" in response
    assert not ApiToken.objects.exists()


def test_token_requests_are_throttled_per_username_whatever_the_address(requester):
    client = APIClient()
    for n in range(token_rate()):
        client.post(TOKEN, {"username": "alice", "password": "x"}, REMOTE_ADDR=f"10.0.0.{n}")
    response = client.post(TOKEN, {"username": "Alice", "password": "pw"},
                           REMOTE_ADDR="10.0.1.1")
    assert response.status_code == 429
    other = client.post(TOKEN, {"username": "bob", "password": "x"}, REMOTE_ADDR="10.0.1.2")
    assert other.status_code == 400  # another account's bucket is untouched


def test_a_forged_forwarded_for_does_not_buy_new_attempts(requester):
    client = APIClient()
    statuses = [
        client.post(TOKEN, {"username": f"user{n}", "password": "x"},
                    HTTP_X_FORWARDED_FOR=f"10.9.0.{n}").status_code
        for n in range(token_rate() + 1)
    ]
    assert statuses[-1] == 429


def test_delete_revokes_the_token_of_the_request(api_as, requester):
    client = api_as(requester)
    other_key = ApiToken.issue(requester, name="other")[1]
    assert client.delete(TOKEN).status_code == 204
    assert client.get(PROTECTED).status_code == 401
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Token {other_key}")
    assert other.get(PROTECTED).status_code == 200  # only the one used is revoked


def test_delete_over_a_session_is_400_naming_token(requester):
    client = APIClient()
    client.force_login(requester)
    response = client.delete(TOKEN)
    assert response.status_code == 400
    assert "token" in response.data


def test_listing_tokens_never_shows_a_key(api_as, requester, other_requester):
    client = api_as(requester)
    ApiToken.issue(other_requester, name="not mine")
    revoked, _key = ApiToken.issue(requester, name="old")
    revoked.revoke()
    response = client.get(TOKEN)
    assert response.status_code == 200
    assert [t["name"] for t in response.data] == ["test"]
    assert response.data[0]["current"] is True
    assert set(response.data[0]) == {"prefix", "name", "created_at", "last_used_at", "current"}


def test_anonymous_requests_are_401(db):
    client = APIClient()
    assert client.get(PROTECTED).status_code == 401
    assert client.get(TOKEN).status_code == 401
    assert client.delete(TOKEN).status_code == 401


@pytest.mark.parametrize("header", ["Token nonsense", "Token ", "Token a b", "Bearer x"])
def test_bad_token_headers_are_401(db, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert client.get(PROTECTED).status_code == 401


def test_basic_auth_is_not_accepted(requester):
    client = APIClient()
    basic = base64.b64encode(b"alice:pw").decode()
    client.credentials(HTTP_AUTHORIZATION=f"Basic {basic}")
    assert client.get(PROTECTED).status_code == 401


def test_token_of_a_deactivated_user_stops_working(api_as, requester):
    client = api_as(requester)
    requester.is_active = False
    requester.save()
    assert client.get(PROTECTED).status_code == 401


def test_session_writes_need_the_csrf_token(requester):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(requester)
    assert client.get(PROTECTED).status_code == 200
    response = client.post(PROTECTED, {"title": "From the browser"}, format="json")
    assert response.status_code == 403
