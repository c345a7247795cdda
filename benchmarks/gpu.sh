#!/usr/bin/env bash
# Every GPU check of zero in one go, on a machine with an NVIDIA GPU; results under $OUT
# (default gpu-results/). About 10 minutes with warm caches; each step's output is kept even if
# a later one fails.
#
#   1. the GPU tests (pytest -m gpu: parity with the oracle on 2 x 1,000 random programs, the
#      batched search on the GPU against the CPU, each baseline on CUDA);
#   2. zero bench (GPU rows beside the one-core rows of the same run);
#   3. the demo searched to solution on the GPU and on one CPU core, seeds 31-33 (time to solution);
#   4. MAML, first-order MAML and Reptile at their full budgets on sinusoid, and NAS on
#      digits_binary, with --device cuda (the CPU figures are in docs/results.md).
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-gpu-results}
mkdir -p "$OUT"
PY=.venv/bin/python
ZERO=.venv/bin/zero
nvidia-smi -L | tee "$OUT/device.txt"
$PY -m pytest -m gpu -q -p no:cacheprovider tests/test_gpu.py 2>&1 | tail -20 | tee "$OUT/tests.txt"
$ZERO bench --json > "$OUT/bench.json" 2> "$OUT/bench.err"
for seed in 31 32 33; do
  for device in cuda cpu; do
    /usr/bin/time -f "%e s wall" $ZERO run linear_regression --device "$device" --workers 1 --seed "$seed" --json \
      --out "$OUT/demo-$device-s$seed" > "$OUT/demo-$device-s$seed.json" 2> "$OUT/demo-$device-s$seed.err"
  done
done
for name in maml fomaml reptile; do
  $ZERO baseline "$name" sinusoid --device cuda --budget full --out "$OUT/$name-sinusoid" > "$OUT/$name.txt" 2>&1
done
$ZERO baseline nas_evolution digits_binary --device cuda --budget full --out "$OUT/nas-digits" > "$OUT/nas.txt" 2>&1
echo "results in $OUT"
