#!/usr/bin/env bash
# Runs the black-box API suite N times in a row (default 5) and prints how many runs passed,
# failed, and hung. A hang is a run with a page request that never answered or answered 503
# from the render deadline; before the route-list fix about 1 run in 5 hung here.
#   bash scripts/api-soak.sh 20
# Needs what scripts/test.sh needs (PostgreSQL up, models fetched, node_modules for OIDC).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/rehearse/target}
runs=${1:-5}
bash scripts/ensure-postgres.sh >/dev/null
[ -n "${SURREAL_SERVER_BIN:-}" ] || export SURREAL_SERVER_BIN="$CARGO_TARGET_DIR/debug/rehearse-surreal-server"
bin=$(cargo test -p server --features app/ssr --test api --no-run --message-format=json 2>/dev/null \
  | python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("target", {}).get("name") == "api" and m.get("executable"):
        print(m["executable"])' | tail -n1)
[ -x "$bin" ] || { echo "could not build the API suite" >&2; exit 1; }
passed=0 failed=0 hung=0
logs=$(mktemp -d)
for i in $(seq 1 "$runs"); do
  log="$logs/run-$i.log"
  # A run that passes takes well under a minute; ten means something never answered.
  if timeout 600 "$bin" >"$log" 2>&1; then
    passed=$((passed + 1)); verdict=passed
  elif grep -qE 'TimedOut|timed out|render timed out|status.*503|left: 503|did not answer' "$log" \
      || [ "$(tail -c 200 "$log" | grep -c 'test result')" = 0 ]; then
    hung=$((hung + 1)); verdict="HUNG (log: $log)"
  else
    failed=$((failed + 1)); verdict="failed (log: $log)"
  fi
  printf 'run %d/%d: %s\n' "$i" "$runs" "$verdict"
done
printf '\nruns: %d, passed: %d, failed: %d, hangs: %d\n' "$runs" "$passed" "$failed" "$hung"
[ "$failed" = 0 ] && [ "$hung" = 0 ]
