#!/usr/bin/env bash
# Set everything up, check the architecture contracts, run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
.venv/bin/lint-imports
exec .venv/bin/python -m pytest "${@}"
