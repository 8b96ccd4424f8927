#!/usr/bin/env bash
# Install a built bundle system-wide (per machine): /opt/guichet, a `guichet` command,
# the menu entry and the icons. Run as root:  sudo packaging/install_linux.sh [dist/guichet]
# Remove with:  sudo packaging/install_linux.sh --uninstall
# The data folder (~/.local/share/Guichet) belongs to each user and is never touched.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
PREFIX=${PREFIX:-/opt/guichet}
SHARE=${SHARE:-/usr/share}
BIN=${BIN:-/usr/local/bin}

if [[ "${1:-}" == "--uninstall" ]]; then
    rm -rf "$PREFIX" "$BIN/guichet" "$SHARE/applications/guichet.desktop"
    rm -f "$SHARE"/icons/hicolor/*/apps/guichet.png "$SHARE/icons/hicolor/scalable/apps/guichet.svg"
    command -v update-desktop-database >/dev/null && update-desktop-database -q "$SHARE/applications" || true
    echo "Guichet désinstallé (les données des utilisateurs sont conservées)."
    exit 0
fi

BUNDLE=${1:-$ROOT/dist/guichet}
[[ -x "$BUNDLE/guichet" ]] || { echo "Bundle introuvable : $BUNDLE (lancez packaging/build_linux.sh)" >&2; exit 1; }
rm -rf "$PREFIX"
mkdir -p "$PREFIX" "$BIN" "$SHARE/applications"
cp -a "$BUNDLE/." "$PREFIX/"
ln -sf "$PREFIX/guichet" "$BIN/guichet"
sed "s|/opt/guichet|$PREFIX|g" "$HERE/guichet.desktop" > "$SHARE/applications/guichet.desktop"
chmod 644 "$SHARE/applications/guichet.desktop"
for size in 16 24 32 48 64 128 256; do
    install -D -m 644 "$ROOT/resources/icons/guichet-$size.png" "$SHARE/icons/hicolor/${size}x${size}/apps/guichet.png"
done
install -D -m 644 "$ROOT/resources/icons/guichet.svg" "$SHARE/icons/hicolor/scalable/apps/guichet.svg"
command -v update-desktop-database >/dev/null && update-desktop-database -q "$SHARE/applications" || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q "$SHARE/icons/hicolor" 2>/dev/null || true
echo "Guichet installé dans $PREFIX (commande : guichet)."
