#!/usr/bin/env bash
# Set everything up, check the architecture contracts, run the whole test suite.
# Widgets draw offscreen; an X server (Xvfb with Mesa) is there too, for the test that draws
# the OpenGL map in a real GL context.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
.venv/bin/lint-imports
if [ -z "${DISPLAY:-}" ] && command -v xvfb-run >/dev/null 2>&1; then
  exec xvfb-run -a -s "-screen 0 1280x1024x24" .venv/bin/python -m pytest "${@}"
fi
exec .venv/bin/python -m pytest "${@}"
