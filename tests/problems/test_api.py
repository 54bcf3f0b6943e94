"""`/api/v1/problems/`: open, move, link and unlink; candidates."""

from problems.models import Problem, ProblemLink
from tests.factories import make_incident


def test_open_a_problem_with_its_incidents_and_record_the_known_error(api_as, agent,
                                                                      incidents):
    client = api_as(agent)
    created = client.post("/api/v1/problems/", {
        "title": "Relay drops", "incidents": [i.number for i in incidents]}, format="json")
    assert created.status_code == 201, created.data
    assert created.data["incidents"] == [i.number for i in incidents]
    number, version = created.data["number"], created.data["version"]
    moved = client.patch(f"/api/v1/problems/{number}/", {
        "version": version, "status": "investigating"}, format="json")
    assert moved.status_code == 200, moved.data
    moved = client.patch(f"/api/v1/problems/{number}/", {
        "version": moved.data["version"], "status": "known_error", "cause_category": "network",
        "root_cause": "MTU", "workaround": "Use webmail."}, format="json")
    assert moved.status_code == 200, moved.data
    assert moved.data["status"] == "known_error" and moved.data["known_error_article"]


def test_a_known_error_without_its_fields_is_a_400_naming_them(api_as, agent, problem):
    response = api_as(agent).patch(f"/api/v1/problems/{problem.number}/", {
        "version": problem.version, "status": "known_error"}, format="json")
    assert response.status_code == 400
    assert {"cause_category", "root_cause", "workaround"} <= set(response.data)


def test_link_refuses_an_incident_of_another_problem(api_as, agent, problem, incidents):
    other = api_as(agent).post("/api/v1/problems/", {"title": "Other"}, format="json")
    response = api_as(agent).post(f"/api/v1/problems/{other.data['number']}/link/",
                                  {"incident": incidents[0].number}, format="json")
    assert response.status_code == 400 and "incident" in response.data
    assert ProblemLink.objects.get(incident=incidents[0]).problem == problem


def test_unknown_fields_and_numbers_are_named(api_as, agent, problem):
    client = api_as(agent)
    response = client.post(f"/api/v1/problems/{problem.number}/link/",
                           {"incident": "INC9999999"}, format="json")
    assert response.status_code == 400 and "incident" in response.data
    response = client.post(f"/api/v1/problems/{problem.number}/link/",
                           {"incident": "INC1", "extra": 1}, format="json")
    assert response.status_code == 400 and "extra" in response.data


def test_candidates_list_repeated_incidents(api_as, agent, service):
    for _n in range(3):
        make_incident(actor=agent, service=service, title="VPN drops")
    response = api_as(agent).get("/api/v1/problems/candidates/", {"days": 7, "threshold": 3})
    assert response.status_code == 200
    assert response.data[0]["count"] == 3 and response.data[0]["scope"] == "service"


def test_the_list_reads_the_page_in_a_fixed_number_of_queries(api_as, agent,
                                                              django_assert_max_num_queries):
    from problems import services

    client = api_as(agent)
    for n in range(3):
        services.create_problem(actor=agent, title=f"P{n}",
                                incidents=[make_incident(actor=agent, title=f"I{n}")])
    with django_assert_max_num_queries(12) as few:
        client.get("/api/v1/problems/")
    for n in range(6):
        services.create_problem(actor=agent, title=f"Q{n}",
                                incidents=[make_incident(actor=agent, title=f"J{n}")])
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/api/v1/problems/")
    assert response.data["count"] == 9
    assert Problem.objects.count() == 9
