#!/usr/bin/env bash
# Lint benchmark: preflight vs squawk on the same inputs, in the same run.
#   bench/lint.sh            # needs: a release build (done here), python3, squawk (pip install squawk-cli)
#   INSTRUCTIONS=1 bench/lint.sh   # also count instructions of the 20k runs under callgrind (slow; exact
#                                  # and repeatable, unlike CPU time on a shared VM)
# Prints CPU seconds (user+sys, all threads) per run: the median of $RUNS runs. Inputs:
#   - a generated 20,000-statement PostgreSQL file (bench/gen_statements.py)
#   - the whole real-world corpus in ../shared/corpus (6,916 files), each with its MANIFEST dialect
#   - 10k / 20k / 40k statements in human format, to show output cost is linear in input size
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-7}
CORPUS=${CORPUS:-../shared/corpus}
OUT=bench/out
mkdir -p "$OUT"

cargo build --release --no-default-features --quiet
PF=${CARGO_TARGET_DIR:-target}/release/preflight

for n in 10000 20000 40000; do python3 bench/gen_statements.py $n > "$OUT/stmts-$n.sql"; done

# cpu CMD… : CPU seconds of one run, the median of $RUNS runs (a shared VM has outliers; the
# median ignores them): `perf stat` task-clock (millisecond precision), or /usr/bin/time's user+sys
# (10 ms resolution) without perf. Output is discarded; a findings exit 1 is fine.
if perf stat -x, -e task-clock true >/dev/null 2>&1; then
  one_run() { perf stat -x, -e task-clock "$@" 2>&1 >/dev/null | awk -F, '/task-clock/ {print $1/1000}'; }
else
  one_run() {
    /usr/bin/time -o "$OUT/time.txt" -f '%U %S' "$@" >/dev/null 2>&1 || true
    awk '{print $1+$2}' "$OUT/time.txt"
  }
fi
cpu() {
  for _ in $(seq "$RUNS"); do one_run "$@"; done | sort -g | awk '{v[NR]=$1} END {printf "%.3f", v[int((NR+1)/2)]}'
}

# squawk from pip sits behind a pyenv shim (a shell script, ~50 ms per call): time the real binary.
SQUAWK=$(command -v pyenv >/dev/null && pyenv which squawk 2>/dev/null || command -v squawk || true)

printf '%-58s %10s\n' "run" "cpu (s)"
row() { printf '%-58s %10s\n' "$1" "$(cpu "${@:2}")"; }
# instructions CMD… : instructions executed, counted by callgrind (exact for a given binary and input).
instructions() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null | awk '/Collected/ {print $4}'
}

row "preflight lint --format json   20k statements" "$PF" lint --format json "$OUT/stmts-20000.sql"
row "preflight lint --format human  20k statements" "$PF" --color never lint "$OUT/stmts-20000.sql"
if [ -n "$SQUAWK" ]; then
  for r in json gcc tty; do
    row "squawk --reporter $r            20k statements" "$SQUAWK" --reporter "$r" "$OUT/stmts-20000.sql"
  done
else
  echo "squawk not installed (pip install squawk-cli): comparison skipped"
fi
for n in 10000 20000 40000; do
  row "preflight lint --format human  ${n} statements" "$PF" --color never lint "$OUT/stmts-$n.sql"
done

if [ -f "$CORPUS/MANIFEST.tsv" ]; then
  # One preflight process per dialect over all of that dialect's files.
  corpus_all() {
    for d in postgres mysql sqlite; do
      awk -F'\t' -v d="$d" 'NR>1 && ($3==d || (d=="postgres" && ($3=="cockroach" || $3=="generic"))) {print $1}' "$CORPUS/MANIFEST.tsv" \
        | (cd "$CORPUS" && xargs "$PF" lint --format json --fail-on never --dialect "$d") >/dev/null
    done
  }
  export -f corpus_all; export PF CORPUS
  start=$(date +%s.%N)
  row "preflight lint, whole corpus (6,916 files), cpu" bash -c corpus_all
  end=$(date +%s.%N)
  echo "whole corpus wall time for $RUNS runs: $(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.2f", b-a}') s"
fi

if [ "${INSTRUCTIONS:-0}" = 1 ]; then
  echo
  printf '%-58s %14s\n' "run (callgrind)" "instructions"
  irow() { printf '%-58s %14s\n' "$1" "$(instructions "${@:2}")"; }
  irow "preflight lint --format json   20k statements" "$PF" lint --format json "$OUT/stmts-20000.sql"
  irow "preflight lint --format human  20k statements" "$PF" --color never lint "$OUT/stmts-20000.sql"
  if [ -n "$SQUAWK" ]; then
    for r in json gcc; do
      irow "squawk --reporter $r            20k statements" "$SQUAWK" --reporter "$r" "$OUT/stmts-20000.sql"
    done
  fi
fi
