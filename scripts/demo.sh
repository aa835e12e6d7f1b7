#!/usr/bin/env bash
# Runs the publish action locally end to end (see scripts/demo.ts). Installs what it needs first:
# npm dependencies, the Debian registry package and the pinned tools (idempotent; the first run
# builds the pinned CLIs from the Go module proxy).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
bash scripts/install-tools.sh
[ -f dist/publish.js ] || npm run build
node --import tsx scripts/demo.ts
