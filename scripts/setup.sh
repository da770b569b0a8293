#!/usr/bin/env bash
# Set up everything Latent Explorer needs on a fresh Debian machine with Python 3.11:
# system packages for Qt/OpenGL under Xvfb, a venv in .venv with pinned dependencies
# (CPU torch 2.13.0), and the package itself. Safe and fast to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."

SYSTEM_PACKAGES=(xvfb xauth libgl1 libgl1-mesa-dri libegl1 libxkbcommon-x11-0 libxkbcommon0
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0 libxcb-randr0
  libxcb-render-util0 libxcb-image0 libdbus-1-3 libfontconfig1 fonts-dejavu-core)

./scripts/apt_ensure.sh "${SYSTEM_PACKAGES[@]}"

PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv" >&2
  "$PY" -m venv .venv
fi
stamp=.venv/.lock-stamp
want="$(cat requirements.lock pyproject.toml | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing pinned dependencies" >&2
  .venv/bin/python -m pip install -q --upgrade pip
  # The lock is a complete freeze: --no-deps keeps ripser's plotting-only requirements
  # (persim, matplotlib, Cython) out of the app.
  .venv/bin/python -m pip install -q --no-deps -r requirements.lock
  .venv/bin/python -m pip install -q --no-deps --no-build-isolation -e .
  echo "$want" > "$stamp"
fi
