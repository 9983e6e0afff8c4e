#!/usr/bin/env bash
# Output identity of two preflight builds: the lint (json, human, sarif) and
# `fix --diff --unsafe-fixes` output and exit code of each corpus group and of extra files,
# byte-compared. A performance change must not change what preflight prints.
#   bench/identity.sh OLD_BINARY NEW_BINARY [EXTRA.sql…]
# Groups: each project and dialect of $CORPUS/MANIFEST.tsv (cockroach and generic linted as
# postgres), its files linted together with --dialect (JSON in the other dialects too). Prints
# one line per differing run and a count; exits 1 if any run differs.
set -uo pipefail
OLD=$1 NEW=$2
shift 2
CORPUS=${CORPUS:-/work/shared/corpus}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

runs=0 differ=0
# compare NAME ARGS… : runs both builds with ARGS (from the corpus directory), compares output.
compare() {
  local name=$1
  shift
  for side in old new; do
    local bin=$OLD
    [ "$side" = new ] && bin=$NEW
    (cd "$CORPUS" && "$bin" "$@" >"$WORK/$side.out" 2>"$WORK/$side.err"; echo "exit $?" >>"$WORK/$side.err")
  done
  runs=$((runs + 1))
  if ! cmp -s "$WORK/old.out" "$WORK/new.out" || ! cmp -s "$WORK/old.err" "$WORK/new.err"; then
    differ=$((differ + 1))
    echo "DIFFERS: $name"
  fi
}

# One file list per project and dialect.
awk -F'\t' 'NR > 1 {
  split($1, p, "/"); d = $3
  if (d == "cockroach" || d == "generic") d = "postgres"
  print $1 > ("'"$WORK"'/" p[1] "." d ".list")
}' "$CORPUS/MANIFEST.tsv"

for list in "$WORK"/*.list; do
  group=$(basename "$list" .list)
  dialect=${group##*.}
  mapfile -t files <"$list"
  for format in json human sarif; do
    compare "$group lint $format" --color never lint --dialect "$dialect" --format "$format" "${files[@]}"
  done
  compare "$group fix" --color never fix --dialect "$dialect" --diff --unsafe-fixes "${files[@]}"
  # The splitter and the first pass differ by dialect: JSON in the other three as well.
  for other in postgres mysql mariadb sqlite; do
    [ "$other" = "$dialect" ] && continue
    compare "$group lint json as $other" lint --dialect "$other" --format json "${files[@]}"
  done
done

for extra in "$@"; do
  extra=$(realpath "$extra")
  for format in json human sarif; do
    compare "$extra lint $format" --color never lint --format "$format" "$extra"
  done
  compare "$extra fix" --color never fix --diff --unsafe-fixes "$extra"
done

echo "$runs runs compared, $differ differ"
[ "$differ" -eq 0 ]
