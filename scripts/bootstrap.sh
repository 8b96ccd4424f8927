#!/usr/bin/env bash
# Prepare a fresh Debian machine (Python 3.11) for Guichet: system libraries Qt needs,
# poppler-utils (PDF checks in tests), a virtualenv in .venv and the package in editable mode.
# Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3

# Qt's xcb/offscreen plugins and fonts; poppler for pdftotext/pdftoppm in tests; the AT-SPI
# accessibility walk (tests/a11y): the a11y bus, a D-Bus session, pyatspi; a real X display for the
# UI smoke test and scripts/screenshots_x11.py: Xvfb, the openbox window manager, xdotool to drive
# the keyboard, ImageMagick's `import` to capture, xwininfo (x11-utils) to measure window frames;
# postgresql: the tests start a throwaway cluster of their own for the site store (tests/pg.py; the
# service itself is not used).
DEB_PACKAGES="libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 libglib2.0-0 \
libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-randr0 libxcb-render-util0 libxcb-image0 \
fonts-dejavu-core poppler-utils python3-venv \
at-spi2-core dbus-x11 python3-pyatspi xvfb xauth openbox xdotool imagemagick x11-utils postgresql"
missing=""
for p in $DEB_PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && SUDO="sudo"
  if [ "$(id -u)" -eq 0 ] || [ -n "$SUDO" ]; then
    echo "Installing system packages:$missing"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
  else
    echo "Missing system packages (install them as root):$missing" >&2
  fi
fi

if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.guichet-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[test]"
  touch "$stamp"
fi
