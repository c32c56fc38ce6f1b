"""Writes all-MiniLM-L6-v2 as an f32 ONNX graph built from our own safetensors weights, for the
ONNX Runtime embedder (crates/runtimes/src/minilm/onnx.rs). Run by scripts/fetch-models.sh:
    minilm-onnx.py <model.safetensors> <out model.onnx>

The graph is BERT written with ONNX Runtime's fused operators (com.microsoft domain):
EmbedLayerNormalization, then six layers of Attention, SkipLayerNormalization and BiasGelu
around plain MatMuls. It computes what candle computes from the same weights (the runtime tests
compare them), about a quarter faster than a torch export of the same model, whose attention
ONNX Runtime cannot fuse (README, "Knowledge-base benchmark"). It runs on ONNX Runtime only.

Inputs `input_ids`, `attention_mask`, `token_type_ids` (int64, batch x sequence, padding on the
right); output `last_hidden_state` (float, batch x sequence x 384). Fails, naming the tensor, if
a weight is missing, has another shape, or is left unused. The output is the same bytes for
the same weights and onnx version, so fetch-models.sh pins its sha256."""
import json, struct, sys
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

safetensors_path, out = sys.argv[1:]
HIDDEN, HEADS, LAYERS, FEED_FORWARD = 384, 12, 6, 1536
# BERT's LayerNorm epsilon (config.json: layer_norm_eps).
EPS = 1e-12
CONTRIB = "com.microsoft"


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
# Not part of a sentence embedding (mean pooling is), or implied by the graph (positions).
unused = set(ours) - {"pooler.dense.weight", "pooler.dense.bias", "embeddings.position_ids"}
initializers, nodes = [], []


def take(name, shape):
    if name not in ours:
        sys.exit(f"no tensor {name} in {safetensors_path}")
    if tuple(ours[name].shape) != shape:
        sys.exit(f"{name}: shape {ours[name].shape} where {shape} was expected")
    unused.discard(name)
    return ours[name]


def constant(name, value):
    initializers.append(numpy_helper.from_array(np.ascontiguousarray(value, dtype=np.float32), name))
    return name


def weight(name, rows, cols):
    """A dense layer's weight, stored (out, in) by torch, as the (in, out) matrix MatMul takes."""
    return constant(name, take(name, (cols, rows)).T)


def tensor(name, shape=(HIDDEN,)):
    """A weight stored as it is (a table, a bias, a LayerNorm's scale or shift)."""
    return constant(name, take(name, shape))


def node(op, inputs, output, contrib=False, **attributes):
    nodes.append(helper.make_node(op, inputs, [output] if isinstance(output, str) else output,
                                  domain=CONTRIB if contrib else "", **attributes))
    return output


# The fused embedding reads int32 ids and the mask, and gives each sequence's length (the mask
# index Attention takes for right padding).
for name in ("input_ids", "token_type_ids", "attention_mask"):
    node("Cast", [name], name + "_32", to=TensorProto.INT32)
e = "embeddings."
x, lengths = node("EmbedLayerNormalization", [
    "input_ids_32", "token_type_ids_32",
    tensor(e + "word_embeddings.weight", (30522, HIDDEN)),
    tensor(e + "position_embeddings.weight", (512, HIDDEN)),
    tensor(e + "token_type_embeddings.weight", (2, HIDDEN)),
    tensor(e + "LayerNorm.weight"), tensor(e + "LayerNorm.bias"), "attention_mask_32",
], ["embedded", "lengths"], contrib=True, epsilon=EPS)

for layer in range(LAYERS):
    p = f"encoder.layer.{layer}."
    s = p + "attention.self."
    # Attention takes query, key and value as one (in, 3 x out) matrix and one bias.
    qkv = np.concatenate([take(s + k + ".weight", (HIDDEN, HIDDEN)).T for k in ("query", "key", "value")], axis=1)
    qkv_bias = np.concatenate([take(s + k + ".bias", (HIDDEN,)) for k in ("query", "key", "value")])
    attended = node("Attention", [x, constant(s + "qkv.weight", qkv), constant(s + "qkv.bias", qkv_bias), lengths],
                    p + "attended", contrib=True, num_heads=HEADS)
    projected = node("MatMul", [attended, weight(p + "attention.output.dense.weight", HIDDEN, HIDDEN)], p + "projected")
    # SkipLayerNormalization: LayerNorm(input + skip + bias).
    a = p + "attention.output."
    after_attention = node("SkipLayerNormalization", [
        projected, x, tensor(a + "LayerNorm.weight"), tensor(a + "LayerNorm.bias"), tensor(a + "dense.bias"),
    ], p + "after_attention", contrib=True, epsilon=EPS)
    widened = node("MatMul", [after_attention, weight(p + "intermediate.dense.weight", HIDDEN, FEED_FORWARD)], p + "widened")
    # BiasGelu: the exact (erf) GELU of input + bias, as BERT's "gelu".
    activated = node("BiasGelu", [widened, tensor(p + "intermediate.dense.bias", (FEED_FORWARD,))], p + "activated", contrib=True)
    narrowed = node("MatMul", [activated, weight(p + "output.dense.weight", FEED_FORWARD, HIDDEN)], p + "narrowed")
    o = p + "output."
    x = node("SkipLayerNormalization", [
        narrowed, after_attention, tensor(o + "LayerNorm.weight"), tensor(o + "LayerNorm.bias"), tensor(o + "dense.bias"),
    ], "last_hidden_state" if layer == LAYERS - 1 else p + "out", contrib=True, epsilon=EPS)

if unused:
    sys.exit(f"tensors the graph never used: {sorted(unused)}")
inputs = [helper.make_tensor_value_info(n, TensorProto.INT64, ["batch", "sequence"])
          for n in ("input_ids", "attention_mask", "token_type_ids")]
outputs = [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "sequence", HIDDEN])]
graph = helper.make_graph(nodes, "all-MiniLM-L6-v2", inputs, outputs, initializers)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid(CONTRIB, 1)],
                          producer_name="rehearse scripts/minilm-onnx.py")
model.ir_version = 8
onnx.checker.check_model(model)
onnx.save(model, out)
print(f"wrote {out}: {len(nodes)} nodes, {len(initializers)} weights", file=sys.stderr)
