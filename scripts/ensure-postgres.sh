#!/usr/bin/env bash
# Makes sure the local PostgreSQL answers (this machine kind runs one; start it if it is down)
# and removes databases left behind by earlier test runs.
set -euo pipefail
log() { printf '[postgres] %s\n' "$*" >&2; }
url=${REHEARSE_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  log "PostgreSQL is down; starting it"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
pg_isready -h 127.0.0.1 -p 5432 -q || { log "PostgreSQL did not start"; exit 1; }
leftovers=$(psql "$url" -Atc "SELECT datname FROM pg_database WHERE datname LIKE 'rehearse_t_%'" 2>/dev/null || true)
for db in $leftovers; do psql "$url" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true; done
log "ready"
