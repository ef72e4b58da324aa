#!/usr/bin/env bash
# Run every check: lint, format, unit, page and real-browser tests.
# Installs the dev requirements into ./.venv and, as root on Debian, the chromium package.
# Extra arguments go to pytest (e.g. -k worked).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/_venv.sh" requirements-dev.txt
cd "$ROOT"
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's chromium for the browser tests"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  elif [ "${CI:-}" = true ]; then
    echo "chromium not found and cannot be installed: CI needs the browser tests" >&2
    exit 1
  else
    echo "chromium not found: browser tests will be skipped (apt-get install chromium)" >&2
  fi
fi
# Playwright drives Debian's chromium (tests/e2e); it must never fetch a browser build.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
echo "== ruff"
"$VENV/bin/ruff" check .
"$VENV/bin/ruff" format --check .
echo "== pytest"
exec "$VENV/bin/python" -m pytest "$@"
