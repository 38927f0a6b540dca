#!/usr/bin/env bash
# Runs every cargo-fuzz target (fuzz/fuzz_targets) for a bounded time and prints how many
# inputs each one tried. FUZZ_SECONDS sets the time per target (default 60; 0 skips);
# FUZZ_PROFILE=release builds optimised targets (about 7 times the inputs per second, but a
# cold build takes 14 minutes here instead of 6), for long campaigns.
# A crash fails the run; its input is kept under fuzz/artifacts/<target>/ to reproduce with
#   fuzz/target/<host>/<profile>/<target> fuzz/artifacts/<target>/crash-…
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${FUZZ_SECONDS:-60}"
if [ "$seconds" = "0" ]; then
  echo "fuzzing skipped (FUZZ_SECONDS=0)"
  exit 0
fi

if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked --version 0.13.2
fi

# No sanitizer: the code under test forbids unsafe, so AddressSanitizer would find nothing
# that a panic does not already report, and it needs a nightly compiler.
profile="${FUZZ_PROFILE:-debug}"
build_flags=(--sanitizer none)
[ "$profile" = "debug" ] && build_flags+=(--dev)
(cd fuzz && cargo fuzz build "${build_flags[@]}")

host="$(rustc -vV | sed -n 's/^host: //p')"
# cargo fuzz builds under fuzz/target, or under CARGO_TARGET_DIR when it is set (a relative
# one is taken from fuzz/, where cargo fuzz ran).
target_dir="${CARGO_TARGET_DIR:-target}"
case "$target_dir" in
  /*) ;;
  *) target_dir="fuzz/$target_dir" ;;
esac
bin="$target_dir/$host/$profile"
summary=()
for target in $(cd fuzz && cargo fuzz list); do
  corpus="$(mktemp -d)"
  log="$(mktemp)"
  mkdir -p "fuzz/artifacts/$target"
  echo "fuzzing $target for ${seconds}s"
  status=0
  "$bin/$target" "$corpus" -max_total_time="$seconds" -print_final_stats=1 \
    -artifact_prefix="fuzz/artifacts/$target/" >"$log" 2>&1 || status=$?
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")"
  rm -rf "$corpus"
  if [ "$status" -ne 0 ]; then
    tail -n 40 "$log"
    echo "fuzz target $target FAILED after ${runs:-?} inputs; see fuzz/artifacts/$target/" >&2
    exit 1
  fi
  rm -f "$log"
  summary+=("$target: ${runs:-0} inputs in ${seconds}s, no failure")
done
printf 'fuzz %s\n' "${summary[@]}"
