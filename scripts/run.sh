#!/usr/bin/env bash
# Runs storedesk the way a newcomer wants it: the console built (when npm is present and it
# is stale), then the release server on the embedded SQLite with demo data. Arguments go to
# `storedesk serve` (e.g. scripts/run.sh --help).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build-console.sh
exec cargo run --release -- serve --demo "$@"
