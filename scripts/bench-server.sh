#!/usr/bin/env bash
# Load benchmark of `carekpi serve` with oha (crates.io), against a release build on loopback.
#
#   scripts/bench-server.sh            # the three scenarios of issue 4, figures as text
#
# 1. Batch ingestion: POST /api/records, 10,000 records per request (the demo generator's
#    records: cases with their events, calls, chats, surveys …, each batch new ids), 2 connections,
#    into an empty SQLite store. Figure: records/s (requests/s × 10,000).
# 2. Single-record ingestion: POST /api/records, one new record per request, at a fixed 1,000
#    requests/s for 20 s (oha -q 1000, latency corrected for coordinated omission). Figures: p50,
#    p99, errors.
# 3. Metric queries on the demo dataset (`carekpi demo`, 20,000 cases): GET /api/query, ten
#    dashboard metrics for a month by team, at 200 requests/s for 20 s. Figures: p50, p99, errors.
#
# oha is installed with `cargo install oha --locked` into .tools/ when missing. Every request
# carries an API key (ingest, read).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
OHA="$ROOT/.tools/bin/oha"
if ! [ -x "$OHA" ]; then
  if command -v oha > /dev/null; then OHA=$(command -v oha); else
    echo "installing oha into .tools/ (cargo install oha --locked) …" >&2
    cargo install oha --locked --quiet --root "$ROOT/.tools"
  fi
fi
cargo build --release --quiet -p carekpi
BIN="$ROOT/${CARGO_TARGET_DIR:-target}/release/carekpi"
case "${CARGO_TARGET_DIR:-}" in /*) BIN="$CARGO_TARGET_DIR/release/carekpi";; esac
WORK=$(mktemp -d)
SERVER=
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
if [ -n "${KEEP:-}" ]; then trap - EXIT; echo "keeping $WORK"; fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
start() { # db
  PORT=$(free_port)
  "$BIN" --db "$1" serve --addr "127.0.0.1:$PORT" > "$WORK/server.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 600); do curl -fs "http://127.0.0.1:$PORT/ready" > /dev/null && return; sleep 0.2; done
  echo "the server did not start:"; cat "$WORK/server.log"; exit 1
}
stop() { kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=; }
summary() { # oha json → one line
  python3 - "$1" "$2" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); per = int(sys.argv[2])
s = r["summary"]; lat = r["latencyPercentiles"]; codes = r.get("statusCodeDistribution", {})
ok = sum(v for k, v in codes.items() if k.startswith("2")); total = sum(codes.values())
# oha cancels the requests still in flight when -z ends: not the server's errors.
aborted = sum(v for k, v in r.get("errorDistribution", {}).items() if "deadline" in k.lower())
errors = total - ok + sum(r.get("errorDistribution", {}).values()) - aborted
print(f"  requests {total}, 2xx {ok}, errors {errors} ({aborted} cut off at the end of the run); {s['requestsPerSec']:.1f} requests/s"
      + (f" = {s['requestsPerSec'] * per:,.0f} records/s" if per > 1 else "")
      + f"; latency p50 {lat['p50'] * 1000:.2f} ms, p90 {lat['p90'] * 1000:.2f} ms, p99 {lat['p99'] * 1000:.2f} ms")
PY
}

echo "== preparing data (demo generator, JSON Lines)"
"$BIN" demo --cases 100000 --seed 7 --out "$WORK/batches.jsonl" > /dev/null
"$BIN" demo --cases 60000 --seed 8 --out "$WORK/singles.jsonl" > /dev/null
python3 - "$WORK" <<'PY'
import sys, os
work = sys.argv[1]
lines = open(os.path.join(work, "batches.jsonl")).read().splitlines()
with open(os.path.join(work, "batches.txt"), "w") as out:
    for i in range(0, len(lines) - 9_999, 10_000):
        out.write('{"records":[' + ",".join(lines[i:i + 10_000]) + "]}\n")
# Single records: surveys and calls of another seed, renamed so no id repeats a batch's.
singles = [l.replace('"id":"', '"id":"single-', 1) for l in open(os.path.join(work, "singles.jsonl"))
           if l.startswith('{"kind":"survey"') or l.startswith('{"kind":"call"')]
open(os.path.join(work, "singles.txt"), "w").write("".join(singles))
print(f"  {len(lines) // 10_000} batches of 10,000 records; {len(singles)} single records")
PY

echo "== 1. batch ingestion (10,000 records per request, 2 connections, empty SQLite store)"
KEY=$("$BIN" --db "$WORK/ingest.db" user key bench --scope ingest --scope read --quiet)
start "$WORK/ingest.db"
BATCHES=$(wc -l < "$WORK/batches.txt")
"$OHA" -n "$BATCHES" -c 2 -m POST -T application/json -H "Authorization: Bearer $KEY" \
  -Z "$WORK/batches.txt" --no-tui --output-format json "http://127.0.0.1:$PORT/api/records" > "$WORK/batch.json"
summary "$WORK/batch.json" 10000

echo "== 2. single-record ingestion at 1,000 requests/s for 20 s (same store, 32 connections)"
"$OHA" -z 20s -q 1000 -c 32 --latency-correction -m POST -T application/json -H "Authorization: Bearer $KEY" \
  -Z "$WORK/singles.txt" --no-tui --output-format json "http://127.0.0.1:$PORT/api/records" > "$WORK/single.json"
summary "$WORK/single.json" 1
stop

echo "== 3. metric queries on the demo dataset at 200 requests/s for 20 s (16 connections)"
"$BIN" --db "$WORK/demo.db" demo --json > /dev/null
KEY=$("$BIN" --db "$WORK/demo.db" user key bench --scope read --quiet)
start "$WORK/demo.db"
QUERY="metrics=request_volume,frt,resolution_time,csat,nps,fcr,sla_compliance,service_level,aht,abandonment_rate&from=2026-03-01&to=2026-04-01&by=team"
"$OHA" -z 20s -q 200 -c 16 --latency-correction -H "Authorization: Bearer $KEY" \
  --no-tui --output-format json "http://127.0.0.1:$PORT/api/query?$QUERY" > "$WORK/query.json"
summary "$WORK/query.json" 1
stop
