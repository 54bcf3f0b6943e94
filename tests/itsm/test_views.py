"""Core pages: landing redirect, login (throttled), logout, personal API tokens."""

from __future__ import annotations

import pytest
from django.urls import reverse

from itsm.models import ApiToken, hash_token

pytestmark = pytest.mark.django_db


def login(client, username: str, password: str, ip: str = "10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password},
                       REMOTE_ADDR=ip)


# --- landing --------------------------------------------------------------------------


def test_home_sends_anonymous_users_to_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona,target", [
    ("requester", "portal:home"), ("agent", "work"), ("manager", "work"),
], indirect=["persona"])
def test_home_sends_each_role_to_its_start_page(client, persona, target):
    client.force_login(persona)
    assert client.get(reverse("home"))["Location"] == reverse(target)


def test_menu_shows_role_and_the_links_for_it(client, agent, requester, admin):
    client.force_login(agent)
    page = client.get(reverse("incidents:list")).content.decode()
    assert "Service desk agent" in page and reverse("api-docs") in page
    assert reverse("admin:index") not in page
    client.force_login(requester)
    page = client.get(reverse("portal:home")).content.decode()
    assert f'href="{reverse("incidents:list")}"' not in page
    client.force_login(admin)
    assert reverse("admin:index") in client.get(reverse("incidents:list")).content.decode()


# --- login and its throttle -----------------------------------------------------------


def test_login_page_and_successful_login(client, agent):
    assert client.get(reverse("login")).status_code == 200
    response = login(client, "carol", "pw")
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_login_throttles_failed_attempts_per_ip_and_username(client, agent, settings):
    settings.LOGIN_THROTTLE = "3/minute"
    for _ in range(3):
        response = login(client, "carol", "wrong")
        assert response.status_code == 200
        assert "password didn" in response.content.decode()
    blocked = login(client, "carol", "pw")  # even the right password waits now
    assert blocked.status_code == 429
    assert "Too many failed log-in attempts" in blocked.content.decode()
    assert blocked["Retry-After"] == "60"
    assert "_auth_user_id" not in client.session
    # Another address, or another username from this address, is not affected.
    assert login(client, "carol", "pw", ip="10.0.0.2").status_code == 302


def test_a_successful_login_resets_the_failure_count(client, agent, settings):
    settings.LOGIN_THROTTLE = "3/minute"
    login(client, "carol", "wrong")
    login(client, "carol", "wrong")
    assert login(client, "carol", "pw").status_code == 302
    client.logout()
    login(client, "carol", "wrong")
    login(client, "carol", "wrong")
    assert login(client, "carol", "pw").status_code == 302


def test_throttle_counts_usernames_case_insensitively(client, agent, settings):
    settings.LOGIN_THROTTLE = "2/minute"
    login(client, "Carol", "wrong")
    login(client, "CAROL", "wrong")
    assert login(client, "carol", "pw").status_code == 429


def test_logout_needs_a_post(client, agent):
    client.force_login(agent)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


# --- API tokens -----------------------------------------------------------------------


def test_token_page_needs_login(client):
    response = client.get(reverse("api-tokens"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_create_token_shows_the_key_once_and_stores_only_its_hash(client, requester):
    client.force_login(requester)
    response = client.post(reverse("api-tokens"), {"name": "laptop script"})
    assert response.status_code == 200
    key = response.context["new_key"]
    page = response.content.decode()
    assert key in page and "shown only this once" in page
    assert response["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(user=requester)
    assert token.key_hash == hash_token(key) and token.name == "laptop script"
    assert not ApiToken.objects.filter(key_hash=key).exists()

    again = client.get(reverse("api-tokens")).content.decode()
    assert key not in again
    assert token.prefix in again and "laptop script" in again and "never" in again


def test_token_list_shows_only_my_tokens(client, requester, agent):
    mine, _ = ApiToken.issue(requester, name="mine")
    theirs, _ = ApiToken.issue(agent, name="theirs")
    client.force_login(requester)
    page = client.get(reverse("api-tokens")).content.decode()
    assert "mine" in page and "theirs" not in page


def test_revoke_my_token(client, requester):
    token, _ = ApiToken.issue(requester, name="old")
    client.force_login(requester)
    assert client.get(reverse("api-token-revoke", args=[token.pk])).status_code == 405
    response = client.post(reverse("api-token-revoke", args=[token.pk]), follow=True)
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert "revoked" in response.content.decode()


def test_cannot_revoke_someone_elses_token(client, requester, agent):
    token, _ = ApiToken.issue(agent, name="theirs")
    client.force_login(requester)
    assert client.post(reverse("api-token-revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_one_address_cannot_spray_a_password_over_many_accounts(client, settings):
    settings.LOGIN_THROTTLE = "10/minute"
    settings.LOGIN_ADDRESS_THROTTLE = "5/minute"
    statuses = [login(client, f"user{n}", "Winter2026!").status_code for n in range(7)]
    assert statuses[:5] == [200] * 5 and statuses[5:] == [429, 429]
    # Another address is not affected.
    assert login(client, "user1", "Winter2026!", ip="10.0.0.2").status_code == 200


def test_a_login_page_as_next_does_not_loop(client, agent):
    client.force_login(agent)
    response = client.get(reverse("login") + "?next=" + reverse("login"))
    assert response.status_code == 302
    assert response["Location"] != reverse("login")

