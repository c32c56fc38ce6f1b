#!/usr/bin/env bash
# Benchmarks: the local model through the whole server path (time to first token and tokens/s
# per interviewer reply, prompt tokens per call). Runs the optimised llama.cpp build; the Rust
# side is a debug build unless you pass --release.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/rehearse/target}
bash scripts/fetch-models.sh >/dev/null
export REHEARSE_LLM__MODEL_PATH="$PWD/data/models/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
export RUST_LOG=${RUST_LOG:-error}
cargo run -q -p rehearse-bench "$@" -- bench --turns 6
