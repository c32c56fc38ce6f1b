#!/usr/bin/env bash
# Sets up and runs the whole platform on the embedded defaults (SQLite in ./data, no account,
# key or external service), serving on http://127.0.0.1:3000.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/rehearse/target}
bash scripts/install-tools.sh
bash scripts/fetch-models.sh
# Debug build: it shares every artifact with the test build (a release build of SurrealDB alone
# takes about 27 min on 2 cores); the model runtimes are optimised even in debug (Cargo.toml).
exec cargo leptos serve
