#!/usr/bin/env bash
# Records the wire format of the real OpenAI-compatible server (scripts/openai-server.sh, llama.cpp
# via xllamacpp, SmolLM2-135M) into crates/llm/tests/fixtures/xllamacpp/, then stops it.
#   scripts/record-openai-fixtures.sh [port]        (default port 18480)
# Needs scripts/fetch-models.sh to have run. Outputs are short (max_tokens 24, temperature 0).
set -euo pipefail
log() { printf '[record] %s\n' "$*" >&2; }
die() { printf '[record] ERROR: %s\n' "$*" >&2; exit 1; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"
port=${1:-18480}
out=crates/llm/tests/fixtures/xllamacpp
mkdir -p "$out"
tmp=$(mktemp -d)
server_pid=""

stop_server() {
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid"
    for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$server_pid" 2>/dev/null && { log "server did not stop on SIGTERM; killing"; kill -KILL "$server_pid"; }
    wait "$server_pid" 2>/dev/null || true
  fi
  server_pid=""
}
trap 'stop_server; rm -rf "$tmp"' EXIT

# start_server [chat-template]: starts it, waits for the ready line, logs the time taken.
start_server() {
  local t0 t1
  t0=$(date +%s%N)
  REHEARSE_LLM_CHAT_TEMPLATE=${1:-} "$here/openai-server.sh" "$port" >"$tmp/out" 2>"$tmp/err" &
  server_pid=$!
  for _ in $(seq 1 1200); do
    grep -q '^ready on ' "$tmp/out" && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$tmp/err" >&2; die "server exited"; }
    sleep 0.05
  done
  grep -q '^ready on ' "$tmp/out" || die "server not ready after 60s"
  t1=$(date +%s%N)
  log "server ready in $(( (t1 - t0) / 1000000 )) ms (template: ${1:-GGUF}); $(grep -m1 'model id' "$tmp/err")"
}

base=http://127.0.0.1:$port/v1
chat() { curl -sS -N --max-time 120 "$base/chat/completions" -H 'content-type: application/json' -d "$1"; }
tools='[{"type":"function","function":{"name":"search_job_description","description":"Search the job description for a topic.","parameters":{"type":"object","properties":{"query":{"type":"string","description":"What to look for"}},"required":["query"]}}}]'
model=SmolLM2-135M-Instruct.Q4_1

# 1. The GGUF's own chat template (ChatML without tool support).
start_server
curl -sS "$base/models" >"$out/models.json"
chat '{"model":"'$model'","messages":[{"role":"system","content":"You are a concise interview coach."},{"role":"user","content":"Give one tip for a job interview."}],"max_tokens":24,"temperature":0,"seed":42}' >"$out/nonstream.json"
chat '{"model":"'$model'","messages":[{"role":"user","content":"Say hello in five words."}],"max_tokens":24,"temperature":0,"seed":42,"stream":true,"stream_options":{"include_usage":true}}' >"$out/stream.sse"
chat '{"model":"'$model'","messages":[{"role":"user","content":"Search the job description for the required skills."}],"tools":'"$tools"',"tool_choice":"auto","max_tokens":24,"temperature":0,"seed":42}' >"$out/tools.json"
stop_server

# 2. scripts/chatml-tools.jinja (Hermes-style <tool_call>); an assistant prefill starts the call
#    because a 135M model does not choose to call tools by itself.
start_server scripts/chatml-tools.jinja
prefill='{"model":"'$model'","messages":[{"role":"user","content":"What does the job description say about Rust?"},{"role":"assistant","content":"<tool_call>\n{\"name\": \"search_job_description\", \"arguments\": "}],"tools":'"$tools"',"tool_choice":"auto","max_tokens":24,"temperature":0,"seed":42'
chat "$prefill}" >"$out/tools_prefill.json"
chat "$prefill"',"stream":true,"stream_options":{"include_usage":true}}' >"$out/tools_prefill_stream.sse"
chat '{"model":"'$model'","messages":[{"role":"user","content":"What does the job description say about Rust?"},{"role":"assistant","content":"<tool_call>\n"}],"tools":'"$tools"',"tool_choice":"auto","max_tokens":24,"temperature":0,"seed":42,"stream":true}' >"$out/stream_error.sse"
stop_server

# Summary.
python3 - "$out" <<'PY'
import json, os, sys
out = sys.argv[1]
def sse(name):
    return [json.loads(l[6:]) for l in open(os.path.join(out, name)) if l.startswith("data: {")]
models = json.load(open(os.path.join(out, "models.json")))
print("[record] model id:", [m["id"] for m in models["data"]])
ns = json.load(open(os.path.join(out, "nonstream.json")))
print("[record] nonstream: finish_reason=%s usage=%s" % (ns["choices"][0]["finish_reason"], ns["usage"]))
chunks = sse("stream.sse")
print("[record] stream: %d chunks, final chunk choices=%s usage=%s, ends with [DONE]: %s" % (
    len(chunks), chunks[-1]["choices"], chunks[-1].get("usage"),
    open(os.path.join(out, "stream.sse")).read().rstrip().endswith("data: [DONE]")))
t = json.load(open(os.path.join(out, "tools.json")))["choices"][0]["message"]
print("[record] tools (GGUF template): tool_calls=%s" % t.get("tool_calls"))
tp = json.load(open(os.path.join(out, "tools_prefill.json")))["choices"][0]["message"]
print("[record] tools (chatml-tools + prefill): tool_calls=%s" % json.dumps(tp.get("tool_calls")))
args = "".join(tc["function"].get("arguments", "") for c in sse("tools_prefill_stream.sse")
               for ch in c["choices"] for tc in ch["delta"].get("tool_calls", []))
print("[record] streamed tool arguments joined: %r" % args)
print("[record] stream_error.sse last event: %s" % json.dumps(sse("stream_error.sse")[-1]))
PY
log "fixtures in $out: $(cd "$out" && ls | tr '\n' ' ')"
