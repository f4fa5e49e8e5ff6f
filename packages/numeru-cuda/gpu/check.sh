#!/usr/bin/env bash
# Run THERE, on a lent GPU machine, from the repository root, with .whl/ carried (made by
# prepare.sh): installs the wheels, then runs every test marked cuda and the GPU benchmark.
# Logs go to $OUT (the device tool brings them back): gpu.txt, info.txt, tests.log,
# junit.xml and bench.log. About 6 to 8 minutes; each step has its own time limit.
set -u
OUT=${OUT:-/tmp/numeru-gpu-out}
mkdir -p "$OUT"
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH=/tmp/site PYTHONUNBUFFERED=1 NUMBA_CACHE_DIR=/tmp/numba-cache \
    NUMERU_CUDA_CACHE_DIR=/tmp/numeru-cuda-cache
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv > "$OUT/gpu.txt" 2>&1
python3 -m numeru.core.cli info > "$OUT/info.txt" 2>&1
# The cuda-marked tests of every package (numeru-cuda's own, the core Tensor suite collected
# again on cuda, core's device tests); 120 s at most per test.
timeout 420 python3 -m pytest -q -m cuda -p no:cacheprovider --timeout=120 \
    --junitxml="$OUT/junit.xml" packages/numeru-core/tests packages/numeru-cuda/tests \
    > "$OUT/tests.log" 2>&1
echo "pytest exit status: $?" >> "$OUT/tests.log"
tail -n 25 "$OUT/tests.log"
timeout 150 python3 packages/numeru-cuda/benchmarks/bench_cuda.py > "$OUT/bench.log" 2>&1
echo "benchmark exit status: $?" >> "$OUT/bench.log"
cat "$OUT/bench.log"
