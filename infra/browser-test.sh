#!/usr/bin/env bash
# End-to-end browser tests of the server-rendered pages: starts the local server over a fresh
# embedded store and drives the CSAT survey page (tests/browser/csat-survey.mjs) and the public
# help center (tests/browser/portal-page.mjs) in headless Chromium.
# Installs what it needs: Debian's chromium (as root) and playwright-core from npm.
# UPDATE_SCREENSHOTS=1 also refreshes the screenshots in docs/ (csat-survey*.png, images/portal-*.png).
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ ! -x /usr/bin/chromium ]]; then
  export DEBIAN_FRONTEND=noninteractive
  # A fresh machine's package lists may be stale or missing: refresh them only when needed.
  apt-get install -y --no-install-recommends chromium \
    || { apt-get update && apt-get install -y --no-install-recommends chromium; }
fi
# playwright-core alone: it drives the system Chromium and downloads no browser of its own.
npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error

cargo build -p infra --bin local-server

work="$(mktemp -d)"
port="$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')"
token="$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"
# NO_COLOR: plain lines in the log that is shown when the test fails.
NO_COLOR=1 PORT="$port" HOST=127.0.0.1 DATA_DIR="$work/data" PLATFORM_APP_TOKEN="$token" \
  "${CARGO_TARGET_DIR:-target}/debug/local-server" >"$work/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"' EXIT

for _ in $(seq 100); do
  grep -q 'listening on' "$work/server.log" && break
  if ! kill -0 "$server" 2>/dev/null; then
    echo "browser-test: the local server exited before listening:" >&2
    cat "$work/server.log" >&2
    exit 1
  fi
  sleep 0.2
done
grep -q 'listening on' "$work/server.log" || { echo "browser-test: the local server did not start in 20 s" >&2; exit 1; }

failed=0
for script in csat-survey portal-page; do
  BASE_URL="http://127.0.0.1:$port" PLATFORM_APP_TOKEN="$token" node "tests/browser/$script.mjs" || failed=1
done
if [[ "$failed" != 0 ]]; then
  echo "browser-test: last lines of the server log:" >&2
  tail -n 30 "$work/server.log" >&2
  exit 1
fi
