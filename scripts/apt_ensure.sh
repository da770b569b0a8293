#!/usr/bin/env bash
# Install the Debian packages named as arguments that are not installed yet (sudo when not
# root); installs nothing, and needs no network, when all are there. Used by setup.sh and build.sh.
set -euo pipefail
command -v dpkg-query >/dev/null 2>&1 || exit 0
missing=()
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "$(basename "$0"): installing system packages: ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
