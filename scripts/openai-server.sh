#!/usr/bin/env bash
# Starts a real OpenAI-compatible server (llama.cpp through the PyPI wheel `xllamacpp`) on
# 127.0.0.1:<port> serving a GGUF, in the foreground until SIGTERM/SIGINT.
#   scripts/openai-server.sh <port> [gguf-path] [model-alias]
# Default GGUF: ${REHEARSE_DATA_DIR:-data}/models/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf (see
# scripts/fetch-models.sh). Default model id: the file stem (SmolLM2-135M-Instruct.Q4_1).
# Prints `ready on http://127.0.0.1:<port>` on stdout once /v1/models answers; llama.cpp logs go to
# stderr. Env: REHEARSE_CACHE_DIR (venv lives in $REHEARSE_CACHE_DIR/venv), REHEARSE_LLM_THREADS
# (default 2), REHEARSE_LLM_CTX (default 4096), REHEARSE_LLM_CHAT_TEMPLATE (a Jinja file replacing
# the GGUF's template; SmolLM2's own ChatML template ignores `tools`, so tool calls need
# REHEARSE_LLM_CHAT_TEMPLATE=scripts/chatml-tools.jinja).
set -euo pipefail
log() { printf '[openai-server] %s\n' "$*" >&2; }
die() { printf '[openai-server] ERROR: %s\n' "$*" >&2; exit 1; }

[[ $# -ge 1 && $1 =~ ^[0-9]+$ ]] || die "usage: $0 <port> [gguf-path] [model-alias]"
port=$1
gguf=${2:-${REHEARSE_DATA_DIR:-data}/models/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf}
alias=${3:-}
[[ -f $gguf ]] || die "GGUF not found: $gguf (run scripts/fetch-models.sh)"

XLLAMACPP_VERSION=2026.10.11549
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
venv=${REHEARSE_CACHE_DIR:-$HOME/.cache/rehearse}/venv
py=$venv/bin/python

installed_version() {
  "$py" -c 'import importlib.metadata as m; print(m.version("xllamacpp"))' 2>/dev/null || true
}

if [[ ! -x $py ]]; then
  log "creating venv $venv"
  python3 -m venv "$venv"
fi
if [[ $(installed_version) != "$XLLAMACPP_VERSION" ]]; then
  log "installing xllamacpp==$XLLAMACPP_VERSION into $venv"
  "$py" -m pip install --disable-pip-version-check -q "xllamacpp==$XLLAMACPP_VERSION" >&2
  [[ $(installed_version) == "$XLLAMACPP_VERSION" ]] || die "xllamacpp==$XLLAMACPP_VERSION did not install"
else
  log "xllamacpp $XLLAMACPP_VERSION present in $venv"
fi

# exec: the Python process receives SIGTERM directly and stops the server cleanly.
exec "$py" -u "$here/openai_server.py" --port "$port" --model "$gguf" --alias "$alias" \
  --threads "${REHEARSE_LLM_THREADS:-2}" --ctx "${REHEARSE_LLM_CTX:-4096}" \
  --chat-template-file "${REHEARSE_LLM_CHAT_TEMPLATE:-}" ${REHEARSE_LLM_EMBEDDINGS:+--embeddings}
