#!/usr/bin/env bash
# Benchmark: reconcile a generated PostgreSQL schema of 5,000 tables (50,000 columns,
# 10,000 indexes) created by 50 golang-migrate migrations, and print the wall time and the
# number of queries reconcile ran (which must not grow with the table count).
#
# Usage: bench/reconcile.sh [TABLES]   (PREFLIGHT_BIN=path/to/preflight to skip the build)
# Needs psql and the local PostgreSQL (127.0.0.1:5432, user postgres, trust auth).
set -euo pipefail

tables=${1:-5000}
per_file=100
db="pf_bench_$$"
work=$(mktemp -d)
psql_() { psql -h 127.0.0.1 -U postgres -X -q -v ON_ERROR_STOP=1 "$@"; }
cleanup() { psql_ -d postgres -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

bin=${PREFLIGHT_BIN:-}
if [ -z "$bin" ]; then
  cargo build --release --no-default-features --quiet
  bin="${CARGO_TARGET_DIR:-target}/release/preflight"
fi

mkdir -p "$work/migrations"
files=$(( (tables + per_file - 1) / per_file ))
for ((f = 1; f <= files; f++)); do
  out="$work/migrations/${f}_tables_${f}.up.sql"
  : > "$out"
  for ((i = (f - 1) * per_file + 1; i <= f * per_file && i <= tables; i++)); do
    cat >> "$out" <<SQL
CREATE TABLE t$i (
    id BIGINT PRIMARY KEY,
    c1 INTEGER NOT NULL DEFAULT 0, c2 TEXT, c3 VARCHAR(100), c4 TIMESTAMP DEFAULT now(),
    c5 BOOLEAN NOT NULL DEFAULT false, c6 NUMERIC(10,2), c7 BIGINT, c8 JSONB, c9 DATE
);
CREATE INDEX t${i}_c1_idx ON t$i (c1);
SQL
  done
done

psql_ -d postgres -c "CREATE DATABASE \"$db\"" >/dev/null
for ((f = 1; f <= files; f++)); do
  psql_ -d "$db" -f "$work/migrations/${f}_tables_${f}.up.sql" >/dev/null
done
psql_ -d "$db" -c "CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, dirty BOOLEAN NOT NULL); INSERT INTO schema_migrations VALUES ($files, false);" >/dev/null

start=$(date +%s.%N)
set +e
"$bin" reconcile --database-url "postgres://postgres@127.0.0.1:5432/$db" \
  --migrations "$work/migrations" --tracker golang-migrate --format json > "$work/report.json"
code=$?
set -e
end=$(date +%s.%N)

python3 - "$work/report.json" "$start" "$end" "$tables" "$code" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
statuses = {}
for m in report["migrations"]:
    statuses[m["status"]] = statuses.get(m["status"], 0) + 1
print(f"tables: {sys.argv[4]}  migrations: {len(report['migrations'])}  statuses: {statuses}")
print(f"live objects: {report['database']['objects']}  queries: {report['database']['queries']}  findings: {len(report['findings'])}  exit: {sys.argv[5]}")
print(f"wall time: {float(sys.argv[3]) - float(sys.argv[2]):.2f} s  phases (ms): {report.get('timings_ms')}")
PY
