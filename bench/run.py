"""Benchmark the ticket core against gunicorn and PostgreSQL on this machine.

    python bench/run.py [--tickets 100000] [--requests 400] [--concurrency 2] [--only a,b]

1. Creates (or reuses) the database in BENCH_DATABASE_URL (default
   postgres://postgres@127.0.0.1:5432/itsm_bench), migrates it and loads N tickets of
   every kind in realistic shares (KIND_SHARES; kinds whose process does not exist yet
   as plain Ticket rows) with set-based SQL, each with its creation event.
2. Counts the SQL queries each measured request runs, at the full size and on a page
   with a different row count, to show the count does not grow with the data (a
   relation no row on the page sets costs no query, so a page can run one fewer).
3. Starts gunicorn on 127.0.0.1 with the project's gunicorn.conf.py, as production
   does, and measures from `--concurrency` client threads (gunicorn's sync workers
   answer one request per connection): /healthz (the fixed cost of a request), the API
   lists (incidents and every kind; first page and filtered), the queue of all work
   and the incident queue (plain, filtered, by SLA), ticket create and ticket detail
   (API and HTML). Prints requests/s, p50 and p95 per scenario and the RSS of each
   gunicorn worker afterwards, and writes the same as JSON to
   bench/results/core-<tickets>.json. `--only` runs some scenarios; `python
   bench/request_profile.py PATH` shows where one request spends its time.

Nothing here is asserted: the figures go into the issue notes.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/itsm_bench"


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "itsm.settings")
    os.environ.setdefault("SECRET_KEY", "bench-" + uuid.uuid4().hex)
    import django

    django.setup()


def ensure_database(database_url: str) -> None:
    import psycopg2

    url = urlparse(database_url)
    name = url.path.lstrip("/")
    admin = psycopg2.connect(host=url.hostname, port=url.port or 5432,
                             user=url.username or "postgres", dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cur.fetchone() is None:
            cur.execute(f'CREATE DATABASE "{name}"')
    admin.close()


# --- data -----------------------------------------------------------------------------


def bench_people(service_count: int) -> tuple[list, list, list, list]:
    """The reference data every bench loads (idempotent): 6 teams of 5 agents, 400
    requesters over 8 customers, and services owned by the teams. Returns
    (agents as (user id, team id), requesters as (user id, customer id), teams, services).
    """
    from django.contrib.auth.models import Group

    from catalog.models import Customer, Service, Team
    from itsm.models import User

    groups = {g.name: g for g in Group.objects.all()}
    customers = [Customer.objects.get_or_create(code=f"bu{i}", defaults={"name": f"BU {i}"})[0]
                 for i in range(8)]
    agents, teams = [], []
    for t in range(6):
        team, _ = Team.objects.get_or_create(name=f"Bench team {t}")
        teams.append(team)
        for a in range(5):
            user, created = User.objects.get_or_create(username=f"bench-agent-{t}-{a}")
            if created:
                user.groups.add(groups["agent"])
            team.members.add(user)
            agents.append((user.pk, team.pk))
    requesters = []
    for r in range(400):
        user, created = User.objects.get_or_create(
            username=f"bench-requester-{r}", defaults={"customer": customers[r % 8]})
        if created:
            user.groups.add(groups["requester"])
        requesters.append((user.pk, customers[r % 8].pk))
    services = [Service.objects.get_or_create(
        code=f"svc{s}", defaults={"name": f"Service {s}", "owner_team": teams[s % 6]})[0]
        for s in range(service_count)]
    return agents, requesters, teams, services


# Shares of the kinds in a desk's ticket table (a mature desk: most work is incidents
# and requests; tasks hang off the others). Kinds whose process does not exist yet are
# loaded as plain Ticket rows, so the queue and the tickets API read them as they will.
KIND_SHARES = (("incident", "INC", 55), ("service_request", "REQ", 20), ("problem", "PRB", 3),
               ("change", "CHG", 7), ("task", "TSK", 15))
# Per kind: the statuses of its workflow, open ones first.
KIND_STATUSES = {
    "incident": ("new", "in_progress", "on_hold", "resolved", "closed", "cancelled"),
    "service_request": ("new", "in_progress", "on_hold", "fulfilled", "closed", "cancelled"),
    "problem": ("new", "investigating", "known_error", "resolved", "closed", "cancelled"),
    "change": ("new", "assessment", "scheduled", "review", "closed", "cancelled"),
    "task": ("open", "in_progress", "in_progress", "done", "done", "cancelled"),
}


def load_tickets(n: int, *, days: int = 365) -> None:
    """Load n tickets of every kind in realistic shares, spread over `days` up to now,
    with the reference data they point at and the KPI facts the workflow would have
    stored: set-based SQL, seconds per 100,000."""
    from django.core.management import call_command
    from django.db import connection, transaction

    from catalog.models import ConfigurationItem
    from itsm.models import Ticket, TicketSequence

    call_command("migrate", verbosity=0)
    existing = Ticket.objects.count()
    if existing == n:
        print(f"reusing {n:,} tickets already loaded")
        return
    if existing:
        print(f"found {existing:,} tickets, reloading {n:,}")
    with connection.cursor() as cur:
        cur.execute("TRUNCATE itsm_ticket, itsm_ticketevent, itsm_comment, itsm_attachment,"
                    " itsm_notification, incidents_incident, itsm_task RESTART IDENTITY CASCADE")
    started = time.perf_counter()
    with transaction.atomic():
        agents, requesters, _teams, services = bench_people(20)
        cis = [ConfigurationItem.objects.get_or_create(name=f"bench-ci-{c}")[0]
               for c in range(100)]

    # Everything below is set-based: arrays of ids indexed by the row number.
    agent_ids = "ARRAY[" + ",".join(str(a) for a, _ in agents) + "]"
    agent_teams = "ARRAY[" + ",".join(str(t) for _, t in agents) + "]"
    req_ids = "ARRAY[" + ",".join(str(r) for r, _ in requesters) + "]"
    req_customers = "ARRAY[" + ",".join(str(c) for _, c in requesters) + "]"
    service_ids = "ARRAY[" + ",".join(str(s.pk) for s in services) + "]"
    ci_ids = "ARRAY[" + ",".join(str(c.pk) for c in cis) + "]"
    na, nr = len(agents), len(requesters)
    # Row g's kind: the shares laid out over every 100 rows, so each kind spans the year.
    kind_of = "CASE " + " ".join(
        f"WHEN mod(g, 100) < {sum(share for _k, _p, share in KIND_SHARES[:i + 1])} "
        f"THEN '{kind}'" for i, (kind, _prefix, _share) in enumerate(KIND_SHARES)) + " END"
    prefix_of = "CASE kind " + " ".join(f"WHEN '{kind}' THEN '{prefix}'"
                                        for kind, prefix, _share in KIND_SHARES) + " END"
    statuses = "CASE kind " + " ".join(
        f"WHEN '{kind}' THEN ARRAY[{', '.join(repr(s) for s in names)}]"
        for kind, names in KIND_STATUSES.items()) + " END"
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"""
            CREATE TEMP TABLE bench_rows ON COMMIT DROP AS
            SELECT g, kind,
                   row_number() OVER (PARTITION BY kind ORDER BY g) AS seq,
                   now() - make_interval(mins => ((n - g)::bigint * %s / n)::int) AS created,
                   ({statuses})[CASE WHEN g > n - n / 5 THEN 1 + mod(g, 3)
                                     WHEN mod(g, 50) = 0 THEN 6
                                     WHEN mod(g, 3) = 0 THEN 4 ELSE 5 END] AS status,
                   1 + mod(g / 3, 3) AS impact, 1 + mod(g / 9, 3) AS urgency,
                   1 + mod(g, {na}) AS a, 1 + mod(g * 31, {nr}) AS r
            FROM (SELECT g, {kind_of} AS kind, %s::int AS n
                  FROM generate_series(1, %s) g) rows
        """, [days * 1440, n, n])
        cur.execute(f"""
            INSERT INTO itsm_ticket (number, kind, title, description, status, priority, impact,
                urgency, service_id, configuration_item_id, customer_id, requester_id,
                assignment_team_id, assignee_id, first_assignment_team_id, channel, created_at,
                updated_at, responded_at, resolved_at, closed_at, response_due, resolution_due,
                on_hold_since, on_hold_seconds, response_breached, resolution_breached,
                reassignment_count, reopen_count, version, sla_id, sla_paused_minutes,
                response_warn_at, resolution_warn_at, response_warned, resolution_warned,
                response_seconds, response_business_seconds, resolution_seconds,
                resolution_business_seconds, resolved_by_first_team, external_number,
                import_source, external_sla, external_refs)
            SELECT {prefix_of} || lpad(seq::text, 7, '0'), kind,
                   'Bench ' || replace(kind, '_', ' ') || ' ' || g || ': ' ||
                     (ARRAY['mail bounces','VPN drops', 'printer offline','slow ERP',
                            'password reset','disk full'])[1 + g % 6],
                   'Generated for the benchmark.', status,
                   (ARRAY[1,2,3,2,3,4,3,4,4])[(impact - 1) * 3 + urgency], impact, urgency,
                   ({service_ids})[1 + g % 20], ({ci_ids})[1 + g % 100],
                   ({req_customers})[r], ({req_ids})[r],
                   ({agent_teams})[a],
                   CASE WHEN status IN ('new', 'open') THEN NULL ELSE ({agent_ids})[a] END,
                   ({agent_teams})[a],
                   (ARRAY['portal','phone','email','api','monitoring'])[1 + g % 5],
                   created, created + interval '2 hours',
                   CASE WHEN status IN ('new', 'open') THEN NULL
                        ELSE created + interval '20 minutes' END,
                   CASE WHEN status IN ('resolved','closed','fulfilled','done')
                        THEN created + interval '5 hours' END,
                   CASE WHEN status IN ('closed','cancelled','done')
                        THEN created + interval '3 days' END,
                   created + interval '1 hour', created + interval '8 hours',
                   CASE WHEN status = 'on_hold' THEN created + interval '1 hour' END,
                   0, g % 17 = 0, g % 11 = 0, g % 4 / 3, 0, 1, NULL, 0,
                   created + interval '45 minutes', created + interval '6 hours',
                   g % 17 = 0, g % 11 = 0,
                   -- the facts the workflow would have measured (no SLA: business = wall)
                   CASE WHEN status IN ('new', 'open') THEN NULL ELSE 1200 END,
                   CASE WHEN status IN ('new', 'open') THEN NULL ELSE 1200 END,
                   CASE WHEN status IN ('resolved','closed','fulfilled','done')
                        THEN 18000 + mod(g, 7) * 3600 END,
                   CASE WHEN status IN ('resolved','closed','fulfilled','done')
                        THEN 18000 + mod(g, 7) * 3600 END,
                   CASE WHEN status IN ('resolved','closed','fulfilled','done')
                        THEN g % 4 / 3 = 0 END,
                   '', '', false, '{{}}'::jsonb
            FROM bench_rows ORDER BY g
        """)
        cur.execute("""
            INSERT INTO incidents_incident (ticket_ptr_id, is_major, is_outage, parent_id,
                on_hold_reason, resolution_code, resolution_notes)
            SELECT t.id, t.id % 997 = 0, false, NULL,
                   CASE WHEN t.status = 'on_hold' THEN 'awaiting_caller' ELSE '' END,
                   CASE WHEN t.resolved_at IS NOT NULL THEN 'solved_permanently' ELSE '' END,
                   CASE WHEN t.resolved_at IS NOT NULL THEN 'Fixed.' ELSE '' END
            FROM itsm_ticket t WHERE t.kind = 'incident'
        """)
        # Each task belongs to the incident logged just before it.
        cur.execute("""
            INSERT INTO itsm_task (ticket_ptr_id, parent_id)
            SELECT id, parent_id FROM (
                SELECT id, kind, max(id) FILTER (WHERE kind = 'incident')
                       OVER (ORDER BY id) AS parent_id
                FROM itsm_ticket) AS numbered
            WHERE kind = 'task'
        """)
        cur.execute("DELETE FROM itsm_ticket t WHERE t.kind = 'task' AND NOT EXISTS "
                    "(SELECT 1 FROM itsm_task k WHERE k.ticket_ptr_id = t.id "
                    "AND k.parent_id IS NOT NULL)")
        cur.execute("""
            INSERT INTO itsm_ticketevent (ticket_id, actor_id, created_at, kind, field,
                old_value, new_value, note, comment_id, is_public)
            SELECT id, NULL, created_at, 'created', '', '', status, '', NULL, true
            FROM itsm_ticket
        """)
        for kind, _prefix, _share in KIND_SHARES:
            count = Ticket.objects.filter(kind=kind).count()
            TicketSequence.objects.update_or_create(kind=kind, defaults={"last_value": count})
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")  # the steady state autovacuum keeps a live database in
    print(f"loaded {n:,} tickets in {time.perf_counter() - started:.1f} s")


def bench_agent() -> tuple:
    """The agent the measured requests act as: (user, API token, signed-in session key)."""
    from django.contrib.auth.models import Group
    from django.contrib.sessions.backends.db import SessionStore

    from itsm.models import ApiToken, User

    agent, _ = User.objects.get_or_create(username="bench-runner")
    agent.groups.add(Group.objects.get(name="agent"))
    _, token = ApiToken.issue(agent, name="bench")
    session = SessionStore()
    session["_auth_user_id"] = str(agent.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = agent.get_session_auth_hash()
    session.create()
    return agent, token, session.session_key


# --- query counts ---------------------------------------------------------------------


def count_queries(scenarios: list[tuple[str, str, str, dict | None]], token: str,
                  session: str) -> dict[str, int]:
    """Run each request once in-process and count its SQL queries."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    counts = {}
    # The token's first use records it (last_used_at); keep that write out of the counts.
    Client(HTTP_AUTHORIZATION=f"Token {token}", HTTP_HOST="127.0.0.1").get("/api/v1/auth/token/")
    for name, method, path, body in scenarios:
        client = Client(HTTP_AUTHORIZATION=f"Token {token}", HTTP_HOST="127.0.0.1")
        if not path.startswith("/api/"):
            client = Client(HTTP_HOST="127.0.0.1")
            client.cookies["sessionid"] = session
        with CaptureQueriesContext(connection) as ctx:
            if method == "POST":
                response = client.post(path, data=json.dumps(body),
                                       content_type="application/json")
            else:
                response = client.get(path)
        counts[name] = len(ctx.captured_queries)
        if response.status_code >= 400:
            print(f"  ! {name}: HTTP {response.status_code}")
    return counts


# --- load -----------------------------------------------------------------------------


def measure(port: int, method: str, path: str, headers: dict, body: dict | None,
            total: int, concurrency: int) -> dict:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    per_thread = total // concurrency

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        for _ in range(per_thread):
            payload = json.dumps(body) if body is not None else None
            start = time.perf_counter()
            conn.request(method, path, body=payload, headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - start)
            if response.status >= 400:
                with lock:
                    errors[0] += 1
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "requests": len(latencies),
        "errors": errors[0],
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1] * 1000, 1),
    }


def wait_for(port: int, seconds: float = 30) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not come up")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=100_000,
                        help="tickets of every kind (55 %% incidents, 20 %% requests, "
                             "3 %% problems, 7 %% changes, 15 %% tasks)")
    parser.add_argument("--requests", type=int, default=400, help="per scenario")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--only", default="", help="comma-separated scenario names")
    args = parser.parse_args()

    ensure_database(args.database_url)
    setup_django(args.database_url)
    load_tickets(args.tickets)

    from django.core.management import call_command

    from itsm.models import User

    call_command("collectstatic", "--noinput", verbosity=0)
    agent, token, session_key = bench_agent()
    requester = User.objects.filter(username="bench-requester-1").first()

    from itsm.models import Ticket

    incidents = Ticket.objects.filter(kind="incident").order_by("pk")
    number = incidents.values_list("number", flat=True)[incidents.count() // 2]
    create_body = {"title": "Benchmark incident", "description": "Created by bench/run.py",
                   "requester": requester.pk if requester else agent.pk, "impact": 2,
                   "urgency": 2}
    scenarios = [
        ("healthz", "GET", "/healthz", None),
        ("api_list_first_page", "GET", "/api/v1/incidents/", None),
        ("api_list_filtered", "GET", "/api/v1/incidents/?status=in_progress&priority=2", None),
        ("api_tickets", "GET", "/api/v1/tickets/", None),
        ("api_tickets_filtered", "GET", "/api/v1/tickets/?is_open=true&priority=2", None),
        ("html_work", "GET", "/work/", None),
        ("html_work_filtered", "GET", "/work/?status=in_progress&priority=2", None),
        ("html_work_by_sla", "GET", "/work/?ordering=sla", None),
        ("html_queue", "GET", "/incidents/", None),
        ("html_queue_filtered", "GET", "/incidents/?status=in_progress&priority=2", None),
        ("api_detail", "GET", f"/api/v1/incidents/{number}/", None),
        ("html_detail", "GET", f"/incidents/{number}/", None),
        ("api_create", "POST", "/api/v1/incidents/", create_body),
    ]
    if args.only:
        chosen = set(args.only.split(","))
        unknown = chosen - {name for name, *_rest in scenarios}
        if unknown:
            parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
        scenarios = [scenario for scenario in scenarios if scenario[0] in chosen]
    queries = count_queries(scenarios, token, session_key)
    queries_small = count_queries(
        [("api_list_small_page", "GET", "/api/v1/incidents/?page_size=5", None),
         ("html_queue_page_2", "GET", "/incidents/?page=2", None),
         ("html_work_page_2", "GET", "/work/?page=2", None)], token, session_key)

    env = dict(os.environ, DATABASE_URL=args.database_url, DEBUG="0",
               ALLOWED_HOSTS="127.0.0.1,localhost", DB_CONN_MAX_AGE="600")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "itsm.wsgi:application", "-w", str(args.workers),
         "-b", f"127.0.0.1:{args.port}", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )
    results: dict[str, dict] = {}
    try:
        wait_for(args.port)
        api_headers = {"Authorization": f"Token {token}", "Content-Type": "application/json",
                       "Host": "127.0.0.1"}
        html_headers = {"Cookie": f"sessionid={session_key}", "Host": "127.0.0.1"}
        for name, method, path, body in scenarios:
            headers = api_headers if path.startswith("/api/") else html_headers
            measure(args.port, method, path, headers, body, 20, 1)  # warm up
            # Latency as one user feels it (the client shares the two cores with the
            # server, so more client threads would measure the client), then throughput.
            latency = measure(args.port, method, path, headers, body, args.requests, 1)
            load = measure(args.port, method, path, headers, body, args.requests,
                           args.concurrency)
            results[name] = {**latency, "rps": load["rps"],
                             "p95_ms_loaded": load["p95_ms"],
                             "errors": latency["errors"] + load["errors"],
                             "queries": queries.get(name)}
        children = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True,
                                  text=True).stdout.split()
        worker_rss = [rss_mb(int(pid)) for pid in children]
    finally:
        server.terminate()
        server.wait(timeout=20)

    print(f"\n{args.tickets:,} tickets, gunicorn {args.workers} sync workers, "
          f"{args.requests} requests per scenario and client count\n")
    print(f"{'scenario':22} {'p50 ms':>7} {'p95 ms':>7} {'req/s':>7} {'p95 loaded':>11} "
          f"{'queries':>8} {'errors':>7}")
    for name, r in results.items():
        print(f"{name:22} {r['p50_ms']:>7} {r['p95_ms']:>7} {r['rps']:>7} "
              f"{r['p95_ms_loaded']:>11} {r['queries']!s:>8} {r['errors']:>7}")
    print("\np50/p95: one client; req/s and 'p95 loaded': --concurrency clients.")
    print(f"\nqueries on smaller pages: {queries_small}")
    print(f"gunicorn worker RSS after the run (MB): {worker_rss}")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / f"core-{args.tickets}.json").write_text(json.dumps({
        "tickets": args.tickets, "workers": args.workers, "concurrency": args.concurrency,
        "results": results, "queries_small_pages": queries_small, "worker_rss_mb": worker_rss,
    }, indent=2))


if __name__ == "__main__":
    main()
