"""The Philox kernel source, compiled as plain C on this machine, gives numeru.core's bits.

``philox.cu`` is the only copy of the GPU random kernels. Here the same text is compiled by
the system C compiler, with small #define shims standing in for CUDA's keywords and a grid of
one thread (so each kernel's grid-stride loop runs every block), and its outputs are compared
bit for bit with numeru.core.random: the Random123 known answers, the generic Array API code
and the Generator's draws. A second build runs each kernel with real launch geometries (the
threads of each block as OS threads, see conftest.GridLibrary) and must give the same bits.
No GPU is needed; the GPU tests compare the compiled kernel too.
"""

from __future__ import annotations

import ctypes
import re

import numpy as np
import pytest

import numeru.core as nm
from numeru.core import plugins
from numeru.core.backends import CPUBackend
from numeru.core.hookspecs import hookimpl
from numeru.core.random import ops as core_ops
from numeru.core.random import transforms as T
from numeru.core.random.philox import KNOWN_ANSWERS, blocks
from numeru.cuda._kernels import philox

KAT = KNOWN_ANSWERS  # Random123's known answers for Philox4x32-10

# Keys and 128-bit start counters (low, high 64 bits), including a carry into the high half.
STATES = [
    ((0, 0), (0, 0)),
    ((0x01234567, 0x89ABCDEF), (12345, 0)),
    ((0xDEADBEEF, 0x12345678), (2**64 - 3, 5)),
    ((7, 0xFFFFFFFF), (2**64 - 1, 2**64 - 1)),
]

# What CUDA provides and plain C does not: a grid of one thread of one block.
SHIM = r"""
#include <math.h>
#define NM_EXTERN_C
#define __device__ static
#define __global__
struct nm_dim3 { unsigned int x, y, z; };
static const struct nm_dim3 threadIdx = {0, 0, 0}, blockIdx = {0, 0, 0};
static const struct nm_dim3 blockDim = {1, 1, 1}, gridDim = {1, 1, 1};
"""

U64, U32 = ctypes.c_uint64, ctypes.c_uint32
PTR = ctypes.c_void_p
SIGNATURES = {
    "nm_random_bits": [PTR, U64, U64, U64, U32, U32],
    "nm_uniform64": [PTR, U64, U64, U64, U32, U32, ctypes.c_double, ctypes.c_double],
    "nm_uniform32": [PTR, U64, U64, U64, U32, U32, ctypes.c_float, ctypes.c_float],
    "nm_normal64": [PTR, U64, U64, U64, U32, U32, ctypes.c_double, ctypes.c_double],
    "nm_normal32": [PTR, U64, U64, U64, U32, U32, ctypes.c_float, ctypes.c_float],
    "nm_lemire": [PTR, PTR, U64, U64, U64, U32, U32, U64, U64, U64],
}


@pytest.fixture(scope="module")
def lib(build_c):
    library = build_c("philox_shim", SHIM + philox.source())
    for name, argtypes in SIGNATURES.items():
        getattr(library, name).argtypes = argtypes
        getattr(library, name).restype = None
    return library


@pytest.fixture(scope="module")
def grid_lib(build_grid_c):
    """The same source built to run with a GPU launch geometry (see conftest.GridLibrary)."""
    library = build_grid_c("philox_grid", philox.source())
    for name, argtypes in SIGNATURES.items():
        getattr(library, name).argtypes = argtypes
        getattr(library, name).restype = None
    return library


def c_execute(lib):
    """Run a ``philox.Launch`` through the C build: what CuPy does with the compiled kernel."""

    def execute(launch):
        outputs = tuple(np.zeros(size, dtype=dtype) for size, dtype in launch.outputs)
        scalars = [int(v) if isinstance(v, np.integer) else float(v) for v in launch.scalars]
        getattr(lib, launch.kernel)(*(o.ctypes.data for o in outputs), *scalars)
        return outputs[0] if len(outputs) == 1 else outputs

    return execute


def c_op(lib, op_name, **params):
    return philox.op_kernel(op_name, c_execute(lib))(**params)


def c_bits(lib, key, counter, n_blocks):
    return c_op(lib, "random_bits", key=key, counter=counter, n_blocks=n_blocks)


def c_uniform(lib, key, counter, n, dtype_name, low=0.0, scale=1.0):
    return c_op(lib, "random_uniform", key=key, counter=counter, n=n, dtype_name=dtype_name,
                low=low, scale=scale)


def c_normal(lib, key, counter, n, dtype_name, loc=0.0, scale=1.0):
    return c_op(lib, "random_normal", key=key, counter=counter, n=n, dtype_name=dtype_name,
                loc=loc, scale=scale)


def c_lemire(lib, key, counter, n, span, threshold, offset):
    return c_op(lib, "random_lemire", key=key, counter=counter, n=n, span=span,
                threshold=threshold, offset=offset)


def _same_bits(got: np.ndarray, expected: np.ndarray) -> None:
    assert got.dtype == expected.dtype and got.shape == expected.shape
    unsigned = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}[got.dtype.itemsize]
    np.testing.assert_array_equal(got.view(unsigned), np.ascontiguousarray(expected).view(
        unsigned))


# -- the source itself -----------------------------------------------------------------------

def test_source_is_one_file_shipped_in_the_package():
    text = philox.source()
    for name in philox.KERNEL_NAMES:
        assert f"__global__ void {name}(" in text
    assert philox.source() is text  # read once


def _defines(text: str) -> dict[str, float]:
    found = {}
    for name, value in re.findall(r"^#define (NM_\w+) \(?(-?\d[0-9.e+-]*)f?\)?$", text, re.M):
        found[name] = float(value)
    return found


def test_constants_are_exactly_the_core_transforms_constants():
    d = _defines(philox.source())
    assert [d[f"NM_L{i}"] for i in range(11)] == list(T.LOG_COEFFS)
    assert [d[f"NM_C{i}"] for i in range(9)] == list(T.COS_COEFFS)
    assert [d[f"NM_S{i}"] for i in range(9)] == list(T.SIN_COEFFS)
    assert (d["NM_LN2_HI"], d["NM_LN2_LO"], d["NM_SQRT2"], d["NM_PI_2"]) == (
        T.LN2_HI, T.LN2_LO, T.SQRT2, T.PI_2)
    assert (d["NM_TWO_M51"], d["NM_TWO_M22"], d["NM_TWO_M52"], d["NM_TWO_M53"]) == (
        2.0**-51, 2.0**-22, 2.0**-52, T.TWO_M53)
    assert np.float32(d["NM_TWO_M24_F"]) == np.float32(T.TWO_M24)


def test_nvrtc_options_forbid_contraction_and_fast_math():
    assert "--fmad=false" in philox.NVRTC_OPTIONS
    assert not any("fast" in option for option in philox.NVRTC_OPTIONS)


# -- bits ----------------------------------------------------------------------------------

@pytest.mark.parametrize("counter, key, expected", KAT)
def test_known_answers(lib, counter, key, expected):
    c_lo, c_hi = counter[0] | counter[1] << 32, counter[2] | counter[3] << 32
    assert c_bits(lib, key, (c_lo, c_hi), 1).tolist() == list(expected)


@pytest.mark.parametrize("key, counter", STATES)
def test_bits_match_the_core_generic_code(lib, key, counter):
    expected = core_ops._bits_generic(np, key=key, counter=counter, n_blocks=37)
    _same_bits(c_bits(lib, key, counter, 37), expected)
    words = blocks(np, key, counter, 5)
    assert c_bits(lib, key, counter, 5).reshape(5, 4).T.tolist() == [w.tolist() for w in words]


# -- derived distributions ------------------------------------------------------------------

@pytest.mark.parametrize("key, counter", STATES)
@pytest.mark.parametrize("dtype_name", ["float64", "float32"])
@pytest.mark.parametrize("n", [1, 2, 3, 7, 64, 1001])
def test_uniforms_match_the_core_generic_code(lib, key, counter, dtype_name, n):
    for low, scale in ((0.0, 1.0), (-3.25, 7.5), (1e-3, 1e6)):
        expected = core_ops._uniform_generic(np, key=key, counter=counter, n=n,
                                             dtype_name=dtype_name, low=low, scale=scale)
        _same_bits(c_uniform(lib, key, counter, n, dtype_name, low, scale), expected)


@pytest.mark.parametrize("key, counter", STATES)
@pytest.mark.parametrize("dtype_name", ["float64", "float32"])
@pytest.mark.parametrize("n", [1, 2, 3, 5, 64, 2001])
def test_normals_match_the_core_generic_code(lib, key, counter, dtype_name, n):
    for loc, scale in ((0.0, 1.0), (2.5, 0.125), (-1e3, 3.0)):
        expected = core_ops._normal_generic(np, key=key, counter=counter, n=n,
                                            dtype_name=dtype_name, loc=loc, scale=scale)
        _same_bits(c_normal(lib, key, counter, n, dtype_name, loc, scale), expected)


def test_a_long_normal_draw_visits_every_branch_of_the_transforms(lib):
    """200 000 values: angles in all five rounded quarter turns (0..4) and radii on both sides
    of the sqrt(2) reduction, so every branch of nm_radius and nm_cos_sin is compared."""
    key, counter = (0x9E3779B9, 0x7F4A7C15), (0, 0)
    n = 200_000
    x0, x1, _, _ = blocks(np, key, counter, n // 4)
    angle = x1 >> np.uint64(8)
    assert set(((angle + np.uint64(2**21)) >> np.uint64(22)).tolist()) == {0, 1, 2, 3, 4}
    mantissa = ((x0 >> np.uint64(8)) + np.uint64(1)).astype(np.float64)
    scaled = mantissa / 2.0 ** np.floor(np.log2(mantissa))
    assert (scaled > T.SQRT2).any() and (scaled <= T.SQRT2).any()
    for dtype_name in ("float32", "float64"):
        expected = core_ops._normal_generic(np, key=key, counter=counter, n=n,
                                            dtype_name=dtype_name)
        _same_bits(c_normal(lib, key, counter, n, dtype_name), expected)


@pytest.mark.parametrize("key, counter", STATES)
@pytest.mark.parametrize("span", [1, 2, 3, 10, 1000, 2**31 + 5, 2**32])
@pytest.mark.parametrize("n", [1, 4, 6, 257])
def test_lemire_matches_the_core_generic_code(lib, key, counter, span, n):
    threshold = (2**32 - span) % span
    offset = (-17) % 2**64
    values, accepted = core_ops._lemire_generic(np, key=key, counter=counter, n=n, span=span,
                                                threshold=threshold, offset=offset)
    got_values, got_accepted = c_lemire(lib, key, counter, n, span, threshold, offset)
    np.testing.assert_array_equal(got_values, values.astype(np.uint64))
    np.testing.assert_array_equal(got_accepted, accepted)


# -- the Generator, end to end ---------------------------------------------------------------

class PhiloxCBackend(CPUBackend):
    """The CPU backend under another name, whose random ops are the C build of philox.cu,
    called through the same ``plan`` and kernel wrappers as on the GPU."""

    name = "philoxc"


@pytest.fixture(scope="module")
def philoxc(lib):
    run_c = c_execute(lib)

    def counted(launch):
        philoxc_launches.append(launch.kernel)
        return run_c(launch)

    kernels = {op: philox.op_kernel(op, counted) for op in philox.OP_NAMES}

    class Plugin:
        @hookimpl
        def register_backends(self, register):
            register(PhiloxCBackend())

        @hookimpl
        def register_kernels(self, register):
            for op_name, kernel in kernels.items():
                register(op_name, "philoxc", kernel)

    plugins.register(Plugin(), "test-philox-c")
    try:
        yield nm.device("philoxc")
    finally:
        plugins.unregister("test-philox-c")


philoxc_launches: list[str] = []


def _draws(gen):
    """A call sequence through every distribution the core draws from the four random ops."""
    return [
        gen.random_raw(9), gen.random(5), gen.random((2, 3), dtype=np.float32),
        gen.uniform(-2.0, 3.0, 7), gen.uniform(0.0, 1e-3, 5, dtype=np.float32),
        gen.normal(size=11), gen.normal(1.5, 0.25, (3, 3), dtype=np.float32),
        gen.standard_normal(4), gen.integers(0, 10, 17), gen.integers(-5, 2**40, 6),
        gen.integers(3, size=5, dtype=np.uint8), gen.integers(0, 2**32, 9, endpoint=True),
        gen.bernoulli(0.3, 12), gen.permutation(13), gen.choice(50, 6, replace=False),
        gen.choice(4, 8, p=[0.1, 0.2, 0.3, 0.4]), gen.random(1),
    ]


@pytest.mark.parametrize("seed", [0, 42, 2**64 - 1])
def test_a_generator_on_the_c_kernels_draws_the_cpu_bits(philoxc, seed):
    on_cpu = _draws(nm.random.Generator(seed, device="cpu"))
    philoxc_launches.clear()
    on_c = _draws(nm.random.Generator(seed, device=philoxc))
    assert set(philoxc_launches) == {"nm_random_bits", "nm_uniform64", "nm_uniform32",
                                     "nm_normal64", "nm_normal32", "nm_lemire"}
    for got, expected in zip(on_c, on_cpu, strict=True):
        assert got.device == philoxc
        _same_bits(got.numpy(), expected.numpy())
    child_cpu = nm.random.Generator(seed, device="cpu").spawn(2)[1]
    child_c = nm.random.Generator(seed, device=philoxc).spawn(2)[1]
    _same_bits(child_c.normal(size=33).numpy(), child_cpu.normal(size=33).numpy())


# -- launch geometry -------------------------------------------------------------------------

def _every_launch(n):
    state = {"key": (0x01234567, 0x89ABCDEF), "counter": (2**64 - 5, 3)}
    plans = [philox.plan("random_bits", n_blocks=n, **state),
             philox.plan("random_lemire", n=n, span=1000, threshold=296, offset=7, **state)]
    for dtype_name in ("float64", "float32"):
        plans.append(philox.plan("random_uniform", n=n, dtype_name=dtype_name, low=-2.0,
                                 scale=4.0, **state))
        plans.append(philox.plan("random_normal", n=n, dtype_name=dtype_name, loc=1.0,
                                 scale=0.5, **state))
    return plans


@pytest.mark.parametrize("geometry", [(1, 1), (2, 8), (3, 32), "the GPU's"])
def test_the_bits_do_not_depend_on_the_launch_geometry(lib, grid_lib, geometry):
    """Each kernel run as the GPU runs it, threads of blocks striding over the Philox blocks,
    gives the bits of the one-thread build (which the tests above hold to the CPU's)."""
    n = 2003  # a multiple of no block or grid size; 2 to 8 blocks in the GPU's geometry
    for launch in _every_launch(n):
        expected = c_execute(lib)(launch)
        expected = expected if isinstance(expected, tuple) else (expected,)
        outputs = tuple(np.zeros(size, dtype=dtype) for size, dtype in launch.outputs)
        grid, threads = philox.geometry(launch.n_blocks) if geometry == "the GPU's" else geometry
        scalars = [int(v) if isinstance(v, np.integer) else float(v) for v in launch.scalars]
        grid_lib.run(launch.kernel, grid, threads, [*(o.ctypes.data for o in outputs), *scalars])
        for got, want in zip(outputs, expected, strict=True):
            _same_bits(got, want)
