#!/usr/bin/env bash
# Run every check: lint, format, unit, page and real-browser tests.
# Installs the dev requirements into ./.venv and, as root on Debian, the chromium package.
# Extra arguments go to pytest (e.g. -k worked).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# One BLAS thread per process: on a small shared machine (2 cores here, and on
# Community Cloud) two OpenBLAS threads fighting other work run 3-6x slower than one.
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
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
# Two processes for everything but the browser (each test is on its own: its own pools,
# servers and databases), then the browser tests one at a time, as a student's browser
# would meet one server: their timing table measures that server alone.
# A selection (-k, -m) that leaves one half empty is fine: pytest's "no tests ran" (5).
run_pytest() {
  local status=0
  "$VENV/bin/python" -m pytest "$@" || status=$?
  if [ "$status" -ne 0 ] && [ "$status" -ne 5 ]; then exit "$status"; fi
}
echo "== pytest: core, plots, pages"
run_pytest -n 2 --ignore=tests/e2e "$@"
echo "== pytest: real browser (tests/e2e)"
run_pytest tests/e2e "$@"
