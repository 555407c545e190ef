#!/usr/bin/env bash
# Benchmarks (a command, not a test): builds the release binary, installs the peers they compare
# against (Debian dcmtk, orthanc, orthanc-dicomweb) if missing, and runs bench/ingest.py and/or
# bench/forward.py. Usage: scripts/bench.sh [all|ingest|forward] [--instances N] [--size-kib K] …
# (--parallel applies to ingest only).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
need_apt storescu dcmtk
need_apt Orthanc orthanc
if [ ! -f /usr/share/orthanc/plugins/libOrthancDicomWeb.so ]; then
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq orthanc-dicomweb >/dev/null
fi
which="${1:-all}"
case "$which" in all|ingest|forward) shift || true ;; *) which=all ;; esac
cargo build --release --locked -p server
BIN="${CARGO_TARGET_DIR:-target}/release/passerelle"
if [ "$which" = all ] || [ "$which" = ingest ]; then
  python3 bench/ingest.py --passerelle "$BIN" "$@"
fi
if [ "$which" = all ] || [ "$which" = forward ]; then
  args=()
  while [ $# -gt 0 ]; do
    case "$1" in --parallel) shift 2 ;; *) args+=("$1"); shift ;; esac
  done
  python3 bench/forward.py --passerelle "$BIN" "${args[@]}"
fi
