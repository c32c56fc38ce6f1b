#!/usr/bin/env bash
# Fails if the browser (wasm32) build depends on a server-only crate.
set -euo pipefail
cd "$(dirname "$0")/.."
tree=$(cargo tree -p frontend --target wasm32-unknown-unknown -e normal --prefix none --format '{p}')
forbidden='^(rehearse-llm|rehearse-interview|llama-cpp-sys-2|pulldown-cmark|ammonia|eventsource-stream|sqlx|sqlx-core|tokio-postgres|libsqlite3-sys|surrealdb|reqwest|tower-sessions|argon2|openidconnect|oauth2|governor|axum|rehearse-db|rehearse-auth|rehearse-settings|llama-cpp-2|candle-core) '
# A here-string, not `echo | grep -q`: grep -q exits at its first match, and under pipefail the
# echo still writing a tree larger than the pipe buffer dies of SIGPIPE and fails the check.
if ! grep -qE '^leptos ' <<<"$tree"; then
  echo "error: cargo tree printed no leptos for the browser build; the check would prove nothing" >&2
  exit 1
fi
if grep -E "$forbidden" <<<"$tree"; then
  echo "error: the crates above must not be in the browser build" >&2
  exit 1
fi
echo "wasm build is free of server-only crates"
