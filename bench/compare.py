#!/usr/bin/env python3
"""CareKPI's dashboard query against the same figures in SQL: DuckDB and SQLite, same data, same run.

    bench/compare.py                      # 1M cases, ~1M calls, 300k survey responses, 7 runs each
    bench/compare.py --cases 200000 --calls 200000 --surveys 60000 --runs 5
    bench/compare.py --data DIR --reuse   # the SQL side again, on the export of an earlier run

What it does:
1. Builds `carekpi` (release) unless --carekpi names a binary, and runs
   `carekpi bench query --export DIR --json`: the demo generator's data (cases topped up with
   calls and survey responses to the sizes asked), loaded into the engine; the whole dashboard query
   (all 44 metrics of the catalogue, 12 months by month x team) timed over --runs runs. The same data
   is written to DIR as four flat CSV tables (below), and CareKPI's result of the query as
   DIR/carekpi_result.json.
2. Loads the tables into an in-memory DuckDB database (PyPI package `duckdb`, installed into
   bench/.venv, which this script creates) and into an in-memory SQLite database (Python's
   sqlite3), untimed, then times the equivalent dashboard in SQL (the queries below) --runs times.
3. Checks that the SQL's figures equal CareKPI's, cell by cell (month x team), for both databases:
   counts (and every figure's n) exactly, percentages and means within 1e-6 relative (the same
   sums taken in another order may differ in the last bits; the table shows the largest relative
   difference seen, Δ), medians and p90s exactly (both are nearest rank: rank ceil(p/100 x N) of
   the sorted values — DuckDB's quantile_disc is that, SQLite's is the row_number() below). Prints
   a table of matches per figure and exits with status 1 when any figure disagrees.
4. Prints p50/p90 of each and the ratios.

The tables (written by CareKPI; instants are Unix seconds, durations seconds):
- cases: one row per case: team (the case's, else its assignee's), agent, channel, priority, type,
  customer, tags (the tag set, sorted), created, first reply, FRT in business seconds, the last
  solve and the first reopen after it, resolution (creation -> last solve) in business seconds,
  touches (public agent replies up to the last solve), reopened (ever), and the SLA: the due time
  (the latest first-reply/resolution due time) and met (1), breached (0) or still running (empty).
- statuses: the status history of each case as intervals [from_at, until_at) (`new` from the
  creation; the last interval open-ended), with the case's team and creation.
- contacts: calls and chats: team (its own, else its agent's, else its case's), case, outcome,
  arrival (queued, else attempted), the queue wait (answered: calendar and business seconds;
  abandoned: calendar), handle time (talk + hold + wrap).
- surveys: responses with their team (their own, else their case's, else their agent's).

How equivalent the SQL is (read the ratios with this in mind): the SQL gets per-case and per-contact
facts precomputed by CareKPI (the business-hours durations — FRT, resolution, ASA — and the SLA
outcomes need the schedules and policies, which SQL does not have; resolving each record's team
needs the org tree), and does everything else from the rows: the period and month of each record,
which cases count as solved in a month, the status at each month's end, percentiles, FCR's 7-day
repeat rule (a join of the cases on customer, type and tag set). It computes 16 of the dashboard's
44 metrics by month x team, exactly as CareKPI defines them (docs/metrics.md), checked in step 3:
request_volume, open_cases (new or open at each month's end), frt, resolution_time, asa and aht
(each mean, median and p90), reopen_rate, touches (one-touch %), fcr (cases scope, with the 7-day
repeat rule), sla_compliance, csat, csat_mean, nps, ces, service_level and abandonment_rate, each
with its n. None of these is left out of the check. Not computed in SQL: the breakdowns (`parts`)
and the other 28 metrics (customer base, SERVQUAL, QA, workforce, waits, backlog …). CareKPI
computes all 44 from the raw records in the same query. So the comparison favours the databases.
The SQL follows docs/metrics.md: sla_compliance counts a case in the month of its latest
first-reply/resolution due time, and a target unfulfilled at `now` as breached only when more
than its length has elapsed on its clock. (This check found the engine doing otherwise on both
points; fixed in November 2026.)
The SQL assumes the demo's configuration (CSAT 1-5 satisfied from 4, CES 1-7, service level 20 s
on every channel, short abandons under 5 s left out, a 7-day FCR window, the account in UTC+7
without DST); the export refuses survey responses on other scales.
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
MONTHS = ["2025-11", "2025-12"] + [f"2026-{m:02}" for m in range(1, 11)]
# The demo configuration's rules (crates/cli/src/demo.rs; CareKPI's defaults).
CSAT_SATISFIED = 4  # on 1-5
SL_THRESHOLD_S = 20
SHORT_ABANDON_S = 5
FCR_WINDOW_S = 7 * 86400


def month(col, dialect):
    """The local month ('2026-03') of instant `col`, independent of the session's time zone."""
    if dialect == "duckdb":
        return f"strftime(epoch_ms(({col} + {OFFSET}) * 1000), '%Y-%m')"
    return f"strftime('%Y-%m', {col} + {OFFSET}, 'unixepoch')"


def pct(numerator):
    """numerator / count(*) x 100 in doubles, as CareKPI computes a rate (100 x num / den)."""
    return f"CAST({numerator} AS DOUBLE) * 100 / count(*)"


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
    ma = month("arrived", dialect)
    mt = month('"at"', dialect)
    ms = month("last_solve", dialect)
    period = lambda col: f"{col} >= {FROM} AND {col} < {TO}"  # noqa: E731
    same = "IS NOT DISTINCT FROM" if dialect == "duckdb" else "IS"
    # Solved cases: in the month of their last solve, when still solved at that month's end (not
    # reopened before it: the first reopen after the last solve falls in a later month).
    solved = f"""SELECT {ms} AS m, * FROM cases
                  WHERE {period('last_solve')}
                    AND (reopened_at IS NULL OR {month('reopened_at', dialect)} > {ms})"""
    months = " UNION ALL ".join(f"SELECT {e} AS month_end" for e in MONTH_ENDS)
    answered = "outcome = 'answered' AND wait_business_s IS NOT NULL"
    offered = (f"(outcome = 'answered' OR (outcome = 'abandoned' AND "
               f"(wait_s IS NULL OR wait_s >= {SHORT_ABANDON_S})))")
    # FCR's repeat rule: the cases followed by a case from the same customer with the same type
    # and tag set created within 7 days after their last solve (a join, not a correlated
    # subquery, which SQLite would run as a scan of the cases per case).
    repeats = f"""SELECT DISTINCT c.id FROM cases c JOIN cases d
                    ON d.customer = c.customer AND d."type" {same} c."type" AND d.tags {same} c.tags
                   AND d.created > c.last_solve AND d.created <= c.last_solve + {FCR_WINDOW_S}"""
    return {
        "request_volume": f"""
            SELECT m, team, count(*) FROM (
              SELECT {mc} AS m, team FROM cases WHERE {period('created')}
              UNION ALL
              SELECT {ma} AS m, team FROM contacts
               WHERE outcome <> 'blocked' AND (case_id IS NULL OR case_id NOT IN (SELECT id FROM cases))
                 AND {period('arrived')})
            GROUP BY m, team""",
        "open_cases": f"""
            SELECT month_end, team, count(*) FROM statuses, ({months}) AS me
             WHERE status IN ('new', 'open') AND created < month_end
               AND from_at < month_end AND (until_at IS NULL OR until_at >= month_end)
             GROUP BY month_end, team""",
        "frt": durations(
            f"SELECT {mc} AS m, team, frt_s FROM cases WHERE {period('created')} AND frt_s IS NOT NULL",
            "frt_s", dialect),
        "resolution_time": durations(f"SELECT m, team, resolution_s FROM ({solved})", "resolution_s", dialect),
        "reopen_touches_fcr": f"""
            SELECT m, team, {pct('sum(reopened)')}, {pct('sum(CASE WHEN touches = 1 THEN 1 ELSE 0 END)')},
                   {pct('sum(CASE WHEN touches = 1 AND reopened = 0 AND r.id IS NULL THEN 1 ELSE 0 END)')},
                   count(*)
              FROM ({solved}) AS s LEFT JOIN ({repeats}) AS r ON r.id = s.id GROUP BY m, team""",
        "sla_compliance": f"""
            SELECT {month('sla_due', dialect)} AS m, team, {pct('sum(sla_met)')}, count(*) FROM cases
             WHERE sla_met IS NOT NULL AND {period('sla_due')} GROUP BY m, team""",
        "csat_csat_mean": f"""
            SELECT {mt} AS m, team, {pct(f'sum(CASE WHEN score >= {CSAT_SATISFIED} THEN 1 ELSE 0 END)')},
                   avg(score), count(*)
              FROM surveys WHERE survey = 'csat' AND {period('"at"')} GROUP BY m, team""",
        "nps": f"""
            SELECT {mt} AS m, team,
                   {pct('sum(CASE WHEN score >= 9 THEN 1 ELSE 0 END) - sum(CASE WHEN score <= 6 THEN 1 ELSE 0 END)')},
                   count(*)
              FROM surveys WHERE survey = 'nps' AND {period('"at"')} GROUP BY m, team""",
        "ces": f"""
            SELECT {mt} AS m, team, avg(score), count(*) FROM surveys
             WHERE survey = 'ces' AND {period('"at"')} GROUP BY m, team""",
        "asa": durations(
            f"SELECT {ma} AS m, team, wait_business_s FROM contacts WHERE {answered} AND {period('arrived')}",
            "wait_business_s", dialect),
        "aht": durations(
            f"SELECT {ma} AS m, team, handle_s FROM contacts WHERE outcome = 'answered' AND handle_s IS NOT NULL AND {period('arrived')}",
            "handle_s", dialect),
        "service_level_abandonment": f"""
            SELECT {ma} AS m, team,
                   {pct(f"sum(CASE WHEN outcome = 'answered' AND wait_s <= {SL_THRESHOLD_S} THEN 1 ELSE 0 END)")},
                   {pct("sum(CASE WHEN outcome = 'abandoned' THEN 1 ELSE 0 END)")}, count(*)
              FROM contacts WHERE {offered} AND {period('arrived')} GROUP BY m, team""",
    }


# Each checked figure: (metric id in CareKPI's result, query, kind, columns after (month, team)).
# Kinds: count (value = n, exact), rate and mean (value within 1e-6 relative), duration (mean
# within 1e-6 relative, median and p90 exact). Every figure's n is compared exactly.
FIGURES = [
    ("request_volume", "request_volume", "count", {"value": 0, "n": 0}),
    ("open_cases", "open_cases", "count", {"value": 0, "n": 0}),
    ("frt", "frt", "duration", {"value": 0, "median": 1, "p90": 2, "n": 3}),
    ("resolution_time", "resolution_time", "duration", {"value": 0, "median": 1, "p90": 2, "n": 3}),
    ("asa", "asa", "duration", {"value": 0, "median": 1, "p90": 2, "n": 3}),
    ("aht", "aht", "duration", {"value": 0, "median": 1, "p90": 2, "n": 3}),
    ("reopen_rate", "reopen_touches_fcr", "rate", {"value": 0, "n": 3}),
    ("touches", "reopen_touches_fcr", "rate", {"value": 1, "n": 3}),
    ("fcr", "reopen_touches_fcr", "rate", {"value": 2, "n": 3}),
    ("sla_compliance", "sla_compliance", "rate", {"value": 0, "n": 1}),
    ("csat", "csat_csat_mean", "rate", {"value": 0, "n": 2}),
    ("csat_mean", "csat_csat_mean", "mean", {"value": 1, "n": 2}),
    ("nps", "nps", "rate", {"value": 0, "n": 1}),
    ("ces", "ces", "mean", {"value": 0, "n": 1}),
    ("service_level", "service_level_abandonment", "rate", {"value": 0, "n": 2}),
    ("abandonment_rate", "service_level_abandonment", "rate", {"value": 1, "n": 2}),
]
REL_TOL = 1e-6

COLUMNS = {
    "cases": [("id", "TEXT"), ("team", "TEXT"), ("agent", "TEXT"), ("channel", "TEXT"),
              ("priority", "TEXT"), ("type", "TEXT"), ("customer", "TEXT"), ("tags", "TEXT"),
              ("created", "BIGINT"), ("first_reply", "BIGINT"), ("frt_s", "DOUBLE"),
              ("last_solve", "BIGINT"), ("reopened_at", "BIGINT"), ("resolution_s", "DOUBLE"),
              ("touches", "INTEGER"), ("reopened", "INTEGER"), ("sla_due", "BIGINT"),
              ("sla_met", "INTEGER")],
    "statuses": [("case_id", "TEXT"), ("team", "TEXT"), ("created", "BIGINT"), ("status", "TEXT"),
                 ("from_at", "BIGINT"), ("until_at", "BIGINT")],
    "contacts": [("id", "TEXT"), ("kind", "TEXT"), ("channel", "TEXT"), ("team", "TEXT"),
                 ("agent", "TEXT"), ("case_id", "TEXT"), ("outcome", "TEXT"), ("arrived", "BIGINT"),
                 ("wait_s", "DOUBLE"), ("wait_business_s", "DOUBLE"), ("handle_s", "DOUBLE"),
                 ("rfc", "INTEGER")],
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
        kinds = [{"TEXT": str, "DOUBLE": float}.get(t, int) for _, t in cols]
        with open(os.path.join(data, f"{table}.csv"), newline="", encoding="utf-8") as f:
            rows = csv.reader(f)
            next(rows)
            convert = lambda row: [(None if v == "" else k(v)) for v, k in zip(row, kinds)]  # noqa: E731
            db.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(cols))})", map(convert, rows))
    db.commit()
    return db


def time_dashboard(run_query, queries, runs):
    """Run every query of the dashboard `runs` times; returns sorted run times (ms) and the
    rows of the last run."""
    times, rows = [], {}
    for _ in range(runs):
        started = time.perf_counter()
        for name, sql in queries.items():
            rows[name] = run_query(sql)
        times.append((time.perf_counter() - started) * 1000)
    return sorted(times), rows


def rank(times, p):
    """Nearest rank: the value at rank ceil(p * n) of the sorted times."""
    return times[min(len(times), max(1, math.ceil(p * len(times)))) - 1]


# ---------------------------------------------------------------------------------- the check

def carekpi_cells(result):
    """CareKPI's result as {(month, team): row}."""
    return {(row["month"], row["team"]): row for row in result}


def sql_cells(rows):
    """A query's rows as {(month, team): rest}; open_cases' month ends become months."""
    out = {}
    for m, team, *rest in rows:
        if isinstance(m, (int, float)):
            m = MONTHS[MONTH_ENDS.index(int(m))]
        out[(m, team)] = rest
    return out


def close(a, b):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= REL_TOL * max(abs(a), abs(b))


def rel_diff(a, b):
    if a is None or b is None or a == b:
        return 0.0
    return abs(a - b) / max(abs(a), abs(b))


def check(ours, rows):
    """Compares every figure of one database with CareKPI's; returns one summary per figure."""
    report = []
    for metric, query, kind, cols in FIGURES:
        sql = sql_cells(rows[query])
        keys = {k for k, row in ours.items() if row[metric]["n"] > 0} | set(sql)
        wrong, worst, examples = 0, 0.0, []
        for key in sorted(keys, key=lambda k: (k[0], k[1] or "\uffff")):
            want = ours.get(key, {}).get(metric) or {"value": None, "n": 0}
            got = sql.get(key)
            have = {f: (None if got is None else got[i]) for f, i in cols.items()}
            if got is None:
                have["n"] = 0
                if kind == "count":
                    have["value"] = 0
            bad = []
            if int(have["n"]) != want["n"]:
                bad.append("n")
            if kind == "count":
                if (want["value"] or 0) != have["value"]:
                    bad.append("value")
            else:
                if not close(want["value"], have["value"]):
                    bad.append("value")
                worst = max(worst, rel_diff(want["value"], have["value"]))
            if kind == "duration":
                bad += [f for f in ("median", "p90") if want.get(f) != have[f]]
            if bad:
                wrong += 1
                if len(examples) < 3:
                    examples.append({"month": key[0], "team": key[1], "fields": bad,
                                     "carekpi": {f: want.get(f) for f in cols},
                                     "sql": have})
        report.append({"figure": metric, "kind": kind, "cells": len(keys), "mismatched_cells": wrong,
                       "max_rel_diff": worst, "examples": examples})
    return report


def print_check(checks):
    names = list(checks)
    print(f"\ncheck against CareKPI's result (cells = month x team with data; "
          f"means and rates within {REL_TOL:g} relative, the rest exact):")
    print(f"{'figure':18} {'kind':9} " + " ".join(f"{n:>26}" for n in names))
    for i, (metric, _, kind, _) in enumerate(FIGURES):
        cells = []
        for n in names:
            r = checks[n][i]
            if r["mismatched_cells"]:
                cells.append(f"MISMATCH {r['mismatched_cells']}/{r['cells']} cells")
            elif kind in ("count",):
                cells.append(f"match {r['cells']} cells")
            else:
                cells.append(f"match {r['cells']} cells, Δ≤{r['max_rel_diff']:.0e}")
        print(f"{metric:18} {kind:9} " + " ".join(f"{c:>26}" for c in cells))
    for n in names:
        for r in checks[n]:
            for e in r["examples"]:
                print(f"  {n} {r['figure']} {e['month']} {e['team']}: {', '.join(e['fields'])} differ: "
                      f"carekpi {e['carekpi']} sql {e['sql']}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--surveys", type=int, default=300_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--sqlite-runs", type=int, default=3, help="SQLite is slow: fewer runs")
    parser.add_argument("--carekpi", help="the carekpi binary (default: cargo build --release)")
    parser.add_argument("--data", help="folder for the CSV tables (default: a temporary folder)")
    parser.add_argument("--reuse", action="store_true",
                        help="do not run carekpi: reuse the tables, result and figures in --data")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    if args.reuse and not args.data:
        parser.error("--reuse needs --data")
    in_venv_with_duckdb()
    import duckdb

    temp = None
    data = args.data
    if data is None:
        temp = tempfile.TemporaryDirectory(prefix="carekpi-bench-")
        data = temp.name
    log = lambda *a: print(*a, file=sys.stderr, flush=True)  # noqa: E731

    figures_path = os.path.join(data, "carekpi_figures.json")
    if args.reuse:
        with open(figures_path, encoding="utf-8") as f:
            ours = json.load(f)
        log(f"reusing {data} (carekpi's figures from that run)")
    else:
        binary = args.carekpi
        if binary is None:
            subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "carekpi"], cwd=REPO, check=True)
            binary = os.path.join(REPO, "target", "release", "carekpi")
        log(f"carekpi bench query --cases {args.cases} --calls {args.calls} --surveys {args.surveys} …")
        out = subprocess.run(
            [binary, "bench", "query", "--cases", str(args.cases), "--calls", str(args.calls),
             "--surveys", str(args.surveys), "--runs", str(args.runs), "--export", data, "--json"],
            check=True, capture_output=True, text=True)
        ours = json.loads(out.stdout)
        with open(figures_path, "w", encoding="utf-8") as f:
            json.dump(ours, f)
    log(f"  carekpi: p50 {ours['p50_ms']:.1f} ms, p90 {ours['p90_ms']:.1f} ms, peak RSS {ours['peak_rss_mib']:.0f} MiB")
    with open(os.path.join(data, "carekpi_result.json"), encoding="utf-8") as f:
        result = carekpi_cells(json.load(f))

    log("loading DuckDB (untimed) …")
    started = time.perf_counter()
    duck = load_duckdb(data)
    duck_load = time.perf_counter() - started
    duck.execute("SELECT 1").fetchall()
    queries = dashboard("duckdb")
    time_dashboard(lambda q: duck.execute(q).fetchall(), queries, 1)  # warm-up
    duck_times, duck_rows = time_dashboard(lambda q: duck.execute(q).fetchall(), queries, args.runs)
    log(f"  duckdb {duckdb.__version__}: p50 {rank(duck_times, 0.5):.1f} ms")
    del duck

    log("loading SQLite (untimed) …")
    started = time.perf_counter()
    lite = load_sqlite(data)
    lite_load = time.perf_counter() - started
    queries = dashboard("sqlite")
    lite_times, lite_rows = time_dashboard(lambda q: lite.execute(q).fetchall(), queries, args.sqlite_runs)
    log(f"  sqlite {sqlite3.sqlite_version}: p50 {rank(lite_times, 0.5):.1f} ms")
    del lite

    checks = {"duckdb": check(result, duck_rows), "sqlite": check(result, lite_rows)}
    agree = all(r["mismatched_cells"] == 0 for c in checks.values() for r in c)

    figures = {
        "data": {k: ours[k] for k in ("cases", "calls", "chats", "surveys", "records")},
        "carekpi": {"metrics": ours["metrics"], "rows": ours["result_rows"], "runs": ours["runs"],
                    "p50_ms": ours["p50_ms"], "p90_ms": ours["p90_ms"], "first_run_ms": ours["first_query_ms"],
                    "load_s": ours["load_seconds"], "peak_rss_mib": ours["peak_rss_mib"]},
        "duckdb": {"version": duckdb.__version__, "figures": len(FIGURES), "runs": len(duck_times),
                   "p50_ms": rank(duck_times, 0.5), "p90_ms": rank(duck_times, 0.9), "load_s": duck_load,
                   "rows": {k: len(v) for k, v in duck_rows.items()}},
        "sqlite": {"version": sqlite3.sqlite_version, "figures": len(FIGURES), "runs": len(lite_times),
                   "p50_ms": rank(lite_times, 0.5), "p90_ms": rank(lite_times, 0.9), "load_s": lite_load,
                   "rows": {k: len(v) for k, v in lite_rows.items()}},
        "check": {"agree": agree, **checks},
    }
    figures["duckdb_over_carekpi"] = figures["duckdb"]["p50_ms"] / ours["p50_ms"]
    figures["sqlite_over_carekpi"] = figures["sqlite"]["p50_ms"] / ours["p50_ms"]
    if args.json:
        print(json.dumps(figures))
        sys.exit(0 if agree else 1)
    d = figures["data"]
    print(f"data: {d['cases']:,} cases, {d['calls']:,} calls, {d['chats']:,} chats, {d['surveys']:,} survey responses "
          f"({d['records']:,} records in all)")
    print(f"{'':10} {'p50 ms':>10} {'p90 ms':>10} {'runs':>5}  what")
    c = figures["carekpi"]
    print(f"{'carekpi':10} {c['p50_ms']:10.1f} {c['p90_ms']:10.1f} {c['runs']:5}  all {c['metrics']} metrics by month x team "
          f"from the records; peak RSS {c['peak_rss_mib']:.0f} MiB")
    for name in ("duckdb", "sqlite"):
        f = figures[name]
        print(f"{name:10} {f['p50_ms']:10.1f} {f['p90_ms']:10.1f} {f['runs']:5}  {f['figures']} figures by month x team "
              f"from precomputed facts ({name} {f['version']}, in memory; loaded in {f['load_s']:.1f} s, untimed)")
    print(f"DuckDB / carekpi (p50): {figures['duckdb_over_carekpi']:.2f}x    "
          f"SQLite / carekpi (p50): {figures['sqlite_over_carekpi']:.1f}x")
    print_check(checks)
    if not agree:
        print("\nthe SQL's figures disagree with CareKPI's (above)")
        sys.exit(1)
    print(f"\nall {len(FIGURES)} figures agree, in DuckDB and in SQLite")


if __name__ == "__main__":
    main()
