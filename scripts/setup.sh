#!/usr/bin/env bash
# Installs what building and testing Passerelle needs, only where it is missing:
# the wasm32 target, rustfmt/clippy, npm packages (playwright-core, binaryen's wasm-opt), and for
# tests Chromium (Debian package). Sourced by build.sh and test.sh; safe to run again.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

need_apt() {
  # $1 = command to look for, $2 = Debian package
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "==> installing $2 (apt)"
    if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$2" >/dev/null
  fi
}

setup_build() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    echo "==> rustup target add wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
  fi
  need_apt npm npm
  if [ ! -x "$ROOT/end2end/node_modules/.bin/wasm-opt" ] || [ "$ROOT/end2end/package-lock.json" -nt "$ROOT/end2end/node_modules/.package-lock.json" ]; then
    echo "==> npm ci (end2end)"
    (cd "$ROOT/end2end" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

setup_test() {
  setup_build
  for c in rustfmt clippy; do
    if ! rustup component list --installed | grep -q "^$c"; then rustup component add "$c"; fi
  done
  need_apt chromium chromium
  need_apt dcmdump dcmtk  # not echoscu: pynetdicom installs one of that name
  need_apt openssl openssl
  need_apt Orthanc orthanc
  if [ ! -f /usr/share/orthanc/plugins/libOrthancDicomWeb.so ]; then
    echo "==> installing orthanc-dicomweb (apt)"
    if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq orthanc-dicomweb >/dev/null
  fi
  need_apt psql postgresql-client
  # OHIF's prebuilt viewer (npm @ohif/app ships dist/; its own dependencies are not needed),
  # for the browser test of the DICOMweb door; fetched once per machine.
  local ohif="${OHIF_CACHE:-/var/cache/passerelle/ohif-3.13.2}"
  if [ ! -f "$ohif/package/dist/index.html" ]; then
    echo "==> npm pack @ohif/app@3.13.2 (OHIF viewer for the browser test)"
    mkdir -p "$ohif"
    (cd "$ohif" && npm pack --silent @ohif/app@3.13.2 >/dev/null && tar xzf ohif-app-3.13.2.tgz && rm -f ohif-app-3.13.2.tgz)
  fi
  if ! python3 -c 'import dicomweb_client' 2>/dev/null; then
    echo "==> pip install dicomweb-client (DICOMweb tests)"
    python3 -m pip install -q --root-user-action=ignore 'dicomweb-client==0.61.2'
  fi
  # pynetdicom (the MPPS tests' modality) in a directory of its own, on PYTHONPATH only for
  # the scripts that use it: installed globally, its echoscu / storescu / findscu commands
  # would shadow DCMTK's on PATH.
  export PASSERELLE_PYLIB="${PASSERELLE_PYLIB:-/var/cache/passerelle/pylib}"
  if ! PYTHONPATH="$PASSERELLE_PYLIB" python3 -c 'import pynetdicom' 2>/dev/null; then
    echo "==> pip install pynetdicom into $PASSERELLE_PYLIB (MPPS tests)"
    python3 -m pip install -q --root-user-action=ignore --no-deps --target "$PASSERELLE_PYLIB" 'pynetdicom==3.0.4'
  fi
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    echo "==> starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start || true
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
}
