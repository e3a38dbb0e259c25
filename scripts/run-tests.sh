#!/usr/bin/env bash
# One command: set up, then run the whole test suite (static checks, unit, lab and end to end).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$REPO/scripts/setup.sh"
VENV="${STACKINSTALL_VENV:-$REPO/.venv}"
cd "$REPO"
export PATH="$VENV/bin:$PATH"
exec "$VENV/bin/python" -m pytest tests "$@"
