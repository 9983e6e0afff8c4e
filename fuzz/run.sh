#!/usr/bin/env bash
# Builds the cargo-fuzz targets, seeds them from the real-world corpus (fuzz/seed.py, at run
# time, never committed) and runs each for SECONDS (default 60). Exits non-zero on the first
# target that crashes, times out or runs out of memory, naming the input that did it.
#
#   fuzz/run.sh [SECONDS] [TARGET...]        # targets: lexer lint fix (default: all)
#
# Environment: FUZZ_TARGET_DIR (build, default ~/.cache/preflight/fuzz-target, outside the
# clone so CI reuses it), PREFLIGHT_CORPUS (the real-world corpus, as for the tests; default
# ../shared/corpus next to the repository).
# Corpus and crash inputs go to fuzz/corpus/<target>/ and fuzz/artifacts/<target>/ (gitignored).
#
# Why RUSTC_BOOTSTRAP=1: cargo-fuzz passes nightly-only flags (-Cpasses=sancov-module, -Z
# sanitizer options) and only the stable toolchain is installed; RUSTC_BOOTSTRAP lets stable
# rustc take them. Why --sanitizer none: the code under test is safe Rust (the fuzz binaries
# do not link mimalloc), so AddressSanitizer would find nothing Rust's own checks do not, at
# about twice the run time and a second instrumented build; panics, debug assertions and
# overflow checks (on: cargo-fuzz's default build) are what fail here.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(lexer lint fix)
export RUSTC_BOOTSTRAP=1
target_dir=${FUZZ_TARGET_DIR:-$HOME/.cache/preflight/fuzz-target}
if ! command -v cargo-fuzz >/dev/null; then
  echo "run.sh: cargo-fuzz is not installed: cargo install cargo-fuzz --locked" >&2
  exit 2
fi

# 16 codegen units (cargo-fuzz's default is 1): the build is the slow part of a short run.
if ! cargo fuzz build --sanitizer none --codegen-units 16 --target-dir "$target_dir" 2>&1 |
  { grep -vE '^ *(Compiling|Fresh|Running) ' || true; }; then
  echo "run.sh: the fuzz build failed" >&2
  exit 2
fi
python3 seed.py

bin_dir="$target_dir/x86_64-unknown-linux-gnu/release"
for target in "${targets[@]}"; do
  mkdir -p "corpus/$target" "artifacts/$target"
  log="artifacts/$target/last-run.log"
  echo "== fuzz $target for ${seconds}s"
  status=0
  "$bin_dir/$target" "corpus/$target" -artifact_prefix="artifacts/$target/" \
    -max_total_time="$seconds" -max_len=16384 -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 >"$log" 2>&1 || status=$?
  grep -E '^stat::number_of_executed_units|^#[0-9]+ +DONE' "$log" || true
  if [ "$status" -ne 0 ]; then
    grep -E 'panicked|^SUMMARY|Test unit written|^==[0-9]+== ERROR' "$log" >&2 || tail -40 "$log" >&2
    echo "fuzz $target failed (exit $status): full log fuzz/$log; the input is the file named above." >&2
    echo "Reproduce: $bin_dir/$target <input>; minimize: cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz tmin --sanitizer none $target <input>" >&2
    exit 1
  fi
done
echo "fuzz: ${targets[*]} ran ${seconds}s each without a failure"
