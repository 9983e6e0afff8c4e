#!/usr/bin/env bash
# Memory benchmark: peak RSS of `preflight lint` (json, human, sarif) and squawk on generated
# PostgreSQL files of 100,000 and 1,000,000 statements (bench/gen_statements.py), side by side.
#   bench/memory.sh                       # sizes 100000 1000000
#   SIZES="100000" bench/memory.sh
#   BEFORE=/path/to/old/preflight bench/memory.sh   # also an older build, for comparison
# Needs: a release build without the AWS feature (done here), python3, /usr/bin/time (GNU time),
# squawk (pip install squawk-cli; the real binary is timed, not its pyenv shim).
# Peak RSS = /usr/bin/time -v "Maximum resident set size"; output goes to /dev/null.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${SIZES:-"100000 1000000"}
OUT=bench/out
mkdir -p "$OUT"
cargo build --release --no-default-features --quiet
PF=${PF:-${CARGO_TARGET_DIR:-target}/release/preflight}
SQUAWK=${SQUAWK:-$(command -v pyenv >/dev/null && pyenv which squawk 2>/dev/null || command -v squawk || true)}

# peak CMD… : "<max RSS in MB> <wall s>" of one run (a findings exit 1 is fine).
peak() {
  /usr/bin/time -v -o "$OUT/time-v.txt" "$@" >/dev/null 2>&1 || true
  awk -F': ' '/Maximum resident set size/ {rss=$2} /Elapsed \(wall clock\)/ {wall=$2}
    END {n=split(wall, p, ":"); s=p[n]+(n>1?p[n-1]*60:0)+(n>2?p[n-2]*3600:0); printf "%8.1f %8.2f", rss/1024, s}' "$OUT/time-v.txt"
}

printf '%-48s %10s %10s\n' "run" "peak MB" "wall s"
for n in $SIZES; do
  # Each file in its own directory: lint reads the sibling files to detect the migration tool.
  mkdir -p "$OUT/mem-$n"
  file="$OUT/mem-$n/stmts.sql"
  [ -f "$file" ] || python3 bench/gen_statements.py "$n" > "$file"
  size=$(du -m "$file" | cut -f1)
  for format in json human sarif; do
    printf '%-48s %s\n' "preflight --format $format  $n stmts (${size} MB)" "$(peak "$PF" --color never lint --format "$format" "$file")"
  done
  if [ -n "${BEFORE:-}" ]; then
    printf '%-48s %s\n' "before: preflight --format json  $n stmts" "$(peak "$BEFORE" lint --format json "$file")"
  fi
  if [ -n "$SQUAWK" ]; then
    for reporter in json gcc; do
      printf '%-48s %s\n' "squawk --reporter $reporter  $n stmts" "$(peak "$SQUAWK" --reporter "$reporter" "$file")"
    done
  else
    echo "squawk not installed (pip install squawk-cli): comparison skipped"
  fi
done
