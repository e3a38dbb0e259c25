#!/usr/bin/env bash
# One command: set up, bring up the default four-node lab, deploy it and verify it.
# Arguments go to `stackinstall lab up`: `--suite trixie` makes it Debian 13 with Epoxy.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$REPO/scripts/setup.sh"
SI="${STACKINSTALL_VENV:-$REPO/.venv}/bin/stackinstall"
"$SI" lab up "$@"
ANSWERS=/var/lib/stackinstall/lab/lab/answers.yml
"$SI" deploy "$ANSWERS"
# Node and API checks, the dashboard in a headless Chromium, and the functional smoke.
"$SI" verify "$ANSWERS" --browser --smoke
