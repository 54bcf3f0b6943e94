"""`/api/v1/kb/articles/`: read per audience, written by owners."""

from knowledge.models import Article


def test_a_requester_never_sees_an_agents_article_by_search_or_by_id(api_as, requester,
                                                                      article, agents_article):
    client = api_as(requester)
    listed = client.get("/api/v1/kb/articles/", {"q": "relay"})
    assert listed.status_code == 200 and listed.data["count"] == 0
    assert client.get(f"/api/v1/kb/articles/{agents_article.pk}/").status_code == 404
    found = client.get("/api/v1/kb/articles/", {"q": "outlook"})
    assert [row["id"] for row in found.data["results"]] == [article.pk]


def test_the_body_is_served_as_markdown_and_as_sanitised_html(api_as, agent, team):
    created = api_as(agent).post("/api/v1/kb/articles/", {
        "title": "Hostile", "body": "<script>alert(1)</script>\n\n**bold**",
        "owner_team": team.name}, format="json")
    assert created.status_code == 201, created.data
    assert "<script>" not in created.data["body_html"]
    assert "<strong>bold</strong>" in created.data["body_html"]
    assert created.data["state"] == "draft"


def test_owners_edit_publish_and_a_stale_edit_is_a_409(api_as, agent, team_lead, team):
    client = api_as(agent)
    created = client.post("/api/v1/kb/articles/", {"title": "A", "body": "B",
                                                   "owner_team": team.pk}, format="json")
    pk = created.data["id"]
    assert client.post(f"/api/v1/kb/articles/{pk}/publish/").data["state"] == "published"
    edited = api_as(team_lead).patch(f"/api/v1/kb/articles/{pk}/", {
        "title": "A2", "revision": 2}, format="json")
    assert edited.status_code == 200 and edited.data["revision"] == 3
    stale = client.patch(f"/api/v1/kb/articles/{pk}/", {"title": "A3", "revision": 2},
                         format="json")
    assert stale.status_code == 409 and stale.data["current_revision"] == 3
    assert Article.objects.get(pk=pk).title == "A2"


def test_bad_input_names_the_field(api_as, agent, team):
    client = api_as(agent)
    response = client.post("/api/v1/kb/articles/", {"title": "", "body": "x",
                                                    "owner_team": "No such team",
                                                    "audience": "everyone"}, format="json")
    assert response.status_code == 400
    assert {"title", "owner_team", "audience"} <= set(response.data)


def test_usage_lists_each_articles_use_for_the_desk(api_as, agent, requester, article):
    from knowledge import services

    services.vote(article, requester, helpful=True)
    rows = api_as(agent).get("/api/v1/kb/usage/").data["results"]
    assert rows[0]["id"] == article.pk and rows[0]["helpful_count"] == 1
    assert api_as(requester).get("/api/v1/kb/usage/").status_code == 404


def test_the_list_query_count_does_not_grow(api_as, agent, team,
                                            django_assert_max_num_queries):
    from knowledge import services

    client = api_as(agent)
    services.create_article(actor=agent, title="One", body="x", owner_team=team)
    with django_assert_max_num_queries(10) as few:
        client.get("/api/v1/kb/articles/")
    for n in range(8):
        services.create_article(actor=agent, title=f"More {n}", body="x", owner_team=team)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/api/v1/kb/articles/").data["count"] == 9
