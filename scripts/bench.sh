#!/usr/bin/env bash
# The load benchmarks of BENCHMARKS.md: builds the release binaries (with the benchmark floor),
# fills a fresh database with `storedesk bench seed`, starts the server on it and drives it
# with `storedesk-load`. Prints the dataset build time, the server's idle RSS and the table;
# writes the JSON report to $OUT (default target/bench/<engine>-<orders>.json).
#
#   scripts/bench.sh [sqlite|postgres] [--orders N] [--tickets N] [--faq N] [--accounts N]
#                    [any storedesk-load option, e.g. --scenarios queue,order --duration 20]
#
# PostgreSQL: a new database on $STOREDESK_BENCH_POSTGRES (default the local server), dropped
# at the end. SQLite: a file in a temporary directory. STOREDESK_BENCH_NO_BUILD=1 skips the
# build; STOREDESK_BIN names another server binary.
set -euo pipefail
cd "$(dirname "$0")/.."

engine=sqlite
if [ "${1:-}" = sqlite ] || [ "${1:-}" = postgres ]; then
  engine=$1
  shift
fi
orders=2000 tickets=2000 faq=200 accounts=1000
load_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --orders) orders=$2; shift 2 ;;
    --tickets) tickets=$2; shift 2 ;;
    --faq) faq=$2; shift 2 ;;
    --accounts) accounts=$2; shift 2 ;;
    *) load_args+=("$1"); shift ;;
  esac
done

target="${CARGO_TARGET_DIR:-$PWD/target}"
if [ -z "${STOREDESK_BENCH_NO_BUILD:-}" ]; then
  # One invocation for both: built apart, their features unify differently and each build
  # would recompile the other's dependencies.
  cargo build --release --locked --features bench-floor -p storedesk -p storedesk-load >&2
fi
# STOREDESK_BIN runs another server binary (an older build, for a before-and-after table).
bin="${STOREDESK_BIN:-$target/release/storedesk}"
load="$target/release/storedesk-load"

dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
server=""
pg_admin="${STOREDESK_BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432/postgres}"
pg_db=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  if [ -n "$pg_db" ]; then psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS $pg_db" >/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT

if [ "$engine" = postgres ]; then
  pg_db="storedesk_bench_$$"
  psql -q "$pg_admin" -c "CREATE DATABASE $pg_db" >/dev/null
  url="${pg_admin%/*}/$pg_db"
else
  url="sqlite://$dir/storedesk.db"
fi

export STOREDESK_DATA_DIR="$dir" DATABASE_URL="$url" RUST_LOG="${RUST_LOG:-warn}"
# The whole load comes from one address: the abuse limits would refuse it.
for limit in REGISTRATIONS_PER_IP TICKETS_PER_IP TICKETS_PER_ACCOUNT REPLIES_PER_IP REPLIES_PER_ACCOUNT \
             UPLOADS_PER_IP UPLOADS_PER_ACCOUNT VOTES_PER_IP VOTES_PER_ACCOUNT SEARCHES_PER_IP SEARCHES_PER_ACCOUNT; do
  export "STOREDESK_RATE_$limit=0"
done
export STOREDESK_BIND="127.0.0.1:$port" STOREDESK_HASH_QUEUE_LIMIT=1000

echo "== dataset: $engine, $orders orders, $tickets tickets, $faq FAQ entries, $accounts accounts" >&2
"$bin" bench seed --orders "$orders" --tickets "$tickets" --faq "$faq" --accounts "$accounts" >&2

"$bin" serve >"$dir/server.log" 2>&1 &
server=$!
for _ in $(seq 1 600); do
  if curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then break; fi
  sleep 0.1
done
sleep 2
echo "== server idle RSS: $(awk '/VmRSS/ {printf "%.1f MiB", $2/1024}' /proc/$server/status)" >&2

mkdir -p "$target/bench"
out="${OUT:-$target/bench/$engine-$orders.json}"
"$load" --url "http://127.0.0.1:$port" --server-pid "$server" --label "$engine, $orders orders, $tickets tickets" \
  --json "$out" "${load_args[@]}"
echo "== report: $out" >&2
