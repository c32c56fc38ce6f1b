#!/usr/bin/env python3
"""A fault-injecting upstream that speaks the OpenAI-compatible chat-completions wire format.

Plain Python 3 standard library (http.server + ThreadingHTTPServer): nothing to build or
install, so tests and `fault-drill` can start it as a child process in milliseconds.

Usage: python3 tools/fault_upstream.py [--port 0] [--host 127.0.0.1] [--verbose] [--exit-with-parent]

The first line on stdout is `PORT <n>` (the port actually bound; `--port 0` lets the system
pick), then nothing else: logs go to stderr. SIGTERM or SIGINT stops it.

The request's `model` picks the behaviour, `mode[:arg]`:

  ok          a short reply, tokens as fast as the socket takes them
  http500     500 with an OpenAI-style error body
  http429     429 with `Retry-After: 1` (`http429:<secs>` sets the header)
  hang        accepts (answers 200 and the event-stream headers when streaming) and never sends
              the first token, until the client disconnects; the disconnect is counted
  cut         streams a few tokens (`cut:<n>`, default 3), then closes the connection mid-body
              (no terminating chunk, no `[DONE]`)
  slow        a token every 200 ms (`slow:<ms>` sets the gap), 10 tokens
  flaky       a deterministic mix: request k of this model name fails with 500 unless
              k is a multiple of n (`flaky:<n>`, default 2: fail, ok, fail, ok, ...)

Any other model name is a 404, as a real server answers for an unknown model.

Endpoints:
  POST /v1/chat/completions   stream true (SSE `data: {...}` chunks, then `data: [DONE]`) or false
  GET  /v1/models             the modes above as model ids
  GET  /stats                 JSON counters per model name, exactly as sent:
                              requests, completed (replies sent to the end), errors (HTTP error
                              answers), cut (streams cut on purpose), disconnects (a client that
                              went away before its reply ended: a `hang` cut by a deadline, a
                              `slow` stream stopped), tokens (sent), gaps_ms (time between one
                              request of that name and the next, in order)
  POST /stats/reset           zeroes the counters
  GET  /health                200 "ok"

Streams use chunked transfer encoding, so a `cut` is a broken body for the client, not a
normal end of response.
"""

import argparse
import json
import os
import select
import signal
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODES = ["ok", "http500", "http429", "hang", "cut", "slow", "flaky"]
REPLY = "Tell me about a system you built and the trade-offs you made along the way."
SLOW_TOKENS = 10

STOPPING = threading.Event()
VERBOSE = False


def log(msg: str) -> None:
    print(f"[fault-upstream] {msg}", file=sys.stderr, flush=True)


class Stats:
    """Counters per model name, shared by the handler threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.models = {}
        self.last_request = {}

    def _entry(self, model: str) -> dict:
        return self.models.setdefault(
            model,
            {
                "requests": 0,
                "completed": 0,
                "errors": 0,
                "cut": 0,
                "disconnects": 0,
                "tokens": 0,
                "gaps_ms": [],
            },
        )

    def request(self, model: str) -> int:
        """Counts a request and returns its number (1-based) for this model name."""
        now = time.monotonic()
        with self.lock:
            entry = self._entry(model)
            entry["requests"] += 1
            previous = self.last_request.get(model)
            if previous is not None:
                entry["gaps_ms"].append(int((now - previous) * 1000))
            self.last_request[model] = now
            return entry["requests"]

    def add(self, model: str, key: str, n: int = 1) -> None:
        with self.lock:
            self._entry(model)[key] += n

    def snapshot(self) -> dict:
        with self.lock:
            return json.loads(json.dumps(self.models))

    def reset(self) -> None:
        with self.lock:
            self.models.clear()
            self.last_request.clear()


STATS = Stats()


def parse_model(model: str):
    """`mode[:arg]` -> (mode, arg or None)."""
    mode, _, arg = model.partition(":")
    return mode, (arg or None)


def int_arg(arg, default: int) -> int:
    try:
        return max(0, int(arg)) if arg is not None else default
    except ValueError:
        return default


def words(text: str):
    """The reply split into word tokens, each keeping its trailing space."""
    parts = text.split(" ")
    return [p + " " for p in parts[:-1]] + [parts[-1]]


def prompt_tokens(body: dict) -> int:
    total = 0
    for message in body.get("messages") or []:
        content = message.get("content")
        if isinstance(content, str):
            total += len(content.split()) + 4
    return max(total, 1)


class Disconnected(Exception):
    """The client went away while its reply was being written."""


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fault-upstream/1"

    def log_message(self, fmt, *args):  # noqa: N802 (http.server's name)
        if VERBOSE:
            log(fmt % args)

    # ---- plumbing -------------------------------------------------------------------------

    def send_json(self, status: int, payload, headers=None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def send_error_json(self, status: int, message: str, kind: str, headers=None) -> None:
        self.send_json(status, {"error": {"message": message, "type": kind, "code": status}}, headers)

    def start_events(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()

    def write_chunk(self, data: bytes) -> None:
        try:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, OSError) as e:
            raise Disconnected() from e

    def write_event(self, payload) -> None:
        text = payload if isinstance(payload, str) else json.dumps(payload)
        self.write_chunk(f"data: {text}\n\n".encode())

    def end_events(self) -> None:
        try:
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, OSError) as e:
            raise Disconnected() from e

    def client_gone(self) -> bool:
        """True once the client closed its end (it sends nothing more while it waits)."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            if not readable:
                return False
            return self.connection.recv(1, socket.MSG_PEEK) == b""
        except (ConnectionResetError, ConnectionAbortedError, OSError):
            return True

    def wait_for_disconnect(self) -> bool:
        """Blocks until the client disconnects (True) or the server stops (False)."""
        while not STOPPING.is_set():
            try:
                readable, _, _ = select.select([self.connection], [], [], 0.05)
            except (ValueError, OSError):
                return True
            if readable:
                try:
                    data = self.connection.recv(1, socket.MSG_PEEK)
                except (ConnectionResetError, ConnectionAbortedError, OSError):
                    return True
                if data == b"":
                    return True
                # The client sent more bytes (a pipelined request?): not a disconnect.
                time.sleep(0.05)
        return False

    def cut_connection(self) -> None:
        """Ends the TCP connection in the middle of the body."""
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # ---- routes ---------------------------------------------------------------------------

    def do_GET(self):  # noqa: N802
        path = self.path.split("?", 1)[0]
        if path == "/stats":
            self.send_json(200, STATS.snapshot())
        elif path in ("/v1/models", "/models"):
            self.send_json(
                200,
                {"object": "list", "data": [{"id": m, "object": "model", "owned_by": "fault-upstream"} for m in MODES]},
            )
        elif path == "/health":
            data = b"ok"
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        else:
            self.send_error_json(404, f"no route {path}", "not_found")

    def do_POST(self):  # noqa: N802
        path = self.path.split("?", 1)[0]
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if path == "/stats/reset":
            STATS.reset()
            self.send_json(200, {"reset": True})
            return
        if path not in ("/v1/chat/completions", "/chat/completions"):
            self.send_error_json(404, f"no route {path}", "not_found")
            return
        try:
            body = json.loads(raw or b"{}")
        except json.JSONDecodeError as e:
            self.send_error_json(400, f"bad JSON: {e}", "invalid_request_error")
            return
        model = str(body.get("model") or "")
        mode, arg = parse_model(model)
        if mode not in MODES:
            self.send_error_json(404, f"The model `{model}` does not exist", "invalid_request_error")
            return
        n = STATS.request(model)
        try:
            self.chat(model, mode, arg, n, body)
        except (Disconnected, BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            STATS.add(model, "disconnects")
            self.close_connection = True

    def chat(self, model: str, mode: str, arg, n: int, body: dict) -> None:
        stream = bool(body.get("stream"))
        if mode == "http500" or (mode == "flaky" and n % max(int_arg(arg, 2), 1) != 0):
            STATS.add(model, "errors")
            self.send_error_json(500, f"injected failure (request {n})", "server_error")
            return
        if mode == "http429":
            STATS.add(model, "errors")
            secs = int_arg(arg, 1)
            self.send_error_json(
                429, "injected rate limit", "rate_limit_error", {"Retry-After": str(secs)}
            )
            return
        if mode == "hang":
            if stream:
                self.start_events()
            if self.wait_for_disconnect():
                STATS.add(model, "disconnects")
            self.close_connection = True
            return

        tokens = words(REPLY)
        max_tokens = body.get("max_tokens")
        if isinstance(max_tokens, int) and max_tokens > 0:
            tokens = tokens[:max_tokens]
        gap = 0.0
        if mode == "slow":
            gap = int_arg(arg, 200) / 1000.0
            tokens = (tokens * 2)[:SLOW_TOKENS]
        cut_after = int_arg(arg, 3) if mode == "cut" else None

        if not stream:
            if cut_after is not None:
                # Headers promise a body that never fully arrives.
                data = json.dumps(self.completion(model, "".join(tokens), body, len(tokens))).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data[: len(data) // 2])
                STATS.add(model, "cut")
                self.cut_connection()
                return
            for _ in tokens:
                if gap:
                    time.sleep(gap)
            STATS.add(model, "tokens", len(tokens))
            self.send_json(200, self.completion(model, "".join(tokens), body, len(tokens)))
            STATS.add(model, "completed")
            return

        created = int(time.time())
        cid = f"chatcmpl-fault-{n}"

        def chunk(delta, finish=None):
            return {
                "id": cid,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            }

        self.start_events()
        self.write_event(chunk({"role": "assistant", "content": ""}))
        for i, token in enumerate(tokens):
            if cut_after is not None and i >= cut_after:
                STATS.add(model, "cut")
                self.cut_connection()
                return
            if gap:
                time.sleep(gap)
                if self.client_gone():
                    raise Disconnected()
            self.write_event(chunk({"content": token}))
            STATS.add(model, "tokens")
        self.write_event(chunk({}, "stop"))
        options = body.get("stream_options") or {}
        if options.get("include_usage"):
            self.write_event(
                {
                    "id": cid,
                    "object": "chat.completion.chunk",
                    "created": created,
                    "model": model,
                    "choices": [],
                    "usage": self.usage(body, len(tokens)),
                }
            )
        self.write_event("[DONE]")
        self.end_events()
        STATS.add(model, "completed")

    def usage(self, body: dict, completion: int) -> dict:
        prompt = prompt_tokens(body)
        return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}

    def completion(self, model: str, text: str, body: dict, completion: int) -> dict:
        return {
            "id": "chatcmpl-fault",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
            ],
            "usage": self.usage(body, completion),
        }


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default backlog is 5: a crowd connecting at once overflowed it, and the
    # kernel dropped the extra SYNs, so those clients retried after 1, 3, 7 s... (the load
    # bench's burst errors and its 27 s p99 on the upstream's own side).
    request_queue_size = 4096


def main() -> int:
    global VERBOSE
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, default=0, help="0 picks a free port (printed as `PORT <n>`)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--verbose", action="store_true", help="log every request to stderr")
    ap.add_argument("--exit-with-parent", action="store_true",
                    help="stop when the process that started this one goes away (for tests)")
    args = ap.parse_args()
    VERBOSE = args.verbose

    server = Server((args.host, args.port), Handler)
    port = server.server_address[1]
    print(f"PORT {port}", flush=True)
    log(f"listening on http://{args.host}:{port}/v1 (modes: {', '.join(MODES)})")

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    serving.start()
    parent = os.getppid()
    while not stop.wait(0.5):
        if args.exit_with_parent and os.getppid() != parent:
            log("parent process gone")
            break
    STOPPING.set()
    server.shutdown()
    server.server_close()
    log("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
