"""The knowledge base's pages: desk, portal, the ticket part and the suggestions."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from knowledge import services
from knowledge.choices import Audience, ViewSource
from knowledge.models import Article, ArticleView


def test_the_desk_searches_by_words_service_and_type(client, agent, article, agents_article):
    client.force_login(agent)
    page = client.get(reverse("knowledge:list"), {"q": "outlook"})
    assert page.status_code == 200
    assert article.title in page.text and agents_article.title not in page.text
    page = client.get(reverse("knowledge:list"), {"q": "relay", "article_type": "faq"})
    assert agents_article.title not in page.text


def test_a_requester_finds_only_requester_articles_and_never_an_agents_one(
        client, requester, article, agents_article):
    client.force_login(requester)
    page = client.get(reverse("kb-portal:list"), {"q": "relay"})
    assert agents_article.title not in page.text
    assert client.get(reverse("kb-portal:detail", args=[agents_article.pk])).status_code == 404
    assert client.get(reverse("knowledge:detail", args=[agents_article.pk])).status_code == 404
    assert client.get(reverse("knowledge:list")).status_code == 404
    page = client.get(reverse("kb-portal:detail", args=[article.pk]))
    assert page.status_code == 200 and "<strong>File</strong>" in page.text


def test_reading_counts_a_view_with_where_it_came_from(client, requester, article):
    client.force_login(requester)
    client.get(reverse("kb-portal:detail", args=[article.pk]), {"from": "suggestion"})
    client.get(reverse("kb-portal:detail", args=[article.pk]), {"from": "nonsense"})
    assert list(ArticleView.objects.values_list("source", flat=True)) == [
        ViewSource.SUGGESTION, ViewSource.DIRECT]
    assert Article.objects.get(pk=article.pk).view_count == 2


def test_a_reader_votes_from_the_portal(client, requester, article):
    client.force_login(requester)
    response = client.post(reverse("kb-portal:vote", args=[article.pk]), {"helpful": "0"})
    assert response.status_code == 302
    assert Article.objects.get(pk=article.pk).unhelpful_count == 1


def test_the_portal_form_suggests_requester_articles_as_the_title_is_typed(
        client, requester, article, agents_article, service):
    client.force_login(requester)
    form = client.get(reverse("portal:incident-create"))
    assert reverse("kb-portal:suggest") in form.text
    found = client.get(reverse("kb-portal:suggest"), {"title": "outlook will not connect",
                                                      "service": service.pk})
    assert article.title in found.text and "from=suggestion" in found.text
    found = client.get(reverse("kb-portal:suggest"), {"title": "mail relay queue"})
    assert agents_article.title not in found.text
    assert client.get(reverse("kb-portal:suggest"), {"title": "x", "service": "';--"}
                      ).status_code == 200


def test_an_owner_writes_an_article_and_each_save_is_a_revision(client, agent, team):
    client.force_login(agent)
    response = client.post(reverse("knowledge:create"), {
        "title": "Printer jams", "summary": "", "article_type": "how_to",
        "audience": "requesters", "owner_team": team.pk, "body": "Open tray 2.",
        "base_revision": "", "edit_summary": "First"})
    assert response.status_code == 302
    article = Article.objects.get(title="Printer jams")
    assert article.state == "draft"
    response = client.post(reverse("knowledge:edit", args=[article.pk]), {
        "title": "Printer jams", "summary": "", "article_type": "how_to",
        "audience": "requesters", "owner_team": team.pk, "body": "Open tray 2 and 3.",
        "base_revision": 1, "edit_summary": "Tray 3"})
    assert response.status_code == 302
    page = client.get(reverse("knowledge:revision", args=[article.pk, 2]))
    assert "Open tray 2 and 3." in page.text and "diff-add" in page.text
    client.post(reverse("knowledge:publish", args=[article.pk]))
    assert Article.objects.get(pk=article.pk).state == "published"


def test_a_stale_edit_keeps_the_text_and_says_who_saved(client, agent, team_lead, article, team):
    services.edit_article(article, actor=team_lead, base_revision=1, title="Newer title")
    client.force_login(agent)
    response = client.post(reverse("knowledge:edit", args=[article.pk]), {
        "title": "My title", "summary": "", "article_type": "how_to",
        "audience": "requesters", "owner_team": team.pk, "body": "My body",
        "base_revision": 1, "edit_summary": ""})
    assert response.status_code == 400
    assert "My body" in response.text and "saved this article since" in response.text
    assert Article.objects.get(pk=article.pk).title == "Newer title"


def test_outsiders_do_not_edit_and_managers_only_read(client, other_team_agent, manager,
                                                      article):
    client.force_login(other_team_agent)
    assert client.get(reverse("knowledge:edit", args=[article.pk])).status_code == 403
    assert client.post(reverse("knowledge:retire", args=[article.pk])
                       ).status_code == 403
    client.force_login(manager)
    assert client.get(reverse("knowledge:detail", args=[article.pk])).status_code == 200
    assert client.get(reverse("knowledge:create")).status_code == 403
    assert Article.objects.get(pk=article.pk).state == "published"


def test_an_agent_links_an_article_that_solved_a_ticket(client, agent, article, incident):
    client.force_login(agent)
    page = client.get(reverse("incidents:detail", args=[incident.number]))
    assert article.title in page.text and "data-kb-insert" in page.text
    client.post(reverse("knowledge:solved", args=[article.pk, incident.number]))
    assert article.uses.get().ticket_id == incident.pk
    found = client.get(reverse("knowledge:for-ticket", args=[incident.number]), {"q": "outlook"})
    assert article.title in found.text


def test_the_review_list_shows_overdue_and_unhelpful_articles(client, team_lead, article,
                                                              agents_article):
    Article.objects.filter(pk=article.pk).update(review_due=timezone.localdate()
                                                 - timedelta(days=1))
    Article.objects.filter(pk=agents_article.pk).update(view_count=50, unhelpful_count=9,
                                                        helpful_count=2)
    client.force_login(team_lead)
    page = client.get(reverse("knowledge:review"))
    assert article.title in page.text and agents_article.title in page.text


@pytest.mark.parametrize("hostile", ['<script>alert("x")</script>',
                                     '[x](javascript:alert(1))'])
def test_article_pages_show_hostile_markdown_inert(client, requester, agent, team, hostile):
    article = services.create_article(actor=agent, title="Hostile", body=hostile,
                                      owner_team=team, audience=Audience.REQUESTERS,
                                      publish_now=True)
    client.force_login(requester)
    page = client.get(reverse("kb-portal:detail", args=[article.pk]))
    assert "<script>alert" not in page.text and 'href="javascript:' not in page.text


def test_owners_attach_files_that_only_readers_of_the_article_download(
        client, agent, requester, article, agents_article):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(agent)
    for target in (article, agents_article):
        client.post(reverse("knowledge:attach", args=[target.pk]), {
            "file": SimpleUploadedFile("steps.txt", b"1. Open", content_type="text/plain")})
    refused = client.post(reverse("knowledge:attach", args=[article.pk]), {
        "file": SimpleUploadedFile("tool.exe", b"MZ", content_type="application/x-msdos")})
    assert refused.status_code == 302 and article.files.count() == 1
    shared, internal = article.files.get(), agents_article.files.get()
    assert shared.file.name.startswith("knowledge/") and "steps" not in shared.file.name
    client.force_login(requester)
    got = client.get(reverse("kb-portal:file", args=[article.pk, shared.pk]))
    assert got.status_code == 200 and got["Content-Disposition"].startswith("attachment")
    assert client.get(reverse("kb-portal:file", args=[agents_article.pk, internal.pk])
                      ).status_code == 404
    # A file is found only under its own article.
    assert client.get(reverse("kb-portal:file", args=[article.pk, internal.pk])
                      ).status_code == 404
