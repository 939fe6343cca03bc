#!/usr/bin/env bash
# make bench: runs the planner and executor benchmarks against private
# engines and prints their figures (copy them into docs/benchmarks.md).
set -eu
cd "$(dirname "$0")/.."
echo "== planner: bench/plan_bench.sh"
bash bench/plan_bench.sh
echo "== executor: bench/apply_bench.sh"
bash bench/apply_bench.sh
