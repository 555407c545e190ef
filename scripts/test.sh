#!/usr/bin/env bash
# Runs every test: formatting and lints (ssr and hydrate builds), unit and integration tests on
# SQLite and PostgreSQL (127.0.0.1:5432, a fresh database per test), and browser tests in Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
setup_test
TARGET="${CARGO_TARGET_DIR:-$PWD/target}"
step() { echo; echo "==> $*"; }

step "cargo fmt --check"
cargo fmt --all --check

step "clippy (server side: ssr)"
cargo clippy --locked -p domain -p migrations -p server -p xtask --all-targets -- -D warnings
cargo clippy --locked -p app --features ssr --all-targets -- -D warnings
step "clippy (browser side: hydrate, wasm32)"
cargo clippy --locked -p app --features hydrate --target wasm32-unknown-unknown --all-targets -- -D warnings
cargo clippy --locked -p frontend --target wasm32-unknown-unknown --all-targets -- -D warnings
cargo clippy --locked -p domain --target wasm32-unknown-unknown --all-targets -- -D warnings

step "unit and integration tests (SQLite and PostgreSQL)"
cargo test --locked -p domain -p migrations -p server
cargo test --locked -p app --features ssr

step "browser tests (Chromium)"
cargo xtask site
cargo build --locked -p server
(cd end2end && PASSERELLE_BIN="$TARGET/debug/passerelle" npm test)
