#!/usr/bin/env bash
# Run the dashboard: installs the runtime requirements into ./.venv on first use.
# Extra arguments go to streamlit (e.g. --server.port 8502).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# One BLAS thread per process: on a small shared machine (2 cores here, and on
# Community Cloud) two OpenBLAS threads fighting other work run 3-6x slower than one.
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
source "$ROOT/scripts/_venv.sh" requirements.txt
cd "$ROOT"
exec "$VENV/bin/streamlit" run dashboard/app.py "$@"
