#!/usr/bin/env bash
# Builds the web console (admin-ui/) into admin-ui/dist, which the next cargo build embeds.
# Skips the work when dist/ is newer than every source file of the console; installs the
# locked npm packages when they are missing or the lock changed.
set -euo pipefail
cd "$(dirname "$0")/../admin-ui"

if ! command -v npm >/dev/null 2>&1; then
  echo "npm not found: the binary will serve a page saying the console was not built (install Node.js 20 and npm)" >&2
  exit 0
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

stamp=dist/index.html
if [ -f "$stamp" ] && [ -z "$(find src public index.html help.html graphiql.html scripts vite.config.ts tsconfig.json package-lock.json ../schema.graphql -newer "$stamp" -print -quit)" ]; then
  echo "console is up to date (admin-ui/dist)"
  exit 0
fi
npm run build
