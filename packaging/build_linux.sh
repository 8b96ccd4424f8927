#!/usr/bin/env bash
# Build the Linux one-folder bundle (dist/guichet) and smoke-run it.
#   packaging/build_linux.sh            from a clone with .venv and `pip install -e .` done
# PYTHON=/path/to/python overrides the interpreter (default: .venv/bin/python).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=${PYTHON:-$ROOT/.venv/bin/python}
cd "$ROOT"
t0=$(date +%s)
if ! "$PY" -c "import PyInstaller" 2>/dev/null; then
    "$PY" -m pip install --quiet "pyinstaller>=6.10"
fi
"$PY" -m PyInstaller --noconfirm --log-level WARN \
    --distpath "$ROOT/dist" --workpath "$ROOT/build/pyinstaller" packaging/guichet.spec
t1=$(date +%s)
echo "build: dist/guichet in $((t1 - t0)) s, $(du -sh dist/guichet | cut -f1)"
bash packaging/smoke_test.sh "$ROOT/dist/guichet"
echo "build_linux.sh: done in $(( $(date +%s) - t0 )) s"
