#!/usr/bin/env bash
# Runs every test of storedesk: unit tests, and the integration suite on the embedded SQLite
# and on PostgreSQL (the local server unless STOREDESK_TEST_POSTGRES_URL says otherwise).
set -euo pipefail
cd "$(dirname "$0")/.."

export STOREDESK_TEST_POSTGRES_URL="${STOREDESK_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"

if command -v pg_isready >/dev/null 2>&1 && ! pg_isready -q -d "$STOREDESK_TEST_POSTGRES_URL"; then
  echo "PostgreSQL does not answer at $STOREDESK_TEST_POSTGRES_URL" >&2
  exit 1
fi

cargo test --workspace --locked "$@"
