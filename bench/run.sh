#!/usr/bin/env bash
# make bench: runs the planner and executor benchmarks against private
# engines, and the journal micro-benchmark, and prints their figures (copy
# them into docs/benchmarks.md).
set -eu
cd "$(dirname "$0")/.."
echo "== planner: bench/plan.sh"
bash bench/plan.sh
echo "== executor: bench/apply.sh"
bash bench/apply.sh
echo "== executor: journal of 100,000 items ($BUILD/bench/journal)"
"${BUILD:-build}/bench/journal"
echo "== registry: bench/registry.sh"
bash bench/registry.sh
