#!/usr/bin/env bash
# Runs the publish action locally end to end (see scripts/demo.ts). Installs only what the demo
# uses, each phase on one progress line: npm dependencies, the Debian registry package (and
# htpasswd), Node 24 (the Actions runtime), the bundle. None of the Go-built CLIs the tests use
# (flux, cosign, crane, oras) are needed, so a fresh machine runs it in well under a minute.
# `bash .ci/run` remains the one command that installs everything and runs the tests.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
phase() { printf '[demo %3ss] %s\n' "$SECONDS" "$*"; }
quiet() { # runs "$@" with its output kept in a log shown only on failure
  local log
  log=$(mktemp)
  if ! "$@" >"$log" 2>&1; then cat "$log" >&2; rm -f "$log"; exit 1; fi
  rm -f "$log"
}
phase "Debian packages (docker-registry, apache2-utils)"
quiet bash scripts/install-tools.sh --apt-only
# Both are downloads: run them side by side.
phase "npm dependencies and Node 24 (in parallel)"
pids=()
if [ ! -d node_modules ]; then
  (quiet npm ci --no-audit --no-fund --prefer-offline && phase "  npm dependencies: done") &
  pids+=($!)
fi
(quiet bash scripts/install-tools.sh --no-apt --only node24 && phase "  Node 24: done") &
pids+=($!)
for pid in "${pids[@]}"; do wait "$pid"; done
phase "bundle (dist/)"
[ -f dist/publish.js ] || quiet npm run build
phase "publish: registry, Sigstore stack and dist/publish.js under Node 24"
node --import tsx scripts/demo.ts
phase "done"
