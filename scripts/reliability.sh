#!/usr/bin/env bash
# The full reliability scenarios of RELIABILITY.md, one at a time so their figures are not
# disturbed by each other: 20 SIGKILLs per engine, a 10-minute soak per engine, and the
# other scenarios at their usual size. Each scenario prints a line starting RELIABILITY.
#   scripts/reliability.sh            # everything
#   scripts/reliability.sh soak       # only the tests whose name contains "soak" (cargo filter)
# Needs root (one scenario mounts a small tmpfs) and the PostgreSQL server binaries
# (another runs its own cluster with pg_ctl).
set -euo pipefail
cd "$(dirname "$0")/.."
export STOREDESK_TEST_POSTGRES_URL="${STOREDESK_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
export STOREDESK_RELIABILITY_KILLS="${STOREDESK_RELIABILITY_KILLS:-20}"
export STOREDESK_SOAK_SECS="${STOREDESK_SOAK_SECS:-600}"
filter="${1:-}"
if [ "$filter" = "soak" ]; then filter="stays_flat"; fi
cargo test --locked --release --test reliability -- --test-threads 1 --nocapture $filter 2>&1 \
  | grep --line-buffered -E '^RELIABILITY|^\||^\(one row|^test |panicked|test result'
