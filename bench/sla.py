"""Benchmark the SLA engine against PostgreSQL on this machine.

    python bench/sla.py [--tickets 1000000] [--open 20000] [--runs 5] [--creates 300]

1. Creates (or reuses) the database in BENCH_SLA_DATABASE_URL (default
   postgres://postgres@127.0.0.1:5432/itsm_bench_sla), migrates it and loads N incident
   tickets with set-based SQL (generate_series), `--open` of them open with warning and
   due times spread around now (those already past are flagged: the steady state a
   running beat task keeps), then VACUUM ANALYZE.
2. Times `itsm.sla.scan()`: runs with nothing to flag, then runs with some tickets to
   flag (their flags are cleared before each run, outside the timing), then the whole
   beat task with some to flag: scan, escalation along the support path and
   notifications (emails are queued after commit, outside the timing). For each run the
   database time (the sum of its queries' round trips) and the wall time; for each of
   the four candidate queries EXPLAIN (ANALYZE, BUFFERS): the execution time and whether
   it is an index scan on its `itsm_sla_*` partial index.
3. Creates tickets through `incidents.services.create_incident` on a service with an SLA
   (office-hours calendar with holidays) and on one without, interleaved, and reports
   the mean milliseconds and the ratio (target: at most 1.2x).

Prints a table and writes bench/results/sla.json. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from datetime import time as clock
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from run import bench_people, ensure_database, setup_django  # noqa: E402  (bench/run.py)

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/itsm_bench_sla"
SERVICES = 20  # the last one has no SLA
TO_FLAG = 200  # tickets per "some to flag" run
RUNNING = "resolved_at IS NULL AND on_hold_since IS NULL"  # the resolution clock runs


# --- data -----------------------------------------------------------------------------


def reference_data() -> dict:
    """Customers, teams, agents, requesters, services, calendars and SLAs (idempotent)."""
    from django.db import transaction

    from catalog.models import (
        Calendar,
        Holiday,
        ServiceLevelAgreement,
        SLATarget,
        SupportLevel,
        WorkingPeriod,
    )

    targets = {1: (30, 240), 2: (60, 480), 3: (240, 1440), 4: (480, 2880)}
    with transaction.atomic():
        agents, requesters, teams, services = bench_people(SERVICES)
        office, created = Calendar.objects.get_or_create(
            name="Bench office hours", defaults={"time_zone": "Europe/Stockholm"})
        if created:
            WorkingPeriod.objects.bulk_create(
                WorkingPeriod(calendar=office, weekday=day, start=clock(8), end=clock(17))
                for day in range(5))
            import holidays as holidays_package

            Holiday.objects.bulk_create(
                Holiday(calendar=office, date=day, name=name[:100])
                for year in (2025, 2026, 2027)
                for day, name in holidays_package.country_holidays("SE", years=year).items())
        always = Calendar.default()
        slas = []
        for s, service in enumerate(services[:-1]):
            sla, created = ServiceLevelAgreement.objects.get_or_create(
                service=service, customer=None,
                defaults={"name": f"{service.name} SLA",
                          "calendar": office if s % 2 == 0 else always})
            if created:
                SLATarget.objects.bulk_create(
                    SLATarget(sla=sla, priority=p, response_minutes=r, resolution_minutes=z)
                    for p, (r, z) in targets.items())
            slas.append(sla.pk)
        ServiceLevelAgreement.objects.filter(service=services[-1]).delete()
        # A two-level support path per service, so breaches escalate as in production.
        for s, service in enumerate(services):
            for position, team in enumerate((teams[0], teams[1 + s % (len(teams) - 1)]), 1):
                SupportLevel.objects.get_or_create(service=service, position=position,
                                                   defaults={"team": team})
    return {"agents": agents, "requesters": requesters, "services": [s.pk for s in services],
            "slas": slas, "with_sla": services[0], "without_sla": services[-1],
            "office": office}


def arr(values) -> str:
    return "ARRAY[" + ",".join(str(v) for v in values) + "]::bigint[]"


def load(n: int, open_: int, ref: dict) -> float | None:
    """Load n tickets (open_ of them open) unless exactly that is loaded; seconds or None."""
    from django.db import connection, transaction

    from itsm.models import Ticket, TicketSequence

    with connection.cursor() as cur:
        cur.execute("SELECT count(*), count(*) FILTER (WHERE closed_at IS NULL "
                    "AND resolved_at IS NULL) FROM itsm_ticket")
        have, have_open = cur.fetchone()
    if (have, have_open) == (n, open_):
        print(f"reusing {n:,} tickets ({open_:,} open) already loaded")
        return None
    started = time.perf_counter()
    with connection.cursor() as cur:
        if have:
            print(f"found {have:,} tickets ({have_open:,} open), reloading")
            cur.execute("TRUNCATE itsm_ticket, itsm_ticketevent, itsm_comment, itsm_attachment,"
                        " incidents_incident RESTART IDENTITY CASCADE")
    na, nr, ns = len(ref["agents"]), len(ref["requesters"]), len(ref["services"])
    agent_ids = arr(a for a, _ in ref["agents"])
    agent_teams = arr(t for _, t in ref["agents"])
    req_ids = arr(r for r, _ in ref["requesters"])
    req_customers = arr(c for _, c in ref["requesters"])
    service_ids = arr(ref["services"])
    # The SLA of service i is slas[i]; the last service has none (NULL past the end).
    sla_ids = arr(ref["slas"])
    with transaction.atomic(), connection.cursor() as cur:
        # Closed history over two years, then the open tickets: created in the last ten
        # days, due and warning times spread from 40 hours ago to 40 hours ahead.
        cur.execute(f"""
            CREATE TEMP TABLE bench_rows ON COMMIT DROP AS
            SELECT g, g > n - o AS is_open,
                   CASE WHEN g > n - o
                        THEN now() - make_interval(mins => mod(g::bigint * 37, 14400)::int)
                        ELSE now() - interval '10 days' - make_interval(
                            mins => ((n - o - g)::bigint * 1051200 / greatest(n - o, 1))::int)
                   END AS created,
                   CASE WHEN g > n - o
                        THEN (ARRAY['new','in_progress','on_hold'])[1 + mod(g, 3)]
                        WHEN mod(g, 50) = 0 THEN 'cancelled'
                        WHEN mod(g, 3) = 0 THEN 'resolved' ELSE 'closed' END AS status,
                   now() + make_interval(
                       mins => (mod(g::bigint * 7919, 4801) - 2400)::int) AS res_due,
                   now() + make_interval(
                       mins => (mod(g::bigint * 104729, 601) - 300)::int) AS resp_due,
                   1 + mod(g / 3, 3) AS impact, 1 + mod(g / 9, 3) AS urgency,
                   1 + mod(g, {na}) AS a, 1 + mod(g::bigint * 31, {nr})::int AS r,
                   1 + mod(g, {ns}) AS s
            FROM generate_series(1, %s) g, (SELECT %s::bigint AS n, %s::bigint AS o) p
        """, [n, n, open_])
        cur.execute(f"""
            INSERT INTO itsm_ticket (number, kind, title, description, status, priority, impact,
                urgency, service_id, configuration_item_id, customer_id, requester_id,
                assignment_team_id, assignee_id, first_assignment_team_id, channel, created_at,
                updated_at, responded_at, resolved_at, closed_at, sla_id, sla_paused_minutes,
                response_due, resolution_due, response_warn_at, resolution_warn_at,
                on_hold_since, on_hold_seconds, response_warned, resolution_warned,
                response_breached, resolution_breached, reassignment_count, reopen_count,
                version)
            SELECT 'INC' || lpad(g::text, 8, '0'), 'incident', 'Bench incident ' || g,
                   'Generated for the SLA benchmark.', status,
                   (ARRAY[1,2,3,2,3,4,3,4,4])[(impact - 1) * 3 + urgency], impact, urgency,
                   ({service_ids})[s], NULL, ({req_customers})[r], ({req_ids})[r],
                   ({agent_teams})[a],
                   CASE WHEN status = 'new' THEN NULL ELSE ({agent_ids})[a] END,
                   ({agent_teams})[a], 'portal', created, created,
                   CASE WHEN status = 'new' THEN NULL ELSE created + interval '20 minutes' END,
                   CASE WHEN status IN ('resolved','closed') THEN created + interval '5 hours' END,
                   CASE WHEN status IN ('closed','cancelled') THEN created + interval '3 days' END,
                   ({sla_ids})[s], 0,
                   -- open: spread around now; history: relative to its creation
                   CASE WHEN is_open THEN resp_due ELSE created + interval '1 hour' END,
                   CASE WHEN is_open THEN res_due ELSE created + interval '8 hours' END,
                   CASE WHEN is_open THEN resp_due - interval '15 minutes'
                        ELSE created + interval '45 minutes' END,
                   CASE WHEN is_open THEN res_due - interval '2 hours'
                        ELSE created + interval '6 hours' END,
                   CASE WHEN status = 'on_hold' THEN created + interval '1 hour' END,
                   0,
                   -- flagged once their moment passed (the beat task's steady state)
                   CASE WHEN is_open THEN resp_due - interval '15 minutes' <= now()
                        ELSE g % 7 = 0 END,
                   CASE WHEN is_open THEN res_due - interval '2 hours' <= now()
                                          AND status <> 'on_hold'
                        ELSE g % 5 = 0 END,
                   CASE WHEN is_open THEN resp_due <= now() ELSE g % 17 = 0 END,
                   CASE WHEN is_open THEN res_due <= now() AND status <> 'on_hold'
                        ELSE g % 11 = 0 END,
                   0, 0, 1
            FROM bench_rows ORDER BY g
        """)
        cur.execute("""
            INSERT INTO incidents_incident (ticket_ptr_id, is_major, parent_id, on_hold_reason,
                resolution_code, resolution_notes)
            SELECT t.id, false, NULL,
                   CASE WHEN t.status = 'on_hold' THEN 'awaiting_caller' ELSE '' END,
                   CASE WHEN t.resolved_at IS NOT NULL THEN 'solved_permanently' ELSE '' END,
                   CASE WHEN t.resolved_at IS NOT NULL THEN 'Fixed.' ELSE '' END
            FROM itsm_ticket t
        """)
        TicketSequence.objects.update_or_create(kind="incident", defaults={"last_value": n})
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    seconds = time.perf_counter() - started
    still_open = Ticket.objects.filter(closed_at__isnull=True, resolved_at__isnull=True)
    print(f"loaded {n:,} tickets ({still_open.count():,} open) in {seconds:.1f} s")
    return seconds


# --- the scan -------------------------------------------------------------------------


class QueryClock:
    """Sums the round trip of every query run through Django's connection."""

    def __init__(self) -> None:
        self.seconds, self.queries = 0.0, 0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.queries += 1


def timed_scan(whole_task: bool = False) -> dict:
    """One scan; with `whole_task`, what the beat task does in its transaction: the scan,
    the escalations and the notifications."""
    from django.db import connection, transaction
    from django.utils import timezone

    from itsm import escalation, notifications, sla
    from itsm.notifications import notify_sla

    timer = QueryClock()
    started = time.perf_counter()
    # Emails go to the broker after the commit, in production to Redis; the bench times
    # the database work, so the hand-off is left out.
    no_emails = mock.patch.object(notifications, "schedule_emails", list)
    with connection.execute_wrapper(timer), no_emails:
        if whole_task:
            with transaction.atomic():
                now = timezone.now()
                flagged = sla.scan(now)
                notify_sla(flagged, escalation.escalate(flagged, when=now))
        else:
            flagged = sla.scan()
    return {"wall_ms": round((time.perf_counter() - started) * 1000, 2),
            "db_ms": round(timer.seconds * 1000, 2), "queries": timer.queries,
            "flagged": sum(len(v) for v in flagged.values())}


def unflag(count: int) -> None:
    """Clear flags on `count` open tickets whose moments have passed: the next scan has
    those to flag (about count/4 per question)."""
    from django.db import connection

    with connection.cursor() as cur:
        for flag, moment, extra in (
            ("response_warned", "response_warn_at", "responded_at IS NULL"),
            ("response_breached", "response_due", "responded_at IS NULL"),
            ("resolution_warned", "resolution_warn_at", RUNNING),
            ("resolution_breached", "resolution_due", RUNNING),
        ):
            cur.execute(f"""
                UPDATE itsm_ticket SET {flag} = false WHERE id IN (
                    SELECT id FROM itsm_ticket WHERE closed_at IS NULL AND {extra}
                    AND {flag} AND {moment} <= now() ORDER BY random() LIMIT %s)
            """, [count // 4])


def explain_candidates() -> list[dict]:
    """EXPLAIN (ANALYZE, BUFFERS) of the scan's four candidate queries, as scan() builds them."""
    from django.db import connection
    from django.utils import timezone

    from itsm.models import Ticket
    from itsm.sla import SCAN_BATCH, SCAN_QUESTIONS

    now = timezone.now()
    plans = []
    for flag, moment, open_and_unflagged in SCAN_QUESTIONS:
        qs = (Ticket.objects.filter(open_and_unflagged, **{f"{moment}__lte": now})
              .order_by(moment).values_list("pk", flat=True)[:SCAN_BATCH])
        sql, params = qs.query.sql_with_params()
        with connection.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            plan = "\n".join(row[0] for row in cur.fetchall())
        index = re.search(r"Index (?:Only )?Scan using (\w+)", plan)
        plans.append({
            "flag": flag,
            "index_scan": bool(index and index.group(1).startswith("itsm_sla_")),
            "index": index.group(1) if index else None,
            "execution_ms": float(re.search(r"Execution Time: ([\d.]+) ms", plan).group(1)),
            "planning_ms": float(re.search(r"Planning Time: ([\d.]+) ms", plan).group(1)),
            "plan": plan,
        })
    return plans


# --- ticket creation ------------------------------------------------------------------


def compare_creates(n: int, ref: dict) -> dict:
    from django.db import connection

    from incidents.services import create_incident
    from itsm.models import Ticket, User

    agent = User.objects.get(username="bench-agent-0-0")
    requester = User.objects.get(username="bench-requester-1")
    cases = {"with_sla": ref["with_sla"], "without_sla": ref["without_sla"]}
    times: dict[str, list[float]] = {name: [] for name in cases}
    queries: dict[str, int] = {}
    created: list[int] = []
    try:
        for i in range(n + 20):  # 20 warm-up rounds, interleaved so drift hits both
            for name, service in cases.items():
                timer = QueryClock()
                started = time.perf_counter()
                with connection.execute_wrapper(timer):
                    incident = create_incident(
                        actor=agent, requester=requester, service=service, impact=2,
                        urgency=2, title=f"Bench create {i}", description="bench/sla.py")
                elapsed = time.perf_counter() - started
                created.append(incident.pk)
                if i >= 20:
                    times[name].append(elapsed)
                    queries[name] = timer.queries
        sample = Ticket.objects.filter(pk__in=created[-2:]).values_list(
            "service_id", "sla_id", "resolution_due")
    finally:
        Ticket.objects.filter(pk__in=created).delete()  # leave the loaded data as it was
    result = {name: {"mean_ms": round(statistics.mean(v) * 1000, 2),
                     "p50_ms": round(statistics.median(v) * 1000, 2),
                     "p95_ms": round(sorted(v)[int(len(v) * 0.95) - 1] * 1000, 2),
                     "queries": queries[name]} for name, v in times.items()}
    result["ratio"] = round(result["with_sla"]["mean_ms"] / result["without_sla"]["mean_ms"], 3)
    result["sample"] = [[s, sla, str(due)] for s, sla, due in sample]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--open", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5, help="scan runs per scenario")
    parser.add_argument("--creates", type=int, default=300, help="tickets per create case")
    parser.add_argument("--database-url",
                        default=os.environ.get("BENCH_SLA_DATABASE_URL", DEFAULT_DB))
    args = parser.parse_args()
    if not 0 < args.open <= args.tickets:
        parser.error("--open must be between 1 and --tickets")

    began = time.perf_counter()
    ensure_database(args.database_url)
    setup_django(args.database_url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    ref = reference_data()
    load_seconds = load(args.tickets, args.open, ref)

    # Reach the steady state (a reused database has had time pass), then measure.
    for _i in range(50):
        if not timed_scan()["flagged"]:
            break
    idle = [timed_scan() for _i in range(args.runs)]
    busy = []
    for _i in range(args.runs):
        unflag(TO_FLAG)
        busy.append(timed_scan())
    task = []
    for _i in range(args.runs):
        unflag(TO_FLAG)
        task.append(timed_scan(whole_task=True))
    plans_idle = explain_candidates()
    unflag(TO_FLAG)
    plans_busy = explain_candidates()  # read-only: EXPLAIN ANALYZE of a SELECT flags nothing
    timed_scan()
    creates = compare_creates(args.creates, ref)
    total = time.perf_counter() - began

    def summary(runs: list[dict]) -> dict:
        db = [r["db_ms"] for r in runs]
        return {"runs": runs, "db_ms_mean": round(statistics.mean(db), 2),
                "db_ms_max": max(db)}

    results = {
        "tickets": args.tickets, "open": args.open, "load_seconds": load_seconds,
        "scan_nothing_to_flag": summary(idle), "scan_some_to_flag": summary(busy),
        "task_some_to_flag": summary(task),
        "explain_nothing_to_flag": plans_idle, "explain_some_to_flag": plans_busy,
        "create": creates, "total_seconds": round(total, 1),
        "command": "python bench/sla.py " + " ".join(sys.argv[1:]),
    }

    print(f"\n{args.tickets:,} tickets, {args.open:,} open"
          + (f", loaded in {load_seconds:.1f} s" if load_seconds else " (reused)"))
    print(f"\n{'scan run':28} {'db ms':>8} {'wall ms':>8} {'queries':>8} {'flagged':>8}")
    for label, runs in (("nothing to flag", idle), ("some to flag", busy),
                        ("task: some to flag", task)):
        for i, r in enumerate(runs, 1):
            print(f"{label + ' #' + str(i):28} {r['db_ms']:>8} {r['wall_ms']:>8} "
                  f"{r['queries']:>8} {r['flagged']:>8}")
    print(f"\n{'candidate query (EXPLAIN ANALYZE)':34} {'index':36} {'exec ms':>8} {'exec ms':>8}")
    print(f"{'':34} {'':36} {'idle':>8} {'to flag':>8}")
    for a, b in zip(plans_idle, plans_busy, strict=True):
        kind = (f"Index Scan {a['index']}" if a["index_scan"] else f"NOT index: {a['index']}")
        print(f"{a['flag']:34} {kind:36} {a['execution_ms']:>8} {b['execution_ms']:>8}")
    print(f"\n{'create_incident':16} {'mean ms':>8} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
    for name in ("with_sla", "without_sla"):
        c = creates[name]
        print(f"{name:16} {c['mean_ms']:>8} {c['p50_ms']:>8} {c['p95_ms']:>8} {c['queries']:>8}")
    print(f"ratio with/without SLA: {creates['ratio']}x (target <= 1.2x), "
          f"N={args.creates} each")
    print(f"\ntotal {total:.0f} s")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "sla.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
