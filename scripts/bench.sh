#!/usr/bin/env bash
# Benchmarks (a command, not a test): builds the release binary, installs the peers they compare
# against (Debian dcmtk, orthanc, orthanc-dicomweb) if missing, and runs bench/ingest.py,
# bench/forward.py, bench/move.py, bench/dicomweb.py, bench/hl7.py (python-hl7 from PyPI),
# bench/worklist.py (pynetdicom from PyPI, Orthanc's Modality Worklists plugin) and/or
# bench/qr_scp.py (C-FIND and C-MOVE from Passerelle's index against Orthanc's SCP).
# Usage: scripts/bench.sh [all|ingest|forward|move|dicomweb|hl7|worklist|qr] [--instances N] [--size-kib K] …
# (--parallel applies to ingest only, --rounds to move only; dicomweb takes no options here:
# run bench/dicomweb.py directly for --sizes / --rounds).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
need_apt dcmdump dcmtk
need_apt Orthanc orthanc
if [ ! -f /usr/share/orthanc/plugins/libOrthancDicomWeb.so ]; then
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq orthanc-dicomweb >/dev/null
fi
which="${1:-all}"
case "$which" in all|ingest|forward|move|dicomweb|hl7|worklist|qr) shift || true ;; *) which=all ;; esac
cargo build --release --locked -p server
BIN="${CARGO_TARGET_DIR:-target}/release/passerelle"
# The arguments of "$@" without the options named in $1 (each takes one value).
args_without() {
  local drop="$1"; shift
  args=()
  while [ $# -gt 0 ]; do
    case " $drop " in *" $1 "*) shift 2 ;; *) args+=("$1"); shift ;; esac
  done
}
if [ "$which" = all ] || [ "$which" = ingest ]; then
  args_without "--rounds" "$@"
  python3 bench/ingest.py --passerelle "$BIN" "${args[@]}"
fi
if [ "$which" = all ] || [ "$which" = forward ]; then
  args_without "--parallel --rounds" "$@"
  python3 bench/forward.py --passerelle "$BIN" "${args[@]}"
fi
if [ "$which" = all ] || [ "$which" = move ]; then
  args_without "--parallel" "$@"
  python3 bench/move.py --passerelle "$BIN" "${args[@]}"
fi
if [ "$which" = all ] || [ "$which" = dicomweb ]; then
  python3 bench/dicomweb.py --passerelle "$BIN"
fi
if [ "$which" = all ] || [ "$which" = hl7 ]; then
  if ! python3 -c 'import hl7' 2>/dev/null; then
    python3 -m pip install -q --root-user-action=ignore 'hl7==0.4.5'
  fi
  python3 bench/hl7.py --passerelle "$BIN"
fi
if [ "$which" = all ] || [ "$which" = worklist ]; then
  if ! python3 -c 'import hl7' 2>/dev/null; then
    python3 -m pip install -q --root-user-action=ignore 'hl7==0.4.5' 'pydicom>=3.0'
  fi
  setup_test >/dev/null # pynetdicom in $PASSERELLE_PYLIB (not on PATH: it would shadow DCMTK)
  PYTHONPATH="$PASSERELLE_PYLIB" python3 bench/worklist.py --passerelle "$BIN"
fi
if [ "$which" = all ] || [ "$which" = qr ]; then
  if ! python3 -c 'import pydicom' 2>/dev/null; then
    python3 -m pip install -q --root-user-action=ignore 'pydicom>=3.0'
  fi
  setup_test >/dev/null
  PYTHONPATH="$PASSERELLE_PYLIB" python3 bench/qr_scp.py --passerelle "$BIN"
fi
