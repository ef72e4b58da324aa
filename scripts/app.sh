#!/usr/bin/env bash
# Run the dashboard: installs the runtime requirements into ./.venv on first use.
# Extra arguments go to streamlit (e.g. --server.port 8502).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/_venv.sh" requirements.txt
cd "$ROOT"
exec "$VENV/bin/streamlit" run dashboard/app.py "$@"
