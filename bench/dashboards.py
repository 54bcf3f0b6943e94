"""Benchmark the dashboards against PostgreSQL, at two sizes side by side.

    python bench/dashboards.py [--requests 200] [DATABASE_URL ...]

Each database (default: bench/kpis.py's two, itsm_bench_kpi100k and itsm_bench_kpi,
loaded and recomputed by `python bench/kpis.py --tickets N --only recompute`) is
measured in its own process: every dashboard page through Django's test client,
in-process, signed in as a manager, `--requests` times after one warm-up; p50 and p95
in milliseconds and the queries each page ran, read as they are most of the time (the
figures of now and the stored values' part cached, `metrics.caching`), and cold (the
cache emptied before each request: what the first reader after a change waits).
Nothing is asserted: the figures go
into the issue notes; the JSON goes to bench/results/dashboards.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kpis import Queries  # noqa: E402
from run import bench_agent, setup_django  # noqa: E402

DATABASES = ("postgres://postgres@127.0.0.1:5432/itsm_bench_kpi100k",
             "postgres://postgres@127.0.0.1:5432/itsm_bench_kpi")


def pages() -> dict[str, str]:
    from catalog.models import Customer, Service, Team

    service = Service.objects.order_by("pk").first()
    customer = Customer.objects.order_by("pk").first()
    team = Team.objects.order_by("pk").first()
    return {
        "it (last 90 days)": "/metrics/",
        "it (last 12 months)": "/metrics/?span=last_12_months",
        "it (one team)": f"/metrics/?team={team.pk}",
        "services": "/metrics/services/",
        "service": f"/metrics/services/{service.pk}/",
        "customer": f"/metrics/customers/{customer.pk}/",
        "wallboard": "/metrics/wallboard/",
    }


def measure(database_url: str, requests: int) -> dict:
    setup_django(database_url)
    from django.contrib.auth.models import Group
    from django.core.cache import cache
    from django.core.management import call_command
    from django.test import Client

    from itsm.models import Ticket

    call_command("collectstatic", "--noinput", verbosity=0)  # pages name hashed assets
    manager, _token, _session = bench_agent()
    manager.groups.add(Group.objects.get(name="manager"))
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(manager)
    found = {"tickets": Ticket.objects.count(), "pages": {}}
    for name, path in pages().items():
        cold = []
        for _ in range(max(3, requests // 10)):  # nothing cached: every query runs
            cache.clear()
            with Queries() as queries:
                started = time.perf_counter()
                response = client.get(path)
                cold.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        with Queries() as warm_queries:
            client.get(path)
        times = []
        for _ in range(requests):
            started = time.perf_counter()
            client.get(path)
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        found["pages"][name] = {"p50": statistics.median(times),
                                "p95": times[int(len(times) * 0.95) - 1],
                                "queries": warm_queries.count,
                                "cold_p50": statistics.median(cold),
                                "cold_queries": queries.count}
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("databases", nargs="*", default=list(DATABASES))
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--one", help=argparse.SUPPRESS)  # a child process: one database
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.requests)))
        return
    results = []
    for url in args.databases:
        child = subprocess.run([sys.executable, __file__, "--one", url, "--requests",
                                str(args.requests)], capture_output=True, text=True, check=True)
        results.append(json.loads(child.stdout.strip().splitlines()[-1]))
    heading = "".join(f" | {r['tickets']:>9,} tickets: p50 / p95 ms (queries), cold p50 (queries)"
                      for r in results)
    print(f"{'page':<20}{heading}")
    for name in results[0]["pages"]:
        cells = "".join(
            f" | {p['p50']:>6.1f} / {p['p95']:>5.1f} ({p['queries']:>2}), "
            f"cold {p['cold_p50']:>6.1f} ({p['cold_queries']:>2})                 "
            for r in results for p in [r["pages"][name]])
        print(f"{name:<20}{cells}")
    out = ROOT / "bench" / "results" / "dashboards.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
