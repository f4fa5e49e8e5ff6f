"""What numeru-cuda registers, checked without a GPU: names, signatures, the softmax and
cross-entropy source compiled as C (against numeru-dl's CPU ops), the host-side error reporting
of the linalg kernels, and no-GPU errors."""

from __future__ import annotations

import ctypes
import inspect
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import numeru.core as nm
from numeru.core import dispatch
from numeru.core.errors import DeviceError
from numeru.cuda import plugin
from numeru.cuda._kernels import linalg as cuda_linalg
from numeru.cuda._kernels import softmax as cuda_softmax


def _cuda_kernels() -> dict[str, str]:
    kernels = nm.registry("kernels")
    return {op: kernels.provider((op, "cuda")) for op, backend in kernels.names()
            if backend == "cuda"}


# -- registration ------------------------------------------------------------------------------

def test_random_kernels_are_registered_under_the_core_op_names():
    from numeru.core.random import ops

    registered = _cuda_kernels()
    for o in (ops.RANDOM_BITS, ops.RANDOM_UNIFORM, ops.RANDOM_NORMAL, ops.RANDOM_LEMIRE):
        assert registered[o.name] == "numeru-cuda"


def test_softmax_kernels_serve_the_ops_numeru_dl_declares():
    pytest.importorskip("numeru.dl")
    from numeru.dl.ops import activation, loss

    registered = _cuda_kernels()
    for o, kernel in ((activation.SOFTMAX, cuda_softmax.softmax),
                      (activation.LOG_SOFTMAX, cuda_softmax.log_softmax),
                      (loss.CROSS_ENTROPY, cuda_softmax.cross_entropy),
                      (loss.CROSS_ENTROPY_BACKWARD, cuda_softmax.cross_entropy_backward)):
        assert registered[o.name] == "numeru-cuda"
        generic = list(inspect.signature(o.generic).parameters.values())[1:]  # after xp
        mine = list(inspect.signature(kernel).parameters.values())
        assert [(p.name, p.kind) for p in mine] == [(p.name, p.kind) for p in generic]


def test_linalg_kernels_cover_numeru_linalg_ops_with_the_cpu_kernel_signatures():
    pytest.importorskip("numeru.linalg")
    from numeru.linalg import _cpu
    from numeru.linalg import plugin as linalg_plugin

    registered = _cuda_kernels()
    declared = dispatch.ops()
    for name in linalg_plugin.CPU_KERNELS:
        op_name = f"linalg.{name}"
        assert op_name in declared, op_name
        assert registered[op_name] == "numeru-cuda", op_name
        mine = inspect.signature(getattr(cuda_linalg, name)).parameters
        theirs = inspect.signature(getattr(_cpu, name)).parameters
        assert [(p.name, p.default) for p in mine.values()] == [
            (p.name, p.default) for p in theirs.values()], name


def test_every_cuda_kernel_is_an_op_that_exists_and_resolves_to_a_function():
    pytest.importorskip("numeru.dl")  # importing them declares their ops
    pytest.importorskip("numeru.linalg")
    declared = dispatch.ops()
    for op_name, reference in plugin.kernel_table().items():
        assert op_name in declared, op_name
        module, _, attribute = reference.partition(":")
        assert callable(getattr(__import__(module, fromlist=[attribute]), attribute))


def test_optional_kernels_follow_the_installed_distributions(monkeypatch):
    monkeypatch.setattr(plugin, "installed", lambda distribution: False)
    assert set(plugin.kernel_table()) == {"random_bits", "random_uniform", "random_normal",
                                          "random_lemire"}
    monkeypatch.setattr(plugin, "installed", lambda distribution: distribution == "numeru-dl")
    assert {"softmax", "log_softmax", "cross_entropy", "cross_entropy_backward"} <= set(
        plugin.kernel_table())
    assert not any(op.startswith("linalg.") for op in plugin.kernel_table())


def test_registration_imports_neither_numeru_dl_nor_numeru_linalg_nor_cupy():
    code = ("import sys, json, numeru.core as nm\n"
            "names = [list(k) for k in nm.registry('kernels').names() if k[1] == 'cuda']\n"
            "print(json.dumps({'kernels': names, 'modules': sorted(m for m in sys.modules if "
            "m.split('.')[0] == 'cupy' or m.startswith(('numeru.dl', 'numeru.linalg')))}))")
    env = {**os.environ, "NUMERU_PLUGINS": "numeru-cuda"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env=env).stdout
    found = json.loads(out)
    assert found["modules"] == []
    names = {op for op, _ in found["kernels"]}
    assert "random_normal" in names
    if plugin.installed("numeru-dl"):
        assert {"softmax", "log_softmax", "cross_entropy", "cross_entropy_backward"} <= names
    if plugin.installed("numeru-linalg"):
        assert {"linalg.solve", "linalg.gemm", "linalg.cholesky"} <= names


# -- without a GPU -------------------------------------------------------------------------------

def _reason() -> str | None:
    return nm.registry("backends").get("cuda").unavailable_reason()


def test_a_generator_on_cuda_without_a_gpu_raises_device_error_with_the_reason():
    reason = _reason()
    if reason is None:
        pytest.skip("a GPU is usable here: the cuda-marked tests cover this path")
    with pytest.raises(DeviceError, match="unavailable") as info:
        nm.random.Generator(0, device="cuda")
    assert reason[:30] in str(info.value)
    with pytest.raises(DeviceError, match="unavailable"):
        with nm.device("cuda"):
            pass


def test_cpu_work_with_the_cuda_kernels_registered_never_imports_cupy():
    """Dispatch looks kernels up per device: CPU draws and ops never reach a cuda kernel."""
    code = ("import sys, json, numeru.core as nm\n"
            "g = nm.random.Generator(1); g.normal(size=5); g.integers(0, 9, 4)\n"
            "nm.exp(nm.ones(3)).sum()\n"
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'cupy')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ, "NUMERU_PLUGINS": "numeru-cuda"}).stdout
    assert json.loads(out) == []


# -- the softmax and cross-entropy source, compiled as C -------------------------------------------

#: what softmax.cu takes from CUDA's headers besides the launch geometry
HELPERS = r"""
static float __int_as_float(unsigned int bits) { float f; memcpy(&f, &bits, 4); return f; }
static double __longlong_as_double(long long bits) { double d; memcpy(&d, &bits, 8); return d; }
"""
#: a grid of one block of one thread: each kernel's loops cover every row and column alone
ONE_THREAD = r"""
#include <math.h>
#include <string.h>
#define NM_EXTERN_C
#define __global__
#define __shared__ static
#define __syncthreads() ((void)0)
struct nm_dim3 { unsigned int x, y, z; };
static const struct nm_dim3 threadIdx = {0, 0, 0}, blockIdx = {0, 0, 0};
static const struct nm_dim3 blockDim = {1, 1, 1}, gridDim = {1, 1, 1};
"""
KERNEL_NAMES = [f"{name}_{suffix}" for name in ("nm_softmax", "nm_log_softmax",
                                                "nm_cross_entropy", "nm_cross_entropy_backward")
                for suffix in ("f32", "f64")]
#: the grid of the threaded build: fewer blocks than rows, so each block strides over rows
GRID_BLOCKS = 3


def _ctypes_args(args):
    """The launch arguments as C gets them: a pointer for an array, a scalar by its dtype."""
    converted = []
    for a in args:
        if isinstance(a, np.ndarray):
            assert a.flags.c_contiguous
            converted.append(ctypes.c_void_p(a.ctypes.data))
        elif isinstance(a, np.int64):
            converted.append(ctypes.c_longlong(int(a)))
        elif isinstance(a, np.float32):
            converted.append(ctypes.c_float(float(a)))
        else:
            assert isinstance(a, np.float64), type(a)
            converted.append(ctypes.c_double(float(a)))
    return converted


@pytest.fixture(scope="module")
def softmax_c(build_c):
    library = build_c("softmax_one_thread", ONE_THREAD + HELPERS + cuda_softmax.source())
    for name in KERNEL_NAMES:
        getattr(library, name).restype = None
    return library


@pytest.fixture(scope="module")
def softmax_grid(build_grid_c):
    library = build_grid_c("softmax_grid", HELPERS + cuda_softmax.source())
    for name in KERNEL_NAMES:
        getattr(library, name).restype = None
    return library


@pytest.fixture(params=["one thread", "blocks of threads"])
def launch(request, softmax_c, softmax_grid):
    """A ``launch`` for the kernels' host code (NumPy in place of CuPy) running the C build:
    one thread for everything, or the GPU's geometry (``threads_for(cols)`` threads per block,
    meeting at each ``__syncthreads``, so the shared-memory trees run) on GRID_BLOCKS blocks."""
    if request.param == "one thread":
        def run(name, rows, cols, args):
            getattr(softmax_c, name)(*_ctypes_args(args))
    else:
        def run(name, rows, cols, args):
            softmax_grid.run(name, min(rows, GRID_BLOCKS), cuda_softmax.threads_for(cols),
                             _ctypes_args(args))
    return run


def _rows(launch, x, log, axis=-1):
    """The GPU's host code for softmax, with NumPy for CuPy and a C build for the GPU."""
    return cuda_softmax.softmax_rows(np, launch, x, axis, log)


def _reference(x, log, axis=-1):
    shifted = x - x.max(axis=axis, keepdims=True)
    if log:
        return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    e = np.exp(shifted)
    return e / e.sum(axis=axis, keepdims=True)


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-13), (np.float32, 2e-6)])
@pytest.mark.parametrize("log", [False, True])
@pytest.mark.parametrize("shape", [(7, 13), (4, 100), (5, 700)])  # 32, 128, 256 threads a row
def test_softmax_source_computes_the_stable_formula(launch, dtype, rtol, log, shape):
    rng = np.random.default_rng(4)
    x = (rng.normal(size=shape) * 30).astype(dtype)
    x[2, 5] = 1e4 if dtype == np.float64 else 80.0  # exp would overflow without the shift
    got = _rows(launch, x, log)
    # log-softmax is (x - m) - log s: the rounding of x - m bounds its absolute error
    atol = 8 * np.finfo(dtype).eps * np.abs(x).max() if log else 1e-30
    np.testing.assert_allclose(got, _reference(x.astype(np.float64), log), rtol=rtol, atol=atol)
    assert np.isfinite(got).all()
    if not log:
        np.testing.assert_allclose(got.sum(axis=1), 1.0, rtol=10 * rtol)


def test_softmax_source_propagates_nan_and_handles_minus_infinity(launch):
    x = np.array([[1.0, np.nan, 2.0], [-np.inf, 0.0, 1.0]])
    got = _rows(launch, x, log=False)
    assert np.isnan(got[0]).all()
    np.testing.assert_allclose(got[1], _reference(x[1:], log=False)[0])
    assert got[1, 0] == 0.0


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-13), (np.float32, 2e-6),
                                         (np.float16, 1e-3)])
@pytest.mark.parametrize("log", [False, True])
def test_softmax_host_code_moves_the_axis_last_and_back(launch, dtype, rtol, log):
    x = (np.random.default_rng(6).normal(size=(5, 4, 3)) * 4).astype(dtype)
    for axis in (0, 1, -1):
        got = _rows(launch, x, log, axis=axis)
        assert got.dtype == dtype and got.shape == x.shape
        np.testing.assert_allclose(got.astype(np.float64),
                                   _reference(x.astype(np.float64), log, axis), rtol=rtol,
                                   atol=rtol)


def test_threads_per_row_are_a_power_of_two_from_a_warp_to_the_maximum():
    assert [cuda_softmax.threads_for(c) for c in (1, 32, 33, 200, 256, 10_000)] == [
        32, 32, 64, 256, 256, 256]


CE_CASES = {
    "plain": ((9, 7), {}, False),
    "weights_ignore_smoothing": ((9, 7), {"label_smoothing": 0.2, "ignore_index": 4}, True),
    "full_smoothing": ((5, 3), {"label_smoothing": 1.0}, True),
    "spatial": ((3, 5, 2, 4), {"label_smoothing": 0.1, "ignore_index": -100}, True),
    "one_class": ((4, 1), {"label_smoothing": 0.3}, False),
    "idle_threads": ((6, 100), {}, False),  # 128 threads a row, 28 without a class
    "wide": ((5, 600), {"label_smoothing": 0.1, "ignore_index": 2}, True),  # 256 threads
}


def _ce_inputs(shape, options, weighted, dtype, seed=5):
    rng = np.random.default_rng(seed)
    x = (rng.normal(size=shape) * 10).astype(dtype)
    x[0, 0] = 1e4 if dtype == np.float64 else 80.0  # exp would overflow without the shift
    target = rng.integers(0, shape[1], (shape[0], *shape[2:]))
    ignore = options.get("ignore_index")
    if ignore is not None:
        target.reshape(-1)[::3] = ignore
    weight = rng.uniform(0.5, 2.0, shape[1]).astype(dtype) if weighted else None
    return x, target, weight


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-12), (np.float32, 2e-5)])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("case", sorted(CE_CASES))
def test_cross_entropy_source_matches_the_numeru_dl_cpu_op(launch, dtype, rtol, reduction,
                                                           case):
    """The host code of the kernels (layout, reductions, the mean's scale) with softmax.cu
    built as C, against numeru-dl's CPU op: the loss and its backward."""
    pytest.importorskip("numeru.dl")
    from numeru.dl.ops import loss

    shape, options, weighted = CE_CASES[case]
    options = {"ignore_index": -100, "label_smoothing": 0.0, **options, "reduction": reduction}
    x, target, weight = _ce_inputs(shape, options, weighted, dtype)
    got = cuda_softmax.cross_entropy_rows(np, launch, x, target, weight, **options)
    w = None if weight is None else nm.asarray(weight)
    expected = loss.cross_entropy(nm.asarray(x), nm.asarray(target), w, **options).numpy()
    assert np.asarray(got).dtype == dtype and np.shape(got) == expected.shape
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=rtol)
    assert np.isfinite(got).all()

    g = np.random.default_rng(1).normal(size=expected.shape).astype(dtype)
    got = cuda_softmax.cross_entropy_backward_rows(np, launch, x, target, weight, g, **options)
    expected = loss.cross_entropy_backward(nm.asarray(x), nm.asarray(target), w, nm.asarray(g),
                                           **options).numpy()
    assert got.dtype == dtype and got.shape == x.shape
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=rtol)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_cross_entropy_source_with_every_target_ignored_matches_the_cpu(launch, reduction):
    """A mean over no target is 0 / 0: a NaN loss with a zero gradient, as numeru-dl's CPU op
    and PyTorch give; a sum over none is 0 with a zero gradient."""
    pytest.importorskip("numeru.dl")
    from numeru.dl.ops import loss

    x, _, weight = _ce_inputs((4, 5), {}, True, np.float64)
    target = np.full(4, -100)
    options = {"ignore_index": -100, "label_smoothing": 0.1, "reduction": reduction}
    w = nm.asarray(weight)
    with np.errstate(invalid="ignore", divide="ignore"):
        got = cuda_softmax.cross_entropy_rows(np, launch, x, target, weight, **options)
        expected = loss.cross_entropy(nm.asarray(x), nm.asarray(target), w, **options).numpy()
        grad = cuda_softmax.cross_entropy_backward_rows(np, launch, x, target, weight,
                                                        np.ones(()), **options)
        expected_grad = loss.cross_entropy_backward(nm.asarray(x), nm.asarray(target), w,
                                                    nm.asarray(1.0), **options).numpy()
    np.testing.assert_array_equal(got, expected)  # NaN for the mean, 0 for the sum
    np.testing.assert_array_equal(grad, expected_grad)
    assert (grad == 0).all()


def test_cross_entropy_source_handles_infinities_nan_and_bad_targets(launch):
    pytest.importorskip("numeru.dl")
    from numeru.dl.ops import loss

    x = np.array([[-np.inf, 0.0, 1.0, -np.inf], [1.0, np.nan, 2.0, 0.0],
                  [-np.inf, -np.inf, 3.0, 2.0], [0.5, 0.25, 0.0, 1.0]])
    target = np.array([1, 0, 2, 3])
    options = {"ignore_index": -100, "reduction": "none", "label_smoothing": 0.0}
    got = cuda_softmax.cross_entropy_rows(np, launch, x, target, None, **options)
    with np.errstate(invalid="ignore"):
        expected = loss.cross_entropy(nm.asarray(x), nm.asarray(target), None,
                                      **options).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-14)  # NaN where the CPU has NaN
    assert np.isnan(got[1]) and np.isfinite(got[[0, 2, 3]]).all()
    smooth = {**options, "label_smoothing": 0.1}
    got = cuda_softmax.cross_entropy_rows(np, launch, x, target, None, **smooth)
    assert got[0] == np.inf and got[2] == np.inf and np.isfinite(got[3])  # -inf logits, smoothed
    g = np.ones(4)
    got = cuda_softmax.cross_entropy_backward_rows(np, launch, x, target, None, g, **options)
    with np.errstate(invalid="ignore"):
        expected = loss.cross_entropy_backward(nm.asarray(x), nm.asarray(target), None,
                                               nm.asarray(g), **options).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-14)
    # A target that is neither a class nor ignore_index (numeru-dl refuses it before the op).
    bad = cuda_softmax.cross_entropy_rows(np, launch, x, np.array([1, 0, 7, -1]), None,
                                          **options)
    assert np.isnan(bad[2:]).all() and np.isfinite(bad[0])


# -- host-side error reporting of the linalg kernels ----------------------------------------------

def test_linalg_errors_say_what_numeru_linalg_says_on_the_cpu():
    checks = pytest.importorskip("numeru.linalg._checks")
    cases = [
        (cuda_linalg.singular("solve", (2, 3), 4, 1), checks.singular("solve", (2, 3), 4, 1)),
        (cuda_linalg.singular("lu_solve", (), 0, 2, name="lu"),
         checks.singular("lu_solve", (), 0, 2, name="lu")),
        (cuda_linalg.singular_triangular("cho_solve", (3,), 2, 0, name="c"),
         checks.singular_triangular("cho_solve", (3,), 2, 0, name="c")),
        (cuda_linalg.not_positive_definite("cholesky", (2,), 1, 3),
         checks.not_positive_definite("cholesky", (2,), 1, 3)),
    ]
    for mine, theirs in cases:
        assert type(mine) is type(theirs) and str(mine) == str(theirs)
        assert mine.batch_index == theirs.batch_index


def test_zero_diagonals_and_failing_minors_are_located_on_the_host():
    diagonals = np.array([[1.0, 2.0, 3.0], [4.0, 0.0, 0.0], [0.0, 1.0, 1.0]])
    assert cuda_linalg.first_zero_diagonal(diagonals) == (1, 1)
    assert cuda_linalg.first_zero_diagonal(np.ones((2, 3))) is None
    assert cuda_linalg.first_zero_diagonal(np.ones((0, 3))) is None
    spd = np.diag([4.0, 3.0, 2.0, 1.0])
    for order in (1, 2, 3, 4):
        broken = spd.copy()
        broken[order - 1, order - 1] = -1.0
        assert cuda_linalg.first_failing_minor(broken) == order


def test_the_benchmark_script_exits_cleanly_without_a_gpu():
    if _reason() is None:
        pytest.skip("a GPU is usable here: the script would measure (never in the test suite)")
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_cuda.py"
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "no usable GPU, nothing measured" in result.stdout
