#!/usr/bin/env bash
# Browser tests: cargo-leptos builds the site, serves it on a fresh data directory and runs
# end2end/tests with node's test runner and Debian Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/rehearse/target}
data=$(mktemp -d)
trap 'rm -rf "$data" "${log:-}"' EXIT
export REHEARSE_DATA_DIR="$data"
# Signing up never makes an admin: the tests sign this address up, then promote it with the
# server binary's `promote` subcommand (cargo-leptos builds it here, in the debug profile).
export E2E_ADMIN_EMAIL="admin@e2e.rehearse.test"
export E2E_SERVER_BIN="$CARGO_TARGET_DIR/debug/server"
export RUST_LOG=${RUST_LOG:-warn}
# The browser tests sign up many accounts from one address.
export REHEARSE_SIGNUP__ATTEMPTS_PER_IP=1000
# ...and start and send from that one address, like people behind one NAT: the per-address
# limits are raised; the per-user limits stay at their defaults (limits.test.mjs relies on them).
export REHEARSE_LIMITS__START_PER_MINUTE_PER_IP=1000 REHEARSE_LIMITS__START_BURST_PER_IP=1000
export REHEARSE_LIMITS__SEND_PER_MINUTE_PER_IP=1000 REHEARSE_LIMITS__SEND_BURST_PER_IP=1000
# The embedded model, unpacked under the checkout's data directory by scripts/fetch-models.sh.
bash scripts/fetch-models.sh >/dev/null
export REHEARSE_LLM__MODEL_PATH="$PWD/data/models/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
export REHEARSE_KNOWLEDGE__MINILM_DIR="$PWD/data/models/minilm"
# A free port of their own (and a free live-reload port), so the tests never run against an
# app that already listens on 3000, such as the one `scripts/run.sh` serves.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=${E2E_PORT:-$(free_port)}
export LEPTOS_SITE_ADDR="127.0.0.1:$port"
export LEPTOS_RELOAD_PORT=${LEPTOS_RELOAD_PORT:-$(free_port)}
export E2E_BASE_URL="http://127.0.0.1:$port"
log=$(mktemp)
# cargo-leptos has exited 0 after a failed build, so the test runner's own summary decides.
cargo leptos end-to-end 2>&1 | tee "$log"
if ! grep -qE '^# pass [1-9]' "$log" || ! grep -qE '^# fail 0$' "$log"; then
  # CI shows the end of the output: repeat there what the server warned about and which tests
  # failed, with their messages.
  echo "--- the server's last warnings and errors ---" >&2
  grep -E ' (WARN|ERROR) ' "$log" | tail -n 40 >&2 || true
  echo "--- failed tests ---" >&2
  grep -E -A12 '^not ok' "$log" | grep -E "^not ok|error:|no reply" >&2 || true
  echo "error: the browser tests did not all run and pass" >&2
  exit 1
fi
