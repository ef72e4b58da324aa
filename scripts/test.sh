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
  else
    echo "chromium not found: install Debian's chromium package for the browser tests" >&2
  fi
fi
echo "== ruff"
"$VENV/bin/ruff" check .
"$VENV/bin/ruff" format --check .
echo "== pytest"
exec "$VENV/bin/python" -m pytest "$@"
