#!/usr/bin/env bash
# The scaling curve of BENCHMARKS.md: the read scenarios at 10k, 100k and 1M orders and tickets
# on SQLite and on PostgreSQL, each on a freshly built dataset, one table at the end.
#
#   scripts/bench-scaling.sh [sizes…]      (default: 10000 100000 1000000)
#
# Each size builds `orders = tickets = size`, `faq = size / 100`, `accounts = size / 10`.
# Reports go to target/bench/scale-<engine>-<size>.json; DURATION and WARMUP set the
# seconds per scenario (default 10 and 3).
set -euo pipefail
cd "$(dirname "$0")/.."

sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(10000 100000 1000000)
scenarios=queue,ticket,order-list,seller-orders,dashboard,faq-search
target="${CARGO_TARGET_DIR:-$PWD/target}"
cargo build --release --locked --features bench-floor -p storedesk -p storedesk-load >&2
mkdir -p "$target/bench"
for engine in sqlite postgres; do
  for size in "${sizes[@]}"; do
    OUT="$target/bench/scale-$engine-$size.json" STOREDESK_BENCH_NO_BUILD=1 scripts/bench.sh "$engine" \
      --orders "$size" --tickets "$size" --faq $((size / 100)) --accounts $((size / 10)) \
      --scenarios "$scenarios" --duration "${DURATION:-10}" --warmup "${WARMUP:-3}" \
      >/dev/null 2>"$target/bench/scale-$engine-$size.log"
    grep -h "dataset built\|idle RSS" "$target/bench/scale-$engine-$size.log" | sed "s/^/$engine $size: /" >&2
  done
done
python3 - "$target/bench" "${sizes[@]}" <<'PY'
import json, sys
folder, sizes = sys.argv[1], sys.argv[2:]
rows = {}
for engine in ("sqlite", "postgres"):
    for size in sizes:
        report = json.load(open(f"{folder}/scale-{engine}-{size}.json"))
        for o in report["outcomes"]:
            rows.setdefault(o["scenario"], {})[(engine, size)] = o
head = " | ".join(f"{e} {int(s):,}" for e in ("sqlite", "postgres") for s in sizes)
print(f"| scenario (req/s · p50 · p99 ms) | {head} |")
print("|---|" + "---:|" * (2 * len(sizes)))
for scenario, cells in rows.items():
    line = " | ".join(
        f"{c['per_second']:.0f} · {c['p50_ms']:.1f} · {c['p99_ms']:.1f}" if (c := cells.get((e, s))) else "–"
        for e in ("sqlite", "postgres") for s in sizes)
    print(f"| {scenario} | {line} |")
PY
