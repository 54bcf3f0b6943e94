"""Benchmark the KPI engine against PostgreSQL on this machine.

    python bench/kpis.py [--tickets 1000000] [--days 730] [--only a,b] [--import-rows 141000]

1. Creates (or reuses) BENCH_KPI_DATABASE_URL (default
   postgres://postgres@127.0.0.1:5432/itsm_bench_kpi) and loads N tickets over `--days`
   with bench/run.py's loader (facts included).
2. `bare`: the bare PostgreSQL aggregate for MTTR per service per month (one GROUP BY
   over the incidents), best of three.
3. `recompute`: a full recompute of every KPI at every granularity and dimension
   (`metrics.compute.recompute`), with the queries it ran, the time spent writing the
   values (the rest is counting them) and the process's peak RSS.
4. `incremental`: an open incident resolved through the workflow, then the refresh of
   what it marked (`metrics.compute.refresh`), `--resolves` times: the median and the
   slowest refresh in milliseconds, and its queries.
5. `api`: `GET /api/v1/metrics/kpis/` (one KPI's monthly series for a service; a page of
   day values) through Django's test client, in-process: p50 / p95.
6. `import`: `manage.py import_tickets --format servicenow` of a generated event log of
   `--import-rows` rows (the shipped sample renumbered and repeated), and of a tenth of
   it, each in its own process: seconds and peak RSS (flat memory shows as equal RSS).

Nothing here is asserted: the figures go into the issue notes; the JSON goes to
bench/results/kpis-<tickets>.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from run import bench_agent, ensure_database, load_tickets, setup_django  # noqa: E402

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/itsm_bench_kpi"
SAMPLE = ROOT / "tests" / "data" / "servicenow-incidents-sample.csv"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Queries:
    """Counts the queries run inside the block (Django's execute wrapper)."""

    def __enter__(self):
        from django.db import connection

        self.count = 0

        def count(execute, sql, params, many, context):
            self.count += 1
            return execute(sql, params, many, context)

        self._wrapper = connection.execute_wrapper(count)
        self._wrapper.__enter__()
        return self

    def __exit__(self, *exc):
        self._wrapper.__exit__(*exc)
        return False


def bare_aggregate() -> float:
    from django.conf import settings
    from django.db import connection

    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute("""
                SELECT date_trunc('month', resolved_at AT TIME ZONE %s), service_id,
                       avg(resolution_seconds) / 3600, count(*)
                FROM itsm_ticket WHERE kind = 'incident' AND resolved_at IS NOT NULL
                GROUP BY 1, 2""", [settings.TIME_ZONE])
            cur.fetchall()
        best = min(best, time.perf_counter() - started)
    return best


def full_recompute() -> dict:
    from metrics import compute
    from metrics.models import KpiMark, KpiValue

    KpiValue.objects.all().delete()
    KpiMark.objects.all().delete()
    before = peak_rss_mb()
    writing = [0.0]
    store_slices = compute.store_slices

    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return store_slices(*args, **kwargs)
        finally:
            writing[0] += time.perf_counter() - started

    compute.store_slices = timed  # `store` looks it up at each call
    try:
        with Queries() as queries:
            started = time.perf_counter()
            rows = compute.recompute()
            seconds = time.perf_counter() - started
    finally:
        compute.store_slices = store_slices
    return {"seconds": seconds, "writing_seconds": writing[0], "rows": rows,
            "queries": queries.count, "peak_rss_mb_before": before,
            "peak_rss_mb_after": peak_rss_mb()}


def incremental_runs(runs: int) -> dict:
    """`incremental` `runs` times (a different incident each): the median and the
    slowest refresh, and each run."""
    found = [incremental() for _ in range(runs)]
    times = sorted(run["refresh_ms"] for run in found)
    return {"refresh_ms_median": statistics.median(times), "refresh_ms_max": times[-1],
            "runs": found}


def incremental() -> dict:
    from django.db.models import Exists, OuterRef

    from incidents.choices import ResolutionCode
    from incidents.models import Incident
    from itsm import workflow
    from itsm.models import Task
    from metrics import compute
    from metrics.models import KpiMark

    agent, _token, _session = bench_agent()
    open_tasks = Task.objects.filter(parent=OuterRef("pk"), resolved_at__isnull=True,
                                     closed_at__isnull=True)
    incident = (Incident.objects.filter(status="in_progress").filter(~Exists(open_tasks))
                .order_by("-created_at").first())
    KpiMark.objects.all().delete()
    started = time.perf_counter()
    workflow.transition(incident, "resolved", actor=agent,
                        resolution_code=ResolutionCode.SOLVED_PERMANENTLY,
                        resolution_notes="Bench.")
    write_ms = (time.perf_counter() - started) * 1000
    marks = KpiMark.objects.count()
    with Queries() as queries:
        started = time.perf_counter()
        done = compute.refresh()
        refresh_ms = (time.perf_counter() - started) * 1000
    return {"ticket": incident.number, "write_ms": write_ms, "marks": marks, "refreshed": done,
            "refresh_ms": refresh_ms, "refresh_queries": queries.count}


def api(requests: int) -> dict:
    from django.contrib.auth.models import Group
    from django.test import Client

    from catalog.models import Service

    agent, _token, _session = bench_agent()
    agent.groups.add(Group.objects.get(name="manager"))  # KPI readers
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(agent)
    service = Service.objects.filter(code="svc3").first()
    scenarios = {
        "service_monthly_series": ("/api/v1/metrics/kpis/", {
            "kpi": "mttr", "granularity": "month", "dimension": "service",
            "key": service.pk}),
        "day_values_page": ("/api/v1/metrics/kpis/", {"granularity": "day",
                                                      "dimension": "overall"}),
        "drill_down": ("/api/v1/metrics/kpis/mttr/tickets/", {
            "period_start": time.strftime("%Y-%m-01"), "granularity": "month"}),
    }
    found = {}
    for name, (path, params) in scenarios.items():
        client.get(path, params)  # warm
        times = []
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get(path, params)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.content[:300]
        times.sort()
        found[name] = {"p50": statistics.median(times),
                       "p95": times[int(len(times) * 0.95) - 1]}
    return found


def event_log(rows: int, path: Path) -> None:
    """The shipped ServiceNow sample, repeated with fresh incident numbers, to `rows`."""
    with SAMPLE.open(newline="") as stream:
        reader = csv.DictReader(stream)
        sample = list(reader)
        fields = reader.fieldnames
    with path.open("w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=fields)
        writer.writeheader()
        written, round_ = 0, 0
        while written < rows:
            for row in sample:
                if written >= rows:
                    break
                number = int(row["number"][3:]) + round_ * 1_000_000
                writer.writerow({**row, "number": f"BENCH{number:09d}"})
                written += 1
            round_ += 1


def import_run(rows: int, database_url: str) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "events.csv"
        event_log(rows, path)
        script = (
            "import resource, sys, time, django, os;"
            "django.setup();"
            "from itsm.importing import import_file;"
            "from metrics.models import KpiValue;"
            "t = time.perf_counter();"
            f"r = import_file(open({str(path)!r}, newline=''), 'servicenow');"
            "print(r.created + r.updated, time.perf_counter() - t,"
            " resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)"
        )
        env = {**os.environ, "DATABASE_URL": database_url,
               "DJANGO_SETTINGS_MODULE": "itsm.settings", "PYTHONPATH": str(ROOT)}
        done = subprocess.run([sys.executable, "-c", script], env=env, check=True,
                              capture_output=True, text=True, cwd=ROOT)
        tickets, seconds, rss = done.stdout.split()[-3:]
        return {"rows": rows, "tickets": int(tickets), "seconds": float(seconds),
                "peak_rss_mb": float(rss)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--resolves", type=int, default=9,
                        help="incidents resolved one by one for `incremental`")
    parser.add_argument("--import-rows", type=int, default=141_000)
    parser.add_argument("--database-url",
                        default=os.environ.get("BENCH_KPI_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--only", default="", help="comma-separated: bare, recompute, "
                                                    "incremental, api, import")
    args = parser.parse_args()
    only = set(filter(None, args.only.split(",")))
    ensure_database(args.database_url)
    setup_django(args.database_url)
    load_tickets(args.tickets, days=args.days)
    results: dict = {"tickets": args.tickets, "days": args.days}

    def wanted(name: str) -> bool:
        return not only or name in only

    if wanted("bare") or wanted("recompute"):
        results["bare_mttr_per_service_month_s"] = bare_aggregate()
        print(f"bare MTTR per service per month: {results['bare_mttr_per_service_month_s']:.2f} s")
    if wanted("recompute"):
        results["recompute"] = full_recompute()
        r = results["recompute"]
        bare = results['bare_mttr_per_service_month_s']
        counting = r['seconds'] - r['writing_seconds']
        print(f"full recompute: {r['seconds']:.1f} s ({r['rows']:,} values, {r['queries']:,} "
              f"queries; {r['seconds'] / bare:.1f}× the bare aggregate): counting "
              f"{counting:.1f} s ({counting / bare:.1f}×), writing the values "
              f"{r['writing_seconds']:.1f} s; peak RSS {r['peak_rss_mb_before']:.0f} → "
              f"{r['peak_rss_mb_after']:.0f} MB")
    if wanted("incremental"):
        results["incremental"] = r = incremental_runs(args.resolves)
        first = r["runs"][0]
        print(f"incremental: {args.resolves} resolves ({first['marks']} marks each), refresh "
              f"median {r['refresh_ms_median']:.1f} ms, slowest {r['refresh_ms_max']:.1f} ms, "
              f"in {first['refresh_queries']} queries")
    if wanted("api"):
        results["api"] = api(args.requests)
        for name, figures in results["api"].items():
            print(f"api {name}: p50 {figures['p50']:.1f} ms, p95 {figures['p95']:.1f} ms "
                  "(in-process)")
    if wanted("import"):
        import_db = args.database_url.rsplit("/", 1)[0] + "/itsm_bench_import"
        for rows in (args.import_rows // 10, args.import_rows):
            from django.db import connections

            connections.close_all()
            _recreate(import_db)
            found = import_run(rows, import_db)
            results.setdefault("import", []).append(found)
            print(f"import {found['rows']:,} ServiceNow rows ({found['tickets']:,} incidents):"
                  f" {found['seconds']:.1f} s, peak RSS {found['peak_rss_mb']:.0f} MB")
    out = ROOT / "bench" / "results" / f"kpis-{args.tickets}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str))


def _recreate(database_url: str) -> None:
    """An empty, migrated database for an import run."""
    from urllib.parse import urlparse

    import psycopg2

    url = urlparse(database_url)
    admin = psycopg2.connect(host=url.hostname, port=url.port or 5432,
                             user=url.username or "postgres", dbname="postgres")
    admin.autocommit = True
    name = url.path.lstrip("/")
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cur.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, check=True,
                   env={**os.environ, "DATABASE_URL": database_url})


if __name__ == "__main__":
    main()
