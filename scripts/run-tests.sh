#!/usr/bin/env bash
# One command: set up, then the whole test suite in two tiers (docs/ci.md lists what each
# covers and how long it takes).
#   1. fast: static checks, contract and unit tests (minutes). Any failure stops the run here.
#   2. lab: every other test under tests/, the cheap lab tests first, then molecule, then the
#      Debian 12 Zed and the Debian 13 Epoxy deploys one after the other
#      (tests/e2e/conftest.py orders them).
# Arguments go to both pytest runs. The exit code is pytest's: 5 (no test collected) fails
# the run like any other, and the output ends with pytest's summary line.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$REPO/scripts/setup.sh"
VENV="${STACKINSTALL_VENV:-$REPO/.venv}"
cd "$REPO"
export PATH="$VENV/bin:$PATH"

FAST=(tests/static tests/contract tests/unit)

echo "== tier 1 of 2, fast: ${FAST[*]} (a failure stops the run here)"
status=0
"$VENV/bin/python" -m pytest "${FAST[@]}" "$@" || status=$?
if ((status != 0)); then
  # nothing after pytest's own summary line; 5 = no test collected, a failure too
  exit "$status"
fi

echo "== tier 2 of 2, lab and end to end: tests/ but ${FAST[*]}"
exec "$VENV/bin/python" -m pytest tests "${FAST[@]/#/--ignore=}" "$@"
