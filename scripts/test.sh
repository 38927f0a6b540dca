#!/usr/bin/env bash
# Runs every test of storedesk: the console's checks (ESLint, tsc with the operations checked
# against schema.graphql, Vitest, the bundle budget), unit tests, the integration suite on the
# embedded SQLite and on PostgreSQL (the local server unless STOREDESK_TEST_POSTGRES_URL says
# otherwise), every load scenario of BENCHMARKS.md for a second on a small dataset, the
# short reliability scenarios against the real binary (RELIABILITY.md; one
# mounts a tmpfs and one runs its own PostgreSQL, so they need root), the browser tests in
# headless Chromium against the real binary (every flow on SQLite, the sign-in and queue
# smoke on PostgreSQL), and the fuzz targets for a bounded time
# (FUZZ_SECONDS per target, default 60; 0 skips them). Arguments go to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."

export STOREDESK_TEST_POSTGRES_URL="${STOREDESK_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"

if command -v pg_isready >/dev/null 2>&1 && ! pg_isready -q -d "$STOREDESK_TEST_POSTGRES_URL"; then
  echo "PostgreSQL does not answer at $STOREDESK_TEST_POSTGRES_URL" >&2
  exit 1
fi

# The browser tests need Chromium and a Korean font (Hangul renders as boxes without one),
# from Debian's packages.
if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "noto sans cjk"; then
  as_root=()
  if [ "$(id -u)" -ne 0 ]; then as_root=(sudo); fi
  "${as_root[@]}" apt-get update -q
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-noto-cjk
fi

# The console first: the cargo build below embeds admin-ui/dist.
scripts/build-console.sh
(cd admin-ui && npm run lint && npm run typecheck && npm test)

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
# The benchmark floor (BENCHMARKS.md) is built into the tests so its tiny run never rots.
cargo test --workspace --locked --features storedesk/bench-floor "$@" 2>&1 | tee "$log" || status=$?

# One closing line for the whole run (cargo prints one per test binary).
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "all tests: %d passed, %d failed\n", p, f }' "$log"
if [ "$status" -ne 0 ]; then
  exit "$status"
fi

# Browser tests drive the binary cargo test just built (it embeds the console).
(
  cd admin-ui
  export STOREDESK_BIN="${CARGO_TARGET_DIR:-$PWD/../target}/debug/storedesk"
  npx playwright test
  STOREDESK_E2E_POSTGRES="$STOREDESK_TEST_POSTGRES_URL" npx playwright test --grep @postgres
)
scripts/fuzz.sh
