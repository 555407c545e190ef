#!/usr/bin/env bash
# Builds Passerelle for running: the optimised WASM site (target/site) and the release binary.
# The Dockerfile runs this same script.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
setup_build
cargo xtask site --release
cargo build --release --locked -p server
