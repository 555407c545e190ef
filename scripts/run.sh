#!/usr/bin/env bash
# Builds and runs Passerelle on the embedded default: SQLite in ./data (or --data-dir DIR),
# web UI on http://127.0.0.1:3000. Extra arguments go to `passerelle serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
exec "${CARGO_TARGET_DIR:-target}/release/passerelle" serve "$@"
