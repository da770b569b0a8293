#!/usr/bin/env bash
# Check what ./scripts/build.sh made, as CI does. The .deb unpacks (dpkg -x) into a scratch
# root; its desktop entry validates; the command on PATH and the icons are there; the frozen
# app inside prints its version, then proves itself (`selftest`) twice from that copy made
# read-only, with a fresh home: caches must go to the user's directories, nothing into the
# install folder; the first run finds the numba cache the bundle carries (its UMAP as fast as
# the second run's). As root the selftests run as
# the user nobody (root ignores file modes). Last, the launch time to the first window.
# Prints one closing line: "frozen: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
NAME=latent-explorer
VERSION="$(.venv/bin/python -c 'import latent_explorer; print(latent_explorer.__version__)')"
DEB="dist/${NAME}_${VERSION}_amd64.deb"
scratch="$(mktemp -d)"
trap 'chmod -R u+w "$scratch" 2>/dev/null; rm -rf "$scratch"' EXIT
chmod 755 "$scratch"
passed=0 failed=0
check() {  # check DESCRIPTION COMMAND...
  local what=$1; shift
  if "$@"; then passed=$((passed + 1)); echo "ok: $what"; else failed=$((failed + 1)); echo "FAILED: $what"; fi
}

root="$scratch/root" home="$scratch/home"
check ".deb unpacks with dpkg -x" dpkg -x "$DEB" "$root"
app="$root/opt/$NAME/$NAME"
check "desktop entry validates" desktop-file-validate "$root/usr/share/applications/$NAME.desktop"
check "/usr/bin/$NAME points into /opt" test "$(readlink "$root/usr/bin/$NAME")" = "/opt/$NAME/$NAME"
check "the .lexp file type is installed" grep -q 'glob pattern="\*.lexp"' "$root/usr/share/mime/packages/$NAME.xml"
check "the menu entry takes files (%F) of that type" grep -q "^MimeType=application/x-latent-explorer-workspace;" "$root/usr/share/applications/$NAME.desktop"
check "icons 16 to 256 px" test "$(ls "$root"/usr/share/icons/hicolor/*/apps/$NAME.png | wc -l)" -eq 6
check "frozen --version" test "$("$app" --version)" = "$NAME $VERSION"

mkdir -p "$home"
as_user=()
if [ "$(id -u)" -eq 0 ]; then
  chown -R nobody:nogroup "$home"
  as_user=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
fi
chmod -R a-w "$root"
touch "$scratch/before"
selftest() {  # selftest N: one frozen selftest, its JSON line kept in $scratch/selftest-N.json
  env -i PATH=/usr/bin:/bin HOME="$home" QT_QPA_PLATFORM=offscreen "${as_user[@]}" "$app" selftest \
    > "$scratch/selftest-$1.json" 2> "$scratch/selftest-$1.err"
  local rc=$?
  cat "$scratch/selftest-$1.json"
  [ $rc -eq 0 ] || tail -20 "$scratch/selftest-$1.err"
  return $rc
}
umap_seconds() {
  python3 -c 'import json,sys; print(next(s["seconds"] for s in json.load(open(sys.argv[1]))["steps"] if s["step"] == "umap"))' "$1"
}
check "frozen selftest, read-only install, fresh home" selftest 1
check "frozen selftest again" selftest 2
check "numba's cache is in the user's cache dir" test -n "$(find "$home/.cache/$NAME/numba" -name '*.nbi' -print -quit 2>/dev/null)"
check "nothing written into the install folder" test -z "$(find "$root" -newer "$scratch/before" -print -quit)"
check "the bundle carries numba's cache" test -n "$(find "$root/opt/$NAME/_internal/numba-cache" -name '*.nbi' -print -quit 2>/dev/null)"
first_umap="$(umap_seconds "$scratch/selftest-1.json" 2>/dev/null)" second_umap="$(umap_seconds "$scratch/selftest-2.json" 2>/dev/null)"
echo "frozen selftest UMAP step: first run after install $first_umap s, second run $second_umap s"
check "the first UMAP after install compiles nothing (within 1.5x + 3 s of the second)" \
  python3 -c 'import sys; a, b = map(float, sys.argv[1:]); sys.exit(a > 1.5 * b + 3)' "$first_umap" "$second_umap"

xvfb=()  # one X server for every launch, so that its start is not counted
command -v xvfb-run >/dev/null 2>&1 && [ -z "${DISPLAY:-}" ] && xvfb=(xvfb-run -a -s "-screen 0 1280x1024x24")
check "launch to first window measured" "${xvfb[@]}" python3 packaging/launch_time.py --runs 5 "$app"

echo "frozen: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
