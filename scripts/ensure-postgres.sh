#!/usr/bin/env bash
# Make sure the PostgreSQL server named by $1 answers; start the machine's cluster if it stopped.
set -euo pipefail
url="${1:?usage: ensure-postgres.sh POSTGRES_URL}"
if ! command -v pg_isready >/dev/null 2>&1; then
  echo "ensure-postgres: pg_isready is not installed; the PostgreSQL tests need a server at $url" >&2
  exit 1
fi
if pg_isready -q -d "$url"; then
  exit 0
fi
if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
  for version in $(ls /etc/postgresql); do
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  done
fi
for _ in $(seq 1 30); do
  pg_isready -q -d "$url" && exit 0
  sleep 1
done
echo "ensure-postgres: no PostgreSQL server answers at $url" >&2
exit 1
