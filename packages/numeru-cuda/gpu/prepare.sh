#!/usr/bin/env bash
# Run HERE (a machine with pip and network), from the repository root, before a device run:
# builds wheels of the numeru packages the GPU checks need, plus the one dependency the lent
# GPU machines lack (array-api-compat), into .whl/ (git-ignored), for check.sh to install
# there. Those machines have Python 3.12, CuPy (cuda13x), PyTorch, NumPy, Numba, SciPy,
# pluggy, ml-dtypes, threadpoolctl, hypothesis and pytest, and cannot download anything.
set -euo pipefail
rm -rf .whl && mkdir -p .whl
for package in numeru-core numeru-linalg numeru-ml numeru-dl numeru-cuda; do
    uv build --quiet --wheel --out-dir .whl "packages/$package"
done
python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.12 \
    --implementation cp --platform manylinux2014_x86_64 -d .whl "array-api-compat>=1.9"
ls -l .whl
