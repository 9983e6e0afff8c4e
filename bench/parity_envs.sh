#!/usr/bin/env sh
# Live parity of three environments against moto, every AWS call delayed 100 ms by the fault
# proxy (tests/common_faults), against one environment alone: environments are read
# concurrently, so three should cost about one. Needs moto_server and python3 with boto3.
# Latency is the proxy's delay, not CPU, so the debug build measures the same as release.
set -eu
cd "$(dirname "$0")/.."
exec cargo test --test parity_faults -- --ignored --nocapture bench_three_environments_cost_about_one
