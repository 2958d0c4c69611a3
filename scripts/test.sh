#!/usr/bin/env bash
# The project's test command: every crate's tests. PostgreSQL tests run when
# CAREKPI_TEST_POSTGRES_URL names a server (e.g. postgres://postgres@127.0.0.1:5432/test) and
# say SKIPPED otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${CAREKPI_TEST_POSTGRES_URL:-}" ]; then
  echo "note: CAREKPI_TEST_POSTGRES_URL is not set; PostgreSQL tests will report themselves SKIPPED" >&2
fi
exec cargo test --workspace "$@"
