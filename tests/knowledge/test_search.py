"""Search ranked by relevance: full-text on PostgreSQL, a plain match elsewhere."""

import pytest
from django.db import connection

from knowledge import search, services
from knowledge.choices import Audience
from knowledge.models import Article


@pytest.fixture
def articles(agent, team):
    def write(title, body, summary=""):
        return services.create_article(actor=agent, title=title, body=body, summary=summary,
                                       owner_team=team, audience=Audience.REQUESTERS,
                                       publish_now=True)

    return {
        "body": write("Set up a new phone", "Install Outlook, then add the VPN profile."),
        "title": write("VPN disconnects", "Turn off power saving for the adapter."),
        "none": write("Printer jams", "Open tray 2."),
    }


def _ranked(query):
    return [article.title for article in search.ranked(Article.objects.all(), query)]


def test_a_title_match_ranks_above_a_body_match_and_others_are_left_out(articles):
    assert _ranked("vpn") == ["VPN disconnects", "Set up a new phone"]


def test_every_word_must_match(articles):
    assert _ranked("vpn outlook") == ["Set up a new phone"]
    assert _ranked("") == _ranked("   ") != []


def test_suggestions_need_only_some_shared_words(articles):
    found = [a.title for a in search.similar(Article.objects.all(), "my vpn keeps dropping")]
    assert found[0] == "VPN disconnects" and "Printer jams" not in found


@pytest.mark.services
def test_on_postgresql_search_is_full_text(articles):
    assert connection.vendor == "postgresql"
    assert _ranked("vpn") == ["VPN disconnects", "Set up a new phone"]
    assert _ranked("printer & ' ) drop") == []  # the query is text, never syntax
    found = [a.title for a in search.similar(Article.objects.all(), "vpn disconnecting")]
    assert found[0] == "VPN disconnects"
