# Sourced by app.sh and test.sh: make ./.venv and install the given requirements file into it.
# Re-installs only when the requirements files change (a hash is kept inside the venv).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
REQ="$1"
PYTHON="${PYTHON:-$(command -v python3.11 || command -v python3)}"
if [ ! -x "$VENV/bin/python" ]; then
  echo "Creating a virtual environment in $VENV with $("$PYTHON" --version)"
  "$PYTHON" -m venv "$VENV"
fi
stamp="$VENV/.installed-$(basename "$REQ")"
want="$(cat "$ROOT/requirements.txt" "$ROOT/$REQ" | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "Installing $REQ into .venv"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$ROOT/$REQ"
  echo "$want" > "$stamp"
fi
