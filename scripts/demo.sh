#!/usr/bin/env bash
# Set everything up, then start Latent Explorer on the built-in digits demo.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
exec .venv/bin/python main.py --demo "${@}"
