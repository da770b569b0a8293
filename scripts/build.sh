#!/usr/bin/env bash
# Build the frozen app and its Linux installers from a clean clone:
#   dist/latent-explorer/                              the bundle (PyInstaller, one folder)
#   dist/latent-explorer-VERSION-linux-x86_64.tar.gz   the same folder, packed
#   dist/latent-explorer_VERSION_amd64.deb             installs it under /opt/latent-explorer
# Runs ./scripts/setup.sh, then installs the build tools pinned in requirements-build.lock.
# The build itself downloads nothing: PyInstaller reads the venv.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh

# strip/readelf (binutils), dpkg-deb, xz, desktop-file-validate
BUILD_PACKAGES=(binutils dpkg xz-utils desktop-file-utils)
./scripts/apt_ensure.sh "${BUILD_PACKAGES[@]}"
stamp=.venv/.build-lock-stamp
want="$(sha256sum requirements-build.lock | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "build: installing pinned build tools" >&2
  .venv/bin/python -m pip install -q --no-deps -r requirements-build.lock
  echo "$want" > "$stamp"
fi

NAME=latent-explorer
VERSION="$(.venv/bin/python -c 'import latent_explorer; print(latent_explorer.__version__)')"
BUNDLE="dist/$NAME"
TARBALL="dist/$NAME-$VERSION-linux-x86_64.tar.gz"
DEB="dist/${NAME}_${VERSION}_amd64.deb"
start=$SECONDS
echo "build: PyInstaller -> $BUNDLE" >&2
.venv/bin/pyinstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller build.spec
frozen=$SECONDS
# numba's cache, compiled by the frozen app itself (for x86-64-v3: the runtime hook), ships in the
# bundle: the first map after installing does not compile (latent_explorer/infra/numba_cache.py
# copies it into the user's cache on first start).
echo "build: warming numba's cache into the bundle" >&2
cache="$BUNDLE/_internal/numba-cache" warm_home="$(mktemp -d)"
rm -rf "$cache"
env -i PATH=/usr/bin:/bin HOME="$warm_home" QT_QPA_PLATFORM=offscreen NUMBA_CACHE_DIR="$PWD/$cache" \
  "$BUNDLE/$NAME" selftest --warm-cache > build/warm-cache.json
rm -rf "$warm_home"
echo "build: numba cache $(du -sh "$cache" | cut -f1), $(find "$cache" -name '*.nbi' | wc -l) index files" >&2
warmed=$SECONDS

echo "build: $TARBALL" >&2
GZIP_CMD=gzip; command -v pigz >/dev/null 2>&1 && GZIP_CMD=pigz
tar -C dist --owner=0 --group=0 --numeric-owner -cf - "$NAME" | "$GZIP_CMD" -6 > "$TARBALL.tmp"
mv "$TARBALL.tmp" "$TARBALL"
packed=$SECONDS

echo "build: $DEB" >&2
root=build/deb/root
rm -rf build/deb
mkdir -p "$root/DEBIAN" "$root/opt" "$root/usr/bin" "$root/usr/share/applications"
cp -al "$BUNDLE" "$root/opt/$NAME"  # hard links: no second copy of ~800 MB
ln -s "/opt/$NAME/$NAME" "$root/usr/bin/$NAME"
install -m 644 packaging/linux/$NAME.desktop "$root/usr/share/applications/$NAME.desktop"
install -D -m 644 packaging/linux/$NAME.xml "$root/usr/share/mime/packages/$NAME.xml"
desktop-file-validate "$root/usr/share/applications/$NAME.desktop"
for size in 16 32 48 64 128 256; do
  icon=resources/icons/$NAME-$size.png; [ "$size" = 256 ] && icon=resources/icons/$NAME.png
  install -D -m 644 "$icon" "$root/usr/share/icons/hicolor/${size}x${size}/apps/$NAME.png"
done
install -m 755 packaging/deb/postinst packaging/deb/postrm "$root/DEBIAN/"
# The oldest C library that will do: the newest GLIBC_x.y symbol version any binary asks for.
glibc="$({ find "$BUNDLE" -type f \( -name '*.so*' -o -perm -u+x \) -exec objdump -T {} + 2>/dev/null || true; } \
  | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1)"
# Qt's window system and OpenGL libraries come from the system (PyInstaller never bundles
# them); fonts too, or a minimal system shows no text.
depends="libc6 (>= $glibc), libgl1, libegl1, libxcb1, libx11-xcb1, libxkbcommon0,
 libxkbcommon-x11-0, libxcb-cursor0, libxcb-icccm4, libxcb-keysyms1, libxcb-shape0, libxcb-randr0,
 libxcb-render-util0, libxcb-image0, libxcb-xkb1, libdrm2, libfontconfig1, libfreetype6,
 libdbus-1-3, libwayland-client0, libwayland-cursor0, libwayland-egl1,
 fonts-dejavu-core | fonts-liberation2 | fonts-noto-core"
size_kb="$(du -sk --apparent-size "$root" | cut -f1)"
sed -e "s/@VERSION@/$VERSION/" -e "s/@INSTALLED_SIZE@/$size_kb/" \
    -e "s/@DEPENDS@/$(echo $depends | tr '\n' ' ')/" packaging/deb/control.in > "$root/DEBIAN/control"
# xz level 1: ~255 MB in about a minute on 2 cores; level 6 saves 30 MB for 5-10 minutes more.
threads=(); dpkg-deb --help | grep -q -- --threads-max && threads=(--threads-max="$(nproc)")
dpkg-deb --root-owner-group -Zxz -z"${DEB_XZ_LEVEL:-1}" "${threads[@]}" --build "$root" "$DEB" >/dev/null
rm -rf build/deb
done_at=$SECONDS

human() { du -sh --apparent-size "$1" | cut -f1; }
echo "build: done in $((done_at - start)) s (PyInstaller $((frozen - start)) s, cache $((warmed - frozen)) s, tar.gz $((packed - warmed)) s, deb $((done_at - packed)) s)" >&2
echo "build: $BUNDLE $(human "$BUNDLE"), $TARBALL $(human "$TARBALL"), $DEB $(human "$DEB")" >&2
