"""Runs llama.cpp's OpenAI-compatible HTTP server (through the `xllamacpp` PyPI wheel) on one GGUF.

Usage: python openai_server.py --port PORT --model PATH [--alias NAME] [--threads 2] [--ctx 4096]

`xllamacpp.Server(params)` starts llama.cpp's built-in server (the same code as `llama-server`) in
native threads and listens on params.hostnames/params.port; it serves /v1/models,
/v1/chat/completions (streaming, tools through the Jinja chat template), /v1/completions,
/health and more. This process stays in the foreground until SIGTERM/SIGINT, prints
`ready on http://127.0.0.1:PORT` once /v1/models answers, and logs the model id it reports.
Called by scripts/openai-server.sh.
"""

import argparse
import json
import os
import signal
import sys
import threading
import time
import urllib.request


def log(msg: str) -> None:
    print(f"[openai-server] {msg}", file=sys.stderr, flush=True)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--alias", default="", help="model id reported by /v1/models (default: file stem)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--ctx", type=int, default=4096)
    ap.add_argument("--chat-template-file", default="",
                    help="Jinja chat template replacing the GGUF's (e.g. scripts/chatml-tools.jinja)")
    ap.add_argument("--ready-timeout", type=float, default=120.0)
    ap.add_argument("--embeddings", action="store_true",
                    help="serve /v1/embeddings (mean-pooled) instead of chat")
    args = ap.parse_args()

    if not os.path.isfile(args.model):
        log(f"model file not found: {args.model} (run scripts/fetch-models.sh)")
        return 2
    alias = args.alias or os.path.splitext(os.path.basename(args.model))[0]

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    import xllamacpp as xlc

    started = time.monotonic()
    params = xlc.CommonParams()
    params.model.path = args.model
    params.model_alias = {alias}
    params.hostnames = [args.host]
    params.port = args.port
    params.n_ctx = args.ctx
    params.n_parallel = 1
    params.cpuparams.n_threads = args.threads
    params.cpuparams_batch.n_threads = args.threads
    params.n_threads_http = args.threads
    params.use_jinja = True  # chat template through Jinja: needed for `tools`
    params.ui = False  # no web UI, API only
    if args.embeddings:
        params.embedding = True
        params.pooling_type = xlc.llama_pooling_type.LLAMA_POOLING_TYPE_MEAN
    if args.chat_template_file:
        with open(args.chat_template_file, encoding="utf-8") as f:
            params.chat_template = f.read()
        log(f"chat template from {args.chat_template_file}")
    log(f"xllamacpp {xlc.__version__}: loading {args.model} as '{alias}' "
        f"(ctx {args.ctx}, threads {args.threads})")

    server = xlc.Server(params)  # starts the HTTP server; raises if the model fails to load
    base = f"http://{args.host}:{args.port}"
    deadline = started + args.ready_timeout
    model_ids = None
    while not stop.is_set() and time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/v1/models", timeout=2) as resp:
                body = json.load(resp)
            model_ids = [m.get("id") for m in body.get("data", [])]
            break
        except Exception:
            time.sleep(0.1)
    if model_ids is None:
        if stop.is_set():
            log("stopped before ready")
            del server
            return 0
        log(f"/v1/models did not answer within {args.ready_timeout:.0f}s")
        del server
        return 1
    log(f"model id: {', '.join(map(str, model_ids))}")
    log(f"started in {time.monotonic() - started:.2f}s")
    print(f"ready on {base}", flush=True)

    stop.wait()
    log("stopping")
    del server  # ~Server stops the main loop and the HTTP listener
    log("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
