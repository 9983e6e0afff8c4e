#!/usr/bin/env sh
# Parity over generated snapshots of 200 services x 3 environments (files read and parsed,
# every check run, matrix built). Goal: under 200 ms. Prints the best of 5 runs.
set -eu
cd "$(dirname "$0")/.."
exec cargo test --release --no-default-features --test parity_bench -- --ignored --nocapture
