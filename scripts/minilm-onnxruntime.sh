#!/usr/bin/env bash
# A reference for the knowledge-base benchmark's MiniLM figures: the graph our ONNX runtime runs
# (data/models/minilm/model.onnx, built by scripts/fetch-models.sh) run by onnxruntime's own
# Python binding on this machine, at the bench's corpus shape (68 texts, 69 tokens on average,
# batches of 16 sorted by length) and for one 12-token query; then the same graph with its
# MatMul and Attention weights quantised to int8 per channel (onnxruntime's dynamic
# quantisation), to show how far int8 arithmetic would go and how far its vectors move. Random
# token ids of the corpus's lengths: speed only. Run by hand after fetch-models.sh; prints figures.
set -euo pipefail
cd "$(dirname "$0")/.."
graph="${1:-data/models/minilm/model.onnx}"
[[ -f $graph ]] || { echo "$graph is missing: run scripts/fetch-models.sh" >&2; exit 1; }
dir="${MINILM_ORT_DIR:-$HOME/.cache/rehearse/minilm-onnxruntime}"
mkdir -p "$dir"
if [ ! -x "$dir/venv/bin/python" ] || ! "$dir/venv/bin/python" -c 'import onnx, onnxruntime' 2>/dev/null; then
  python3 -m venv "$dir/venv"
  "$dir/venv/bin/pip" install -q onnxruntime==1.32.0 numpy==2.4.6 onnx==1.23.2
fi
if [ ! -f "$dir/int8.onnx" ] || [ "$graph" -nt "$dir/int8.onnx" ]; then
  "$dir/venv/bin/python" - "$graph" "$dir/int8.onnx" <<'PY'
import sys
import onnx
from onnxruntime.quantization import QuantType, quantize_dynamic
# The fused operators' outputs carry no type the quantiser can infer: they are f32.
quantize_dynamic(sys.argv[1], sys.argv[2], weight_type=QuantType.QInt8, per_channel=True,
                 op_types_to_quantize=["MatMul", "Attention"],
                 extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
PY
fi
exec "$dir/venv/bin/python" - "$graph" "$dir/int8.onnx" <<'PY'
import sys, time
import numpy as np
import onnxruntime as ort

opts = ort.SessionOptions()
opts.intra_op_num_threads = 2
opts.log_severity_level = 3
sessions = {name: ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
            for name, path in (("f32 (ours)", sys.argv[1]), ("int8 per channel", sys.argv[2]))}
rng = np.random.default_rng(0)
lengths = np.sort(np.clip(rng.normal(69, 25, 68).astype(int), 12, 200))
batches = []
for i in range(0, len(lengths), 16):
    group = lengths[i:i + 16]
    ids = rng.integers(1000, 30000, (len(group), int(group.max()))).astype(np.int64)
    mask = np.zeros_like(ids)
    for row, n in enumerate(group):
        mask[row, :n] = 1
    ids[mask == 0] = 0
    batches.append((ids, mask))


def embed(session, ids, mask):
    hidden = session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(mask)})[0]
    m = mask[..., None].astype(np.float32)
    v = (hidden * m).sum(1) / m.sum(1)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


reference = None
for _ in range(3):
    for name, session in sessions.items():
        start = time.perf_counter()
        vectors = np.concatenate([embed(session, *b) for b in batches])
        took = time.perf_counter() - start
        if reference is None:
            reference = vectors
        cosine = (vectors * reference).sum(1)
        print(f"onnxruntime MiniLM {name}: {len(lengths)} chunks in {took:.2f} s = {len(lengths) / took:.1f} chunks/s, "
              f"{lengths.sum() * 21.5e6 / took / 1e9:.1f} GFLOP/s; cosine to f32 min {cosine.min():.4f}")
ids = rng.integers(1000, 30000, (1, 12)).astype(np.int64)
mask = np.ones_like(ids)
for name, session in sessions.items():
    times = []
    for _ in range(50):
        start = time.perf_counter()
        embed(session, ids, mask)
        times.append(time.perf_counter() - start)
    print(f"onnxruntime MiniLM {name}, one 12-token query: p50 {np.percentile(times, 50) * 1000:.1f} ms, p99 {np.percentile(times, 99) * 1000:.1f} ms")
PY
