"""The ``.cu`` sources compiled by NVRTC, the compiler the GPU path uses, on a machine without a
GPU: NVRTC is a library that needs no device or driver (CuPy's binding of it, and the
``nvidia-cuda-nvrtc-cu12`` wheel, are in the test extra).

Checked here: both sources compile warning-free for the architectures of the GPUs we target;
every kernel the host code launches is an unmangled entry whose parameters have the sizes and
kinds of the arguments the host code passes (CuPy passes NumPy scalars by their own dtype, so a
mismatch would silently misread them); the random kernels compile to correctly rounded IEEE
arithmetic with no fused multiply-add and no flush of subnormals, which their bit identity with
the CPU needs; and compiled images are cached on disk under a key of their inputs.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from numeru.core.errors import DeviceError
from numeru.cuda._kernels import _nvrtc
from numeru.cuda._kernels import philox as cuda_philox
from numeru.cuda._kernels import softmax as cuda_softmax

pytest.importorskip("cupy")  # and with it NVRTC (nvidia-cuda-nvrtc-cu12): the test extra

#: compute capabilities of the GPUs we target: T4, A100, H100 (NVRTC 12.9 deprecates sm_70)
CAPABILITIES = ("75", "80", "90")
SOURCES = {"philox.cu": cuda_philox.NVRTC_OPTIONS, "softmax.cu": ()}
#: PTX parameter types: (kind, bytes)
PTX_TYPES = {f"{p}{bits}": ("float" if p == "f" else "int", bits // 8)
             for p in "usbf" for bits in (8, 16, 32, 64) if not (p == "f" and bits == 8)}


@pytest.fixture(scope="module")
def ptx():
    """file name -> PTX text, compiled with the options the GPU path uses."""
    return {name: _nvrtc.compile_source(name, options, "-arch=compute_90")[0].decode()
            for name, options in SOURCES.items()}


def entries(text):
    """kernel name -> [(kind, bytes)] of its parameters, from PTX."""
    found = {}
    for name, params in re.findall(r"\.entry\s+(\w+)\s*\(([^)]*)\)", text):
        found[name] = [PTX_TYPES[t] for t in re.findall(r"\.param\s+\.(\w+)", params)]
    return found


def argument_types(args):
    """What CuPy passes for each launch argument: a device pointer for an array, a NumPy
    scalar by its dtype."""
    kinds = []
    for a in args:
        if isinstance(a, np.ndarray):
            kinds.append(("int", 8))
        else:
            assert isinstance(a, np.generic), f"a Python {type(a).__name__} would be passed"
            kinds.append(("float" if a.dtype.kind == "f" else "int", a.dtype.itemsize))
    return kinds


def philox_launches():
    """(kernel name, arguments) of every launch the random ops' host code makes."""
    state = {"key": (0x1234, 0xABCD), "counter": (7, 1)}
    plans = [cuda_philox.plan("random_bits", n_blocks=5, **state),
             cuda_philox.plan("random_lemire", n=9, span=10, threshold=6, offset=3, **state)]
    for dtype_name in ("float64", "float32"):
        plans.append(cuda_philox.plan("random_uniform", n=9, dtype_name=dtype_name, low=-1.0,
                                      scale=2.0, **state))
        plans.append(cuda_philox.plan("random_normal", n=9, dtype_name=dtype_name, loc=0.5,
                                      scale=3.0, **state))
    return [(p.kernel, (*(np.empty(size, dtype) for size, dtype in p.outputs), *p.scalars))
            for p in plans]


def softmax_launches():
    """(kernel name, arguments) of every launch the softmax and cross-entropy host code makes,
    recorded instead of run."""
    made = []

    def record(name, rows, cols, args):
        made.append((name, args))

    rng = np.random.default_rng(0)
    with np.errstate(all="ignore"):  # the outputs are never computed: only launches recorded
        _record_every_launch(record, rng)
    return made


def _record_every_launch(record, rng):
    for dtype in (np.float32, np.float64):
        x = rng.normal(size=(3, 4)).astype(dtype)
        target = np.array([0, 3, 1])
        for log in (False, True):
            cuda_softmax.softmax_rows(np, record, x, -1, log)
        for reduction in ("none", "mean"):
            g = np.ones(3 if reduction == "none" else (), dtype=dtype)
            cuda_softmax.cross_entropy_rows(np, record, x, target, None, ignore_index=-100,
                                            reduction=reduction, label_smoothing=0.1)
            cuda_softmax.cross_entropy_backward_rows(np, record, x, target, None, g,
                                                     ignore_index=-100, reduction=reduction,
                                                     label_smoothing=0.1)


@pytest.mark.parametrize("capability", CAPABILITIES)
@pytest.mark.parametrize("file_name", sorted(SOURCES))
def test_sources_compile_without_warnings_for_each_target_architecture(file_name, capability):
    arch, kind = _nvrtc.target(capability)
    assert (arch, kind) == (f"-arch=sm_{capability}", "cubin")
    image, log = _nvrtc.compile_source(file_name, SOURCES[file_name], arch)
    assert log.strip() == ""
    assert image[:4] == b"\x7fELF"  # a cubin is an ELF image


@pytest.mark.parametrize("file_name, launches", [("philox.cu", philox_launches),
                                                 ("softmax.cu", softmax_launches)])
def test_every_launch_matches_an_unmangled_entry_and_its_parameters(ptx, file_name, launches):
    found = entries(ptx[file_name])
    made = launches()
    assert {name for name, _ in made} == set(found)  # every kernel is launched by some op
    for name, args in made:
        assert found[name] == argument_types(args), name
    if file_name == "philox.cu":
        assert set(found) == set(cuda_philox.KERNEL_NAMES)


def test_random_kernels_compile_to_exact_ieee_arithmetic(ptx):
    """Bit identity with the CPU: every floating-point operation correctly rounded (``.rn``),
    none fused (``fma``), approximated (``.approx``) or flushing subnormals (``.ftz``)."""
    instructions = re.findall(r"^\s+([a-z][\w.]*)\s", ptx["philox.cu"], re.M)
    floating = [i for i in instructions if re.search(r"\.f(32|64)\b", i)]
    arithmetic = [i for i in floating if i.split(".")[0] in ("add", "sub", "mul", "div", "sqrt",
                                                            "fma", "mad", "rcp", "lg2", "ex2",
                                                            "sin", "cos")]
    assert {i.split(".")[0] for i in arithmetic} == {"add", "mul", "div", "sqrt"}
    assert all(".rn." in i for i in arithmetic), sorted(set(arithmetic))
    assert not [i for i in floating if ".ftz" in i or ".approx" in i or ".full" in i]


def test_the_options_we_pass_are_the_ones_that_hold():
    """CuPy's RawModule(code=...) would append -ftz=true after these; NVRTC keeps the last."""
    image, log = _nvrtc.compile_source("philox.cu", (*cuda_philox.NVRTC_OPTIONS, "-ftz=true"),
                                       "-arch=compute_90")
    assert "followed by" in log and ".ftz." in image.decode()


def test_an_architecture_newer_than_nvrtc_gets_ptx_of_the_newest_one_below():
    supported = sorted(int(a) for a in _nvrtc._nvrtc().getSupportedArchs())
    newer = str(supported[-1] + 1)
    assert _nvrtc.target(newer) == (f"-arch=compute_{supported[-1]}", "ptx")
    with pytest.raises(DeviceError, match=r"sm_30"):
        _nvrtc.target("30")


def test_images_are_cached_on_disk_by_their_inputs(tmp_path, monkeypatch):
    monkeypatch.setenv(_nvrtc.CACHE_ENV, str(tmp_path / "cache"))
    path = _nvrtc.image_path("softmax.cu", (), "80")
    assert path.parent == tmp_path / "cache" and path.suffix == ".cubin"
    assert path.read_bytes() == _nvrtc.compile_source("softmax.cu", (), "-arch=sm_80")[0]
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left

    def no_compile(*args):
        raise AssertionError("compiled again")

    monkeypatch.setattr(_nvrtc, "compile_source", no_compile)
    assert _nvrtc.image_path("softmax.cu", (), "80") == path
    with pytest.raises(AssertionError, match="compiled again"):  # other options: another key
        _nvrtc.image_path("softmax.cu", ("--fmad=false",), "80")


def test_an_unwritable_cache_folder_falls_back_to_a_folder_of_the_process(tmp_path,
                                                                          monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_bytes(b"")
    monkeypatch.setenv(_nvrtc.CACHE_ENV, str(blocker / "cache"))  # cannot be created
    path = _nvrtc.image_path("philox.cu", cuda_philox.NVRTC_OPTIONS, "90")
    assert path.is_file() and blocker not in path.parents


def test_a_compile_error_raises_device_error_with_the_log(monkeypatch):
    monkeypatch.setattr(_nvrtc, "source", lambda name: "__global__ void broken( {")
    with pytest.raises(DeviceError, match=r"NVRTC failed to compile broken\.cu(.|\n)*error"):
        _nvrtc.compile_source("broken.cu", (), "-arch=sm_90")


def test_missing_nvrtc_is_reported_with_the_install_hint(monkeypatch):
    class Missing:
        @staticmethod
        def getVersion():
            raise RuntimeError("CuPy failed to load libnvrtc.so.12")

    monkeypatch.setattr(_nvrtc, "_nvrtc", lambda: Missing)
    with pytest.raises(DeviceError, match=r"libnvrtc(.|\n)*nvidia-cuda-nvrtc-cu12"):
        _nvrtc.nvrtc_version()
