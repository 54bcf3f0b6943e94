"""Writing articles, their revisions, and recording their use."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from itsm.choices import EventKind
from itsm.models import Notification
from knowledge import services
from knowledge.choices import ArticleState, Audience, ViewSource
from knowledge.models import Article, ArticleView
from tests.factories import make_incident


def test_every_save_is_a_revision_with_author_and_diff(article, agent, team_lead):
    edited = services.edit_article(article, actor=team_lead, base_revision=article.revision,
                                   note="Mention the new server",
                                   body=article.body + "3. Use mail2.example.org.\n")
    revisions = list(edited.revisions.order_by("number"))
    assert [r.number for r in revisions] == [1, 2]
    assert revisions[0].author == agent and revisions[1].author == team_lead
    changes = dict(services.changes(revisions[1], revisions[0]))
    assert list(changes) == ["Body"]
    assert [line.text for line in changes["Body"] if line.op == "+"] == [
        "3. Use mail2.example.org."]


def test_a_save_over_a_newer_one_is_refused(article, agent, team_lead):
    services.edit_article(article, actor=team_lead, base_revision=1, title="Newer")
    with pytest.raises(services.StaleArticle) as refused:
        services.edit_article(article, actor=agent, base_revision=1, title="Older")
    assert refused.value.latest.author == team_lead
    assert Article.objects.get(pk=article.pk).title == "Newer"


def test_an_unchanged_save_writes_no_revision(article, agent):
    services.edit_article(article, actor=agent, base_revision=1, title=article.title)
    assert article.revisions.count() == 1


def test_only_owners_edit_and_managers_write_nothing(article, other_team_agent, manager):
    for outsider in (other_team_agent, manager):
        with pytest.raises(PermissionDenied):
            services.edit_article(article, actor=outsider, base_revision=1, title="Mine")
        with pytest.raises(PermissionDenied):
            services.retire(article, actor=outsider)
    assert Article.objects.get(pk=article.pk).state == ArticleState.PUBLISHED


def test_an_agent_writes_only_for_a_team_they_are_in(other_team_agent, team):
    with pytest.raises(ValidationError) as refused:
        services.create_article(actor=other_team_agent, title="x", body="y", owner_team=team)
    assert "owner_team" in refused.value.message_dict


def test_publish_and_retire_are_revisions(article, agent):
    services.retire(article, actor=agent)
    article.refresh_from_db()
    assert article.state == ArticleState.RETIRED
    assert article.revisions.first().content["state"] == "retired"


def test_a_requester_reads_only_published_articles_for_requesters(
        article, agents_article, requester, agent):
    draft = services.create_article(actor=agent, title="Draft", body="x",
                                    owner_team=article.owner_team,
                                    audience=Audience.REQUESTERS)
    assert list(Article.objects.visible_to(requester)) == [article]
    assert set(Article.objects.visible_to(agent)) == {article, agents_article, draft}


def test_a_vote_counts_once_per_person_and_can_change(article, requester):
    services.vote(article, requester, helpful=True)
    services.vote(article, requester, helpful=True)
    article.refresh_from_db()
    assert (article.helpful_count, article.unhelpful_count) == (1, 0)
    services.vote(article, requester, helpful=False)
    article.refresh_from_db()
    assert (article.helpful_count, article.unhelpful_count) == (0, 1)


def test_solved_with_is_a_use_and_a_link_on_the_ticket_once(article, incident, agent):
    assert services.solved_with(article, incident, actor=agent) is not None
    assert services.solved_with(article, incident, actor=agent) is None
    article.refresh_from_db()
    assert article.solved_count == 1
    link = incident.events.get(kind=EventKind.LINK)
    assert (link.field, link.new_value) == ("article", article.number)


def test_a_requester_cannot_record_a_solution(article, incident, requester):
    with pytest.raises(PermissionDenied):
        services.solved_with(article, incident, actor=requester)
    assert not article.uses.exists()


def test_a_suggested_reading_without_a_ticket_after_it_is_a_deflection(
        article, requester, other_requester, agent, service, settings):
    settings.KB_DEFLECTION_MINUTES = 60
    start = timezone.now() - timedelta(hours=3)
    helped = services.record_view(article, requester, source=ViewSource.SUGGESTION,
                                  when=start)
    not_helped = services.record_view(article, other_requester,
                                      source=ViewSource.SUGGESTION, when=start)
    make_incident(actor=agent, requester=other_requester, service=service,
                  when=start + timedelta(minutes=20))
    recent = services.record_view(article, requester, source=ViewSource.SUGGESTION)
    searched = services.record_view(article, requester, source=ViewSource.SEARCH, when=start)

    assert services.settle_deflections() == 2
    verdicts = dict(ArticleView.objects.values_list("pk", "deflected"))
    assert verdicts == {helped.pk: True, not_helped.pk: False, recent.pk: None,
                        searched.pk: None}
    assert services.settle_deflections() == 0


def test_owners_are_reminded_once_per_review_date(article, team_lead):
    today = timezone.localdate()
    Article.objects.filter(pk=article.pk).update(review_due=today)
    assert services.remind_reviews(today) == 1
    assert services.remind_reviews(today) == 0
    told = Notification.objects.get(kind=Notification.Kind.ARTICLE_REVIEW)
    assert told.user == team_lead and article.number in told.subject
    Article.objects.filter(pk=article.pk).update(review_due=today + timedelta(days=1))
    assert services.remind_reviews(today + timedelta(days=1)) == 1


def test_a_known_error_is_published_for_agents_and_republished_in_place(agent, team, service):
    first = services.publish_known_error(actor=agent, article=None, title="KE: relay",
                                         body="Workaround: restart.", summary="Relay",
                                         service_id=service.pk,
                                         configuration_item_id=None, owner_team=team)
    again = services.publish_known_error(actor=agent, article=first, title="KE: relay",
                                         body="Workaround: restart twice.", summary="Relay",
                                         service_id=service.pk, configuration_item_id=None,
                                         owner_team=team)
    assert again.pk == first.pk and again.revision == 2
    assert (again.state, again.audience, again.article_type) == (
        "published", "agents", "known_error")
