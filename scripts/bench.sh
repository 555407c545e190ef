#!/usr/bin/env bash
# Ingest benchmark (a command, not a test): builds the release binary, installs the peers it
# compares against (Debian dcmtk, orthanc) if missing, and runs bench/ingest.py. Arguments go to
# the Python script (--instances, --size-kib, --parallel).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
need_apt storescu dcmtk
need_apt Orthanc orthanc
cargo build --release --locked -p server
python3 bench/ingest.py --passerelle "${CARGO_TARGET_DIR:-target}/release/passerelle" "$@"
