#!/usr/bin/env bash
# Run the whole test suite (Qt offscreen), creating .venv and installing what it needs.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/bootstrap.sh
export QT_QPA_PLATFORM=offscreen
exec .venv/bin/python -m pytest "$@"
