#!/usr/bin/env bash
# make bench: runs the planner and executor benchmarks against private
# engines and a private registry, the journal micro-benchmark, and the DTR
# and Harbor plans against their doubles, and prints their figures (copy
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
echo "== DTR: bench/dtr.sh (the double)"
bash bench/dtr.sh
echo "== Harbor: bench/harbor.sh (the double)"
bash bench/harbor.sh
