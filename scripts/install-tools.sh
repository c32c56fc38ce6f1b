#!/usr/bin/env bash
# Installs the build and test tools Rehearse needs, skipping each one already present at the
# right version. Safe to run repeatedly; CI and the README's run command both call it.
# Versions and the offline workarounds are documented in ../shared/TOOLCHAIN.md.
set -euo pipefail

CARGO_LEPTOS_VERSION=0.3.11
WASM_BINDGEN_VERSION=0.2.130
export PATH="$HOME/.cargo/bin:$PATH"
# Release builds of the tools themselves: fast to build matters more than fast to run.
export CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16

log() { printf '[install-tools] %s\n' "$*" >&2; }

# cargo install of a crate whose published lockfile does not build here: unpack its source,
# pin the one offending dependency, then install from the local copy.
install_patched() {
  local krate=$1 version=$2 pin_pkg=$3 pin_version=$4 features=${5:-}
  local src
  src=$(ls -d "$HOME"/.cargo/registry/src/*/"$krate-$version" 2>/dev/null | head -n1 || true)
  if [ -z "$src" ]; then
    log "fetching $krate $version source"
    cargo install --locked "$krate@$version" >/dev/null 2>&1 || true
    src=$(ls -d "$HOME"/.cargo/registry/src/*/"$krate-$version" 2>/dev/null | head -n1 || true)
  fi
  [ -n "$src" ] || { log "could not fetch $krate $version"; exit 1; }
  local work
  work=$(mktemp -d)
  cp -r "$src" "$work/$krate"
  rm -f "$work/$krate/rust-toolchain.toml" "$work/$krate/rust-toolchain"
  (cd "$work/$krate" && cargo update -p "$pin_pkg" --precise "$pin_version")
  if [ -n "$features" ]; then
    cargo install --locked --path "$work/$krate" --features "$features"
  else
    cargo install --locked --path "$work/$krate"
  fi
  rm -rf "$work"
}

if ! rustup target list --installed | grep -q wasm32-unknown-unknown; then
  log "adding wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

if cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
  log "cargo-leptos $CARGO_LEPTOS_VERSION present"
else
  log "building cargo-leptos $CARGO_LEPTOS_VERSION (about 21 min cold on 2 cores)"
  install_patched cargo-leptos "$CARGO_LEPTOS_VERSION" cargo-util-schemas 0.14.1 no_downloads
fi

if wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
  log "wasm-bindgen-cli $WASM_BINDGEN_VERSION present"
else
  log "building wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 4 min cold)"
  install_patched wasm-bindgen-cli "$WASM_BINDGEN_VERSION" webpki-roots 1.0.10
fi

# llama.cpp (the embedded model, through llama-cpp-sys-2) builds with cmake and needs libclang
# for its bindings.
if ! command -v cmake >/dev/null 2>&1 || ! command -v clang >/dev/null 2>&1 || ! ls /usr/lib/llvm-*/lib/libclang.so* >/dev/null 2>&1; then
  log "installing cmake, clang and libclang-dev for llama.cpp"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq cmake clang libclang-dev >/dev/null
fi

if ! command -v chromium >/dev/null 2>&1; then
  log "installing Debian chromium"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

root=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -d "$root/node_modules" ] || [ "$root/package-lock.json" -nt "$root/node_modules/.package-lock.json" ]; then
  log "installing npm packages"
  # `npm install`, not `npm ci`: npm 11's ci rejects this lockfile over optional
  # platform packages of @tailwindcss/oxide that it never installs on Linux anyway.
  (cd "$root" && npm install --no-audit --no-fund --loglevel=error)
fi
# aiosmtpd: the real SMTP server the API tests send account mail to (tools/smtp_sink.py). It
# lives in the same venv as scripts/openai-server.sh's llama.cpp server; the tests look for it
# there (or in SMTP_SINK_PYTHON).
AIOSMTPD_VERSION=1.4.6
venv=${REHEARSE_CACHE_DIR:-$HOME/.cache/rehearse}/venv
if "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('aiosmtpd') != '$AIOSMTPD_VERSION')" 2>/dev/null; then
  log "aiosmtpd $AIOSMTPD_VERSION present"
else
  log "installing aiosmtpd $AIOSMTPD_VERSION into $venv"
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --disable-pip-version-check -q "aiosmtpd==$AIOSMTPD_VERSION"
fi

log "tools ready"
