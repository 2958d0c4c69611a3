#!/usr/bin/env python3
"""CareKPI's dashboard query against the same figures in SQL: DuckDB and SQLite, same data, same run.

    bench/compare.py                      # 1M cases, ~1M calls, 300k survey responses, 7 runs each
    bench/compare.py --cases 200000 --calls 200000 --surveys 60000 --runs 5

What it does:
1. Builds `carekpi` (release) unless --carekpi names a binary, and runs
   `carekpi bench query --export DIR --json`: the demo generator's data (cases topped up with
   calls and survey responses to the sizes asked), loaded into the engine; the whole dashboard query
   (all 44 metrics of the catalogue, 12 months by month x team) timed over --runs runs. The same data
   is written to DIR as three flat CSV tables: per-case facts (first reply, FRT in business seconds,
   solve, resolution, touches, reopened, SLA met), contacts (calls and chats) and survey responses.
2. Loads the three tables into an in-memory DuckDB database (PyPI package `duckdb`, installed
   into bench/.venv, which this script creates) and into an in-memory SQLite database (Python's
   sqlite3), untimed, then times the equivalent dashboard in SQL (the queries below) --runs times.
3. Prints p50/p90 of each and the ratios.

How equivalent the SQL is (read the ratios with this in mind): the SQL gets the per-case facts
precomputed by CareKPI (business-hours durations and SLA outcomes need the schedules, which SQL
does not have) and the team of each contact and response resolved; it computes 17 figures
(request volume, open cases at each month's end, FRT / resolution / ASA / AHT with mean, median and
p90, reopen rate, one-touch rate, FCR without the 7-day repeat rule, SLA compliance, CSAT, mean CSAT,
NPS, CES, service level, abandonment) by month x team. CareKPI computes all 44 metrics from the
raw records in the same query. So the comparison favours the databases.
"""

import argparse
import csv
import json
import math
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import venv

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
VENV = os.path.join(HERE, ".venv")


def in_venv_with_duckdb():
    """Re-run this script with bench/.venv's Python (created, with duckdb, when missing)."""
    try:
        import duckdb  # noqa: F401
        return
    except ImportError:
        pass
    python = os.path.join(VENV, "bin", "python")
    if os.path.realpath(sys.prefix) == os.path.realpath(VENV):
        sys.exit("duckdb is not installed in bench/.venv and could not be imported")
    if not os.path.exists(python):
        print(f"creating {VENV} and installing duckdb …", file=sys.stderr)
        venv.create(VENV, with_pip=True)
        subprocess.run([python, "-m", "pip", "install", "--quiet", "duckdb"], check=True)
    os.execv(python, [python, os.path.abspath(__file__)] + sys.argv[1:])


# The period: the demo's 12 months, 2025-11-01 .. 2026-11-01 in Asia/Ho_Chi_Minh (UTC+7, no DST).
FROM = 1761930000  # 2025-11-01T00:00:00+07:00
TO = 1793466000  # 2026-11-01T00:00:00+07:00
OFFSET = 7 * 3600
MONTH_ENDS = [  # the instant each month of the period ends (local midnight of the 1st)
    1764522000, 1767200400, 1769878800, 1772298000, 1774976400, 1777568400,
    1780246800, 1782838800, 1785517200, 1788195600, 1790787600, 1793466000,
]


def month(col, dialect):
    if dialect == "duckdb":
        return f"strftime(to_timestamp({col} + {OFFSET}), '%Y-%m')"
    return f"strftime('%Y-%m', {col} + {OFFSET}, 'unixepoch')"


def durations(source, value, dialect):
    """Mean, median and p90 (nearest rank) of `value` per (month, team) over `source`."""
    if dialect == "duckdb":
        return f"""SELECT m, team, avg({value}) AS mean, quantile_disc({value}, 0.5) AS median,
                          quantile_disc({value}, 0.9) AS p90, count(*) AS n
                   FROM ({source}) GROUP BY m, team"""
    # SQLite has no percentile function: rank within each group, take ranks ceil(n/2), ceil(0.9 n).
    return f"""SELECT m, team, avg(v) AS mean,
                      max(CASE WHEN rn = (cnt + 1) / 2 THEN v END) AS median,
                      max(CASE WHEN rn = (9 * cnt + 9) / 10 THEN v END) AS p90, max(cnt) AS n
               FROM (SELECT m, team, {value} AS v,
                            row_number() OVER (PARTITION BY m, team ORDER BY {value}) AS rn,
                            count(*) OVER (PARTITION BY m, team) AS cnt
                     FROM ({source}))
               GROUP BY m, team"""


def dashboard(dialect):
    """The dashboard as SQL: one query per figure (or group of figures), by month x team."""
    mc = month("created", dialect)
    ms = month("last_solve", dialect)
    ma = month("arrived", dialect)
    mt = month('"at"', dialect)
    period = lambda col: f"{col} >= {FROM} AND {col} < {TO}"  # noqa: E731
    solved = f"solved = 1 AND {period('last_solve')}"
    months = " UNION ALL ".join(f"SELECT {e} AS month_end" for e in MONTH_ENDS)
    answered = "outcome = 'answered' AND wait_s IS NOT NULL"
    offered = "(outcome = 'answered' OR (outcome = 'abandoned' AND (wait_s IS NULL OR wait_s >= 5)))"
    return {
        "request_volume": f"""
            SELECT m, team, count(*) FROM (
              SELECT {mc} AS m, team FROM cases WHERE {period('created')}
              UNION ALL
              SELECT {ma} AS m, team FROM contacts
               WHERE (case_id IS NULL OR case_id = '') AND {period('arrived')})
            GROUP BY m, team""",
        "open_cases": f"""
            SELECT month_end, team, count(*) FROM cases, ({months}) AS me
             WHERE created < month_end AND (solved = 0 OR last_solve >= month_end)
             GROUP BY month_end, team""",
        "frt": durations(
            f"SELECT {mc} AS m, team, frt_s FROM cases WHERE {period('created')} AND frt_s IS NOT NULL",
            "frt_s", dialect),
        "resolution_time": durations(
            f"SELECT {ms} AS m, team, resolution_s FROM cases WHERE {solved} AND resolution_s IS NOT NULL",
            "resolution_s", dialect),
        "reopen_touches_fcr": f"""
            SELECT {ms} AS m, team, avg(reopened) * 100, avg(CASE WHEN touches = 1 THEN 1.0 ELSE 0 END) * 100,
                   avg(CASE WHEN touches = 1 AND reopened = 0 THEN 1.0 ELSE 0 END) * 100, count(*)
              FROM cases WHERE {solved} GROUP BY m, team""",
        "sla_compliance": f"""
            SELECT {mc} AS m, team, avg(sla_met) * 100, count(*) FROM cases
             WHERE {period('created')} AND sla_met IS NOT NULL GROUP BY m, team""",
        "csat_csat_mean": f"""
            SELECT {mt} AS m, team, avg(CASE WHEN score >= 4 THEN 100.0 ELSE 0 END), avg(score), count(*)
              FROM surveys WHERE survey = 'csat' AND {period('"at"')} GROUP BY m, team""",
        "nps": f"""
            SELECT {mt} AS m, team,
                   (sum(CASE WHEN score >= 9 THEN 1 ELSE 0 END) - sum(CASE WHEN score <= 6 THEN 1 ELSE 0 END)) * 100.0 / count(*),
                   count(*)
              FROM surveys WHERE survey = 'nps' AND {period('"at"')} GROUP BY m, team""",
        "ces": f"""
            SELECT {mt} AS m, team, avg(score), count(*) FROM surveys
             WHERE survey = 'ces' AND {period('"at"')} GROUP BY m, team""",
        "asa": durations(
            f"SELECT {ma} AS m, team, wait_s FROM contacts WHERE {answered} AND {period('arrived')}",
            "wait_s", dialect),
        "aht": durations(
            f"SELECT {ma} AS m, team, handle_s FROM contacts WHERE outcome = 'answered' AND handle_s IS NOT NULL AND {period('arrived')}",
            "handle_s", dialect),
        "service_level_abandonment": f"""
            SELECT {ma} AS m, team,
                   sum(CASE WHEN outcome = 'answered' AND wait_s <= 20 THEN 1 ELSE 0 END) * 100.0 / count(*),
                   sum(CASE WHEN outcome = 'abandoned' THEN 1 ELSE 0 END) * 100.0 / count(*), count(*)
              FROM contacts WHERE {offered} AND {period('arrived')} GROUP BY m, team""",
    }


COLUMNS = {
    "cases": [("id", "TEXT"), ("team", "TEXT"), ("agent", "TEXT"), ("channel", "TEXT"),
              ("priority", "TEXT"), ("type", "TEXT"), ("customer", "TEXT"), ("created", "BIGINT"),
              ("first_reply", "BIGINT"), ("frt_s", "DOUBLE"), ("solved", "INTEGER"),
              ("last_solve", "BIGINT"), ("resolution_s", "DOUBLE"), ("touches", "INTEGER"),
              ("reopened", "INTEGER"), ("sla_met", "INTEGER")],
    "contacts": [("id", "TEXT"), ("kind", "TEXT"), ("channel", "TEXT"), ("team", "TEXT"),
                 ("agent", "TEXT"), ("case_id", "TEXT"), ("outcome", "TEXT"), ("arrived", "BIGINT"),
                 ("wait_s", "DOUBLE"), ("handle_s", "DOUBLE"), ("rfc", "INTEGER")],
    "surveys": [("id", "TEXT"), ("survey", "TEXT"), ("score", "INTEGER"), ("at", "BIGINT"),
                ("team", "TEXT"), ("agent", "TEXT"), ("case_id", "TEXT")],
}


def load_duckdb(data):
    import duckdb
    db = duckdb.connect(":memory:")
    for table, cols in COLUMNS.items():
        types = ", ".join(f"'{c}': '{t}'" for c, t in cols)
        path = os.path.join(data, f"{table}.csv")
        db.execute(f"CREATE TABLE {table} AS SELECT * FROM read_csv('{path}', header = true, columns = {{{types}}})")
    return db


def load_sqlite(data):
    db = sqlite3.connect(":memory:")
    for table, cols in COLUMNS.items():
        db.execute(f"CREATE TABLE {table} ({', '.join(f'{c} {t}' for c, t in cols)})")
        numeric = [t != "TEXT" for _, t in cols]
        with open(os.path.join(data, f"{table}.csv"), newline="", encoding="utf-8") as f:
            rows = csv.reader(f)
            next(rows)
            convert = lambda row: [  # noqa: E731
                (None if v == "" else (float(v) if n else v)) for v, n in zip(row, numeric)
            ]
            db.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(cols))})", map(convert, rows))
    db.commit()
    return db


def time_dashboard(run_query, queries, runs):
    """Run every query of the dashboard `runs` times; returns sorted run times (ms) and row counts."""
    times, rows = [], {}
    for _ in range(runs):
        started = time.perf_counter()
        for name, sql in queries.items():
            rows[name] = len(run_query(sql))
        times.append((time.perf_counter() - started) * 1000)
    return sorted(times), rows


def rank(times, p):
    """Nearest rank: the value at rank ceil(p * n) of the sorted times."""
    return times[min(len(times), max(1, math.ceil(p * len(times)))) - 1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--surveys", type=int, default=300_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--sqlite-runs", type=int, default=3, help="SQLite is slow: fewer runs")
    parser.add_argument("--carekpi", help="the carekpi binary (default: cargo build --release)")
    parser.add_argument("--data", help="folder for the CSV tables (default: a temporary folder)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    in_venv_with_duckdb()
    import duckdb

    binary = args.carekpi
    if binary is None:
        subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "carekpi"], cwd=REPO, check=True)
        binary = os.path.join(REPO, "target", "release", "carekpi")
    temp = None
    data = args.data
    if data is None:
        temp = tempfile.TemporaryDirectory(prefix="carekpi-bench-")
        data = temp.name
    log = lambda *a: print(*a, file=sys.stderr, flush=True)  # noqa: E731

    log(f"carekpi bench query --cases {args.cases} --calls {args.calls} --surveys {args.surveys} …")
    out = subprocess.run(
        [binary, "bench", "query", "--cases", str(args.cases), "--calls", str(args.calls),
         "--surveys", str(args.surveys), "--runs", str(args.runs), "--export", data, "--json"],
        check=True, capture_output=True, text=True)
    ours = json.loads(out.stdout)
    log(f"  carekpi: p50 {ours['p50_ms']:.1f} ms, p90 {ours['p90_ms']:.1f} ms, peak RSS {ours['peak_rss_mib']:.0f} MiB")

    log("loading DuckDB (untimed) …")
    started = time.perf_counter()
    duck = load_duckdb(data)
    duck_load = time.perf_counter() - started
    duck.execute("SELECT 1").fetchall()
    queries = dashboard("duckdb")
    time_dashboard(lambda q: duck.execute(q).fetchall(), queries, 1)  # warm-up
    duck_times, duck_rows = time_dashboard(lambda q: duck.execute(q).fetchall(), queries, args.runs)
    log(f"  duckdb {duckdb.__version__}: p50 {rank(duck_times, 0.5):.1f} ms")

    log("loading SQLite (untimed) …")
    started = time.perf_counter()
    lite = load_sqlite(data)
    lite_load = time.perf_counter() - started
    queries = dashboard("sqlite")
    lite_times, lite_rows = time_dashboard(lambda q: lite.execute(q).fetchall(), queries, args.sqlite_runs)
    log(f"  sqlite {sqlite3.sqlite_version}: p50 {rank(lite_times, 0.5):.1f} ms")

    figures = {
        "data": {k: ours[k] for k in ("cases", "calls", "chats", "surveys", "records")},
        "carekpi": {"metrics": ours["metrics"], "rows": ours["result_rows"], "runs": ours["runs"],
                    "p50_ms": ours["p50_ms"], "p90_ms": ours["p90_ms"], "first_run_ms": ours["first_query_ms"],
                    "load_s": ours["load_seconds"], "peak_rss_mib": ours["peak_rss_mib"]},
        "duckdb": {"version": duckdb.__version__, "figures": 17, "runs": len(duck_times),
                   "p50_ms": rank(duck_times, 0.5), "p90_ms": rank(duck_times, 0.9), "load_s": duck_load,
                   "rows": duck_rows},
        "sqlite": {"version": sqlite3.sqlite_version, "figures": 17, "runs": len(lite_times),
                   "p50_ms": rank(lite_times, 0.5), "p90_ms": rank(lite_times, 0.9), "load_s": lite_load,
                   "rows": lite_rows},
    }
    figures["duckdb_over_carekpi"] = figures["duckdb"]["p50_ms"] / ours["p50_ms"]
    figures["sqlite_over_carekpi"] = figures["sqlite"]["p50_ms"] / ours["p50_ms"]
    if args.json:
        print(json.dumps(figures))
        return
    d = figures["data"]
    print(f"data: {d['cases']:,} cases, {d['calls']:,} calls, {d['chats']:,} chats, {d['surveys']:,} survey responses "
          f"({d['records']:,} records in all)")
    print(f"{'':10} {'p50 ms':>10} {'p90 ms':>10} {'runs':>5}  what")
    c = figures["carekpi"]
    print(f"{'carekpi':10} {c['p50_ms']:10.1f} {c['p90_ms']:10.1f} {c['runs']:5}  all {c['metrics']} metrics by month x team "
          f"from the records; peak RSS {c['peak_rss_mib']:.0f} MiB")
    for name in ("duckdb", "sqlite"):
        f = figures[name]
        print(f"{name:10} {f['p50_ms']:10.1f} {f['p90_ms']:10.1f} {f['runs']:5}  17 figures by month x team from "
              f"precomputed per-case facts ({name} {f['version']}, in memory; loaded in {f['load_s']:.1f} s, untimed)")
    print(f"DuckDB / carekpi (p50): {figures['duckdb_over_carekpi']:.2f}x    "
          f"SQLite / carekpi (p50): {figures['sqlite_over_carekpi']:.1f}x")


if __name__ == "__main__":
    main()
