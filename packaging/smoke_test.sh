#!/usr/bin/env bash
# Smoke-run a built bundle without a screen: it starts, builds a fresh (demo) store, opens it,
# paints the main window and exits 0.   packaging/smoke_test.sh [dist/guichet]
# A fresh empty store would open the set-up wizard, which waits for a person; the demo command
# skips it, so the smoke test uses `guichet demo --db <new file>`.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUNDLE=${1:-$ROOT/dist/guichet}
EXE="$BUNDLE/guichet"
[[ -x "$EXE" ]] || { echo "smoke: no executable at $EXE" >&2; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# Nothing of the user's: settings, logs and store go to the temporary folder.
export QT_QPA_PLATFORM=offscreen GUICHET_EXIT_AFTER_PAINT=1 GUICHET_AGENT=camille
export GUICHET_CONFIG_DIR="$TMP/config" GUICHET_LOG_DIR="$TMP/log" XDG_DATA_HOME="$TMP/data"
unset PYTHONPATH PYTHONHOME  # the bundle must not lean on a Python of the machine

"$EXE" --help > "$TMP/help.txt" || { echo "smoke: --help failed" >&2; exit 1; }
grep -q "demo" "$TMP/help.txt" || { echo "smoke: --help lists no demo command" >&2; exit 1; }

run() {  # run LABEL ARGS… : prints the wall time and the app's own painted_ms
    local label=$1; shift
    local t0 t1 rc=0
    t0=$(date +%s%N)
    timeout 180 "$EXE" "$@" > "$TMP/out.txt" 2> "$TMP/err.txt" || rc=$?
    t1=$(date +%s%N)
    if [[ $rc -ne 0 ]] || ! grep -q "painted_ms=" "$TMP/out.txt"; then
        echo "smoke: $label failed (exit $rc)" >&2
        cat "$TMP/out.txt" "$TMP/err.txt" >&2
        [[ -f "$TMP/log/guichet.log" ]] && tail -40 "$TMP/log/guichet.log" >&2
        exit 1
    fi
    echo "smoke: $label ok — wall $(( (t1 - t0) / 1000000 )) ms, $(grep -o 'painted_ms=[0-9.]*' "$TMP/out.txt")"
}

run "first start (builds the demo store)" --db "$TMP/demo.db" demo
run "second start (existing store)" --db "$TMP/demo.db" demo
echo "smoke: bundle size $(du -sh "$BUNDLE" | cut -f1)"
