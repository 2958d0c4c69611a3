#!/usr/bin/env bash
# Schemathesis (PyPI) against the server's own OpenAPI document: it generates requests for every
# route from the schema and checks that no answer is a server error (5xx) and that every answer
# matches the schema (status codes, content types, bodies).
#
#   scripts/schemathesis.sh [--max-examples N]
#
# Builds carekpi (release), loads a small demo dataset into a temporary SQLite file, creates an
# API key with both scopes and an admin session, starts `carekpi serve` on a free port, and runs
# schemathesis twice: once with the key (ingest, read) and once with the admin's session cookie
# and CSRF token (every route, admin ones included, but for logout and changing a user: either
# would end the session the run uses; the key run covers them). Schemathesis is installed into
# scripts/.venv (created when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
MAX_EXAMPLES=50
if [ "${1:-}" = "--max-examples" ]; then MAX_EXAMPLES="$2"; fi

VENV=scripts/.venv
if [ ! -x "$VENV/bin/st" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet schemathesis
fi
cargo build --release --quiet -p carekpi
BIN="${CARGO_TARGET_DIR:-target}/release/carekpi"
WORK=$(mktemp -d)
DB="$WORK/carekpi.db"
cleanup() { [ -n "${SERVER:-}" ] && kill "$SERVER" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

"$BIN" --db "$DB" demo --cases 2000 --json > /dev/null
KEY=$("$BIN" --db "$DB" user key schemathesis --scope ingest --scope read --quiet)
echo 'schemathesis-password' | "$BIN" --db "$DB" user add st-admin --admin --password-stdin > /dev/null
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN" --db "$DB" serve --addr "127.0.0.1:$PORT" > "$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/ready" > /dev/null && break; sleep 0.2; done
BASE="http://127.0.0.1:$PORT"
LOGIN=$(curl -fs -c "$WORK/jar" -H 'content-type: application/json' \
  -d '{"username":"st-admin","password":"schemathesis-password"}' "$BASE/api/login")
CSRF=$(printf '%s' "$LOGIN" | python3 -c 'import json,sys; print(json.load(sys.stdin)["csrf_token"])')
COOKIE=$(awk '$6=="carekpi_session"{print $7}' "$WORK/jar")

CHECKS=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance
status=0
echo "== schemathesis with an API key (ingest, read)"
"$VENV/bin/st" run "$BASE/api/openapi.json" --checks "$CHECKS" \
  --max-examples "$MAX_EXAMPLES" -H "Authorization: Bearer $KEY" || status=1
echo "== schemathesis as an admin (session cookie and CSRF token)"
"$VENV/bin/st" run "$BASE/api/openapi.json" --checks "$CHECKS" \
  --max-examples "$MAX_EXAMPLES" -H "Cookie: carekpi_session=$COOKIE" -H "X-CSRF-Token: $CSRF" \
  --exclude-path /api/logout --exclude-path '/api/users/{id}' || status=1
if grep -qi panick "$WORK/server.log"; then echo "the server panicked:"; cat "$WORK/server.log"; status=1; fi
exit $status
