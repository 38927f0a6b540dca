#!/usr/bin/env bash
# Instructions per request, counted by valgrind's callgrind rather than timed: the same for
# the same binary and data within a fraction of a per cent, whatever else the machine is
# doing, so a change worth a few per cent shows where request rates on a shared 2-core
# machine cannot (BENCHMARKS.md, "The tools").
#
#   scripts/bench-instructions.sh SCENARIOS [BINARY…]
#
# SCENARIOS: storedesk-load scenarios, comma-separated (e.g. order,order-list,queue).
# BINARY: server binaries to compare (default: the release build). Each serves a copy of one
# SQLite dataset (2,000 orders and tickets, built once per run) under callgrind; the load
# runs 2 s, then 20 s, at 4 connections, each with its counters zeroed before and dumped
# after; instructions per request is the difference of the two dumps divided by the
# difference of the requests, so start-up and the harness's sign-ins drop out.
# FAQ=N seeds N FAQ entries instead of 200 (the `faq-search` target is over 10,000).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -lt 1 ]; then
  sed -n '2,/^set/p' "$0" | sed 's/^# \{0,1\}//;/^set/d' >&2
  exit 2
fi
scenarios=$1
shift
target="${CARGO_TARGET_DIR:-$PWD/target}"
binaries=("$@")
[ ${#binaries[@]} -eq 0 ] && binaries=("$target/release/storedesk")
load="$target/release/storedesk-load"
command -v valgrind >/dev/null || { echo "valgrind not found (Debian package valgrind)" >&2; exit 1; }

dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT

export RUST_LOG=warn STOREDESK_BIND="127.0.0.1:$port" STOREDESK_HASH_QUEUE_LIMIT=1000
# The whole load comes from one address: the abuse limits would refuse it.
for limit in REGISTRATIONS_PER_IP TICKETS_PER_IP TICKETS_PER_ACCOUNT REPLIES_PER_IP REPLIES_PER_ACCOUNT \
             UPLOADS_PER_IP UPLOADS_PER_ACCOUNT VOTES_PER_IP VOTES_PER_ACCOUNT SEARCHES_PER_IP SEARCHES_PER_ACCOUNT; do
  export "STOREDESK_RATE_$limit=0"
done

mkdir "$dir/seed"
STOREDESK_DATA_DIR="$dir/seed" DATABASE_URL="sqlite://$dir/seed/storedesk.db" \
  "${binaries[0]}" bench seed --orders 2000 --tickets 2000 --faq "${FAQ:-200}" --accounts 1000 >/dev/null

printf '%-40s %-16s %12s %10s\n' binary scenario instructions requests
for scenario in ${scenarios//,/ }; do
  for binary in "${binaries[@]}"; do
    rm -rf "$dir/run" && cp -r "$dir/seed" "$dir/run"
    STOREDESK_DATA_DIR="$dir/run" DATABASE_URL="sqlite://$dir/run/storedesk.db" \
      valgrind --tool=callgrind --callgrind-out-file="$dir/callgrind.out" "$binary" serve \
      >"$dir/server.log" 2>&1 &
    server=$!
    for _ in $(seq 1 1200); do
      if curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then break; fi
      sleep 0.25
    done
    # Warm the caches, then count a short and a long run.
    "$load" --url "http://127.0.0.1:$port" --connections 4 --scenarios "$scenario" \
      --duration 5 --warmup 0 >/dev/null 2>&1
    for seconds in 2 20; do
      callgrind_control --zero "$server" >/dev/null 2>&1
      "$load" --url "http://127.0.0.1:$port" --connections 4 --scenarios "$scenario" \
        --duration "$seconds" --warmup 0 --json "$dir/load-$seconds.json" >/dev/null 2>&1
      callgrind_control --dump "$server" >/dev/null 2>&1
    done
    kill "$server"
    wait "$server" 2>/dev/null || true
    server=""
    python3 - "$dir" "$binary" "$scenario" <<'PY'
import glob, json, sys
folder, binary, scenario = sys.argv[1:]

def requests(seconds):
    report = json.load(open(f"{folder}/load-{seconds}.json"))
    return sum(o["requests"] for o in report["outcomes"] if not o.get("part_of"))

def instructions(dump):
    for line in open(dump):
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1])
    raise SystemExit(f"no totals in {dump}")

short, long = sorted(glob.glob(f"{folder}/callgrind.out.*"), key=lambda p: int(p.rsplit(".", 1)[1]))[-2:]
per_request = (instructions(long) - instructions(short)) / (requests(20) - requests(2))
print(f"{binary[-40:]:<40} {scenario:<16} {per_request:12,.0f} {requests(20) - requests(2):10}")
PY
    rm -f "$dir"/callgrind.out*
  done
done
