#!/usr/bin/env bash
# The whole test suite: formatting, lints (-D warnings) for the server and the WASM build,
# unit and integration tests against SQLite and PostgreSQL, then the browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/rehearse/target}
export CARGO_TERM_COLOR=never
step() { printf '\n==> %s\n' "$*" >&2; }

step "tools"
bash scripts/install-tools.sh
bash scripts/ensure-postgres.sh
bash scripts/fetch-models.sh

step "cargo fmt --check"
cargo fmt --all -- --check

SERVER_CRATES=(-p server -p rehearse-bench -p app -p rehearse-auth -p rehearse-db -p rehearse-settings -p rehearse-types -p rehearse-llm -p rehearse-testkit -p rehearse-interview -p rehearse-knowledge -p rehearse-runtimes)

step "clippy (server side)"
cargo clippy "${SERVER_CRATES[@]}" --all-targets --features app/ssr -- -D warnings

step "clippy (the stream bench alone, without the bench's default features)"
# The README's quick release build of the stream bench must keep building.
cargo clippy -p rehearse-bench --no-default-features --all-targets -- -D warnings

step "clippy (browser side, wasm32)"
cargo clippy -p frontend -p app --target wasm32-unknown-unknown -- -D warnings

step "the browser build compiles no server-only crate"
bash scripts/check-wasm-deps.sh

step "a SurrealDB server for the remote chunk-store tests (tools/surreal-server)"
cargo build --manifest-path tools/surreal-server/Cargo.toml --locked
# Not REHEARSE_*: that prefix is the product's configuration, which refuses unknown keys.
export SURREAL_SERVER_BIN="$CARGO_TARGET_DIR/debug/rehearse-surreal-server"

step "unit and integration tests (SQLite and PostgreSQL)"
# A hung test must fail the run, not eat the CI budget.
timeout 45m cargo test "${SERVER_CRATES[@]}" --features app/ssr --no-fail-fast

step "browser tests (cargo leptos end-to-end)"
bash scripts/e2e.sh
