#!/usr/bin/env bash
# Launch Guichet on a demo store of fictitious data (built on first run), creating .venv if needed.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/bootstrap.sh
exec .venv/bin/guichet demo "$@"
