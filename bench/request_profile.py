"""Where one request spends its time, in-process, against the bench database.

    python bench/request_profile.py /api/v1/incidents/ [--repeat 200] [--top 25] [--html]

Runs the request `--repeat` times through Django's test client as the bench agent
(API token, or the session with `--html`) and prints the median wall time split
into time inside the database driver and time in Python, the queries each run makes
with their median times, and (with `--top`) the functions cProfile finds most costly
over all runs. Load the data first with `python bench/run.py`.

Nothing here is asserted: it is for finding the next cost to remove.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the project; bench/ itself is on the path as the script's folder

from run import DEFAULT_DB, bench_agent, setup_django  # noqa: E402  (bench/run.py)


def bench_client(html: bool):
    from django.test import Client

    _agent, token, session_key = bench_agent()
    if not html:
        return Client(HTTP_AUTHORIZATION=f"Token {token}", HTTP_HOST="127.0.0.1")
    client = Client(HTTP_HOST="127.0.0.1")
    client.cookies["sessionid"] = session_key
    return client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path")
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--top", type=int, default=0, help="cProfile's costliest functions")
    parser.add_argument("--sort", default="tottime", help="pstats order: tottime, cumulative …")
    parser.add_argument("--html", action="store_true", help="sign in with a session")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    args = parser.parse_args()

    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1")
    os.environ.setdefault("DEBUG", "0")
    setup_django(args.database_url)
    from django.db import connection

    client = bench_client(args.html)
    sql_seconds = [0.0]
    per_query: dict[str, list[float]] = defaultdict(list)

    def timed(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            took = time.perf_counter() - start
            sql_seconds[0] += took
            per_query[sql].append(took)

    for _ in range(20):  # warm up: imports, plans, translation catalogues
        client.get(args.path)
    per_query.clear()
    walls, sqls, cpus = [], [], []
    profiler = cProfile.Profile() if args.top else None
    with connection.execute_wrapper(timed):
        for _ in range(args.repeat):
            sql_seconds[0] = 0.0
            if profiler:
                profiler.enable()
            start, cpu_start = time.perf_counter(), time.process_time()
            response = client.get(args.path)
            walls.append(time.perf_counter() - start)
            cpus.append(time.process_time() - cpu_start)
            if profiler:
                profiler.disable()
            sqls.append(sql_seconds[0])
    if response.status_code != 200:
        raise SystemExit(f"{args.path}: HTTP {response.status_code}")

    wall, sql = statistics.median(walls) * 1000, statistics.median(sqls) * 1000
    cpu = statistics.median(cpus) * 1000
    print(f"{args.path}: median {wall:.1f} ms = {sql:.1f} ms in the database driver "
          f"+ {wall - sql:.1f} ms of Python; {cpu:.1f} ms of this process's CPU "
          f"({len(response.content):,} bytes)")
    for text, times in sorted(per_query.items(), key=lambda kv: -sum(kv[1])):
        shown = text if len(text) <= 100 else f"{text[:60]} … {text[-36:]}"
        print(f"  {statistics.median(times) * 1000:6.2f} ms x{len(times) / args.repeat:g}  {shown}")
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(args.top)
        print(out.getvalue())


if __name__ == "__main__":
    main()
