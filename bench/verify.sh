#!/usr/bin/env bash
# Cost of `preflight verify` against one plain apply of the same migrations on PostgreSQL.
#
#   bench/verify.sh [MIGRATIONS] [RUNS]
#
# Generates MIGRATIONS (default 200) migration files of 1–4 retry-safe statements each
# (CREATE TABLE, CREATE INDEX, ADD COLUMN, and every 4th a CREATE OR REPLACE VIEW; VIEWS=0
# leaves the views out), then times, best of RUNS (default 5):
#   plain apply: psql applying every file once, one session, one transaction (the cheapest
#     apply), into an existing database;
#   plain apply + database: the same with the CREATE DATABASE before and DROP DATABASE after
#     that verify's scratch database also costs (DROP DATABASE forces a server checkpoint, so
#     this part depends on everything else the server is writing);
#   verify: preflight verify (apply, apply again, every crash point, scratch database).
# Environment: PREFLIGHT_BIN (default: target/release/preflight, else target/debug/preflight
# under CARGO_TARGET_DIR), PGHOST/PGPORT/PGUSER (default 127.0.0.1/5432/postgres).
set -euo pipefail

count=${1:-200}
runs=${2:-5}
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
target=${CARGO_TARGET_DIR:-target}
bin=${PREFLIGHT_BIN:-}
if [[ -z $bin ]]; then
  if [[ -x $target/release/preflight ]]; then bin=$target/release/preflight; else bin=$target/debug/preflight; fi
fi
[[ -x $bin ]] || { echo "error: $bin not found; build preflight or set PREFLIGHT_BIN" >&2; exit 2; }

work=$(mktemp -d)
bench_db="preflight_bench_$$"
cleanup() {
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $bench_db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/migrations"
for ((i = 1; i <= count; i++)); do
  file=$(printf '%s/migrations/%05d_m%d.sql' "$work" "$i" "$i")
  {
    echo "CREATE TABLE IF NOT EXISTS t$i (id bigserial PRIMARY KEY, name text NOT NULL, owner_id bigint, created_at timestamptz NOT NULL DEFAULT now(), amount numeric(12,2) DEFAULT 0);"
    if ((i % 2 == 0)); then
      echo "CREATE INDEX IF NOT EXISTS t${i}_owner_idx ON t$i (owner_id);"
    fi
    if ((i % 3 == 0)); then
      echo "ALTER TABLE t$i ADD COLUMN IF NOT EXISTS note varchar(200);"
    fi
    if ((i % 4 == 0)) && [[ ${VIEWS:-1} != 0 ]]; then
      echo "CREATE OR REPLACE VIEW v$i AS SELECT id, name FROM t$i;"
    fi
  } >"$file"
done
statements=$(cat "$work"/migrations/*.sql | grep -c ';')
cat "$work"/migrations/*.sql >"$work/all.sql"

now() { date +%s.%N; }
best() { sort -g | head -1; }

plain_times=()
with_db_times=()
verify_times=()
proof_times=()
for ((r = 1; r <= runs; r++)); do
  start_db=$(now)
  psql -X -q -d postgres -c "CREATE DATABASE $bench_db" >/dev/null
  start=$(now)
  psql -X -q -v ON_ERROR_STOP=1 --single-transaction -d "$bench_db" -f "$work/all.sql" >/dev/null
  end=$(now)
  psql -X -q -d postgres -c "DROP DATABASE $bench_db" >/dev/null
  end_db=$(now)
  plain_times+=("$(echo "$end - $start" | bc)")
  with_db_times+=("$(echo "$end_db - $start_db" | bc)")

  start=$(now)
  "$bin" verify --dev-url "postgres://$PGUSER@$PGHOST:$PGPORT/postgres" --migrations "$work/migrations" --format json >"$work/verify.json"
  end=$(now)
  verify_times+=("$(echo "$end - $start" | bc)")
  proof_times+=("$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['timings_ms']['proof'] / 1000)" "$work/verify.json")")
done

plain=$(printf '%s\n' "${plain_times[@]}" | best)
with_db=$(printf '%s\n' "${with_db_times[@]}" | best)
verify=$(printf '%s\n' "${verify_times[@]}" | best)
proof=$(printf '%s\n' "${proof_times[@]}" | best)
crash_points=$(python3 -c "import json,sys; print(sum(m['crash_points']['possible'] for m in json.load(open(sys.argv[1]))['migrations']))" "$work/verify.json")
views=$(grep -c 'CREATE OR REPLACE VIEW' "$work/all.sql" || true)
printf 'migrations: %d (%d with a view)  statements: %d  crash points: %d  (best of %d runs, %s)\n' "$count" "$views" "$statements" "$crash_points" "$runs" "$bin"
printf 'plain apply (psql, one transaction): %.3f s\n' "$plain"
printf 'plain apply + CREATE/DROP DATABASE:  %.3f s\n' "$with_db"
printf 'preflight verify:                    %.3f s\n' "$verify"
printf '  of which the proof:                %.3f s\n' "$proof"
printf 'ratio verify / plain apply:          %.2f\n' "$(echo "$verify / $plain" | bc -l)"
printf 'ratio verify / plain apply + db:     %.2f\n' "$(echo "$verify / $with_db" | bc -l)"
printf 'ratio proof / plain apply:           %.2f\n' "$(echo "$proof / $plain" | bc -l)"
