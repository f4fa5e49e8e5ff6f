"""The cuda backend: its behaviour without a GPU (everywhere) and on a GPU (marked cuda)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import numeru.core as nm
from numeru.core.errors import DeviceError, DTypeError


def _reason() -> str | None:
    return nm.registry("backends").get("cuda").unavailable_reason()


def test_the_backend_is_registered_whether_or_not_a_gpu_exists():
    assert nm.registry("backends").provider("cuda") == "numeru-cuda"


def test_import_never_imports_cupy():
    code = ("import sys, numeru.cuda, numeru.core as nm; nm.registry('backends').names(); "
            "print('cupy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "False"


def test_info_says_whether_the_backend_is_usable_and_why_not():
    out = subprocess.run([sys.executable, "-m", "numeru.core.cli", "info"], capture_output=True,
                         text=True, check=True).stdout
    line = next(line for line in out.splitlines() if line.strip().startswith("cuda "))
    reason = _reason()
    if reason is None:
        assert "usable" in line
    else:
        assert "unavailable" in line and reason.split(";")[0][:40] in line


def test_asking_for_a_cuda_tensor_without_a_gpu_raises_device_error_with_the_reason():
    reason = _reason()
    if reason is None:
        assert nm.zeros(2, device="cuda").device.type == "cuda"
        return
    with pytest.raises(DeviceError, match="unavailable") as info:
        nm.zeros(2, device="cuda")
    assert reason[:30] in str(info.value)
    with pytest.raises(DeviceError, match="unavailable"):
        nm.device("cuda:0")


def test_cupy_without_a_driver_says_the_driver_is_missing():
    cupy = pytest.importorskip("cupy")
    if cupy.cuda.runtime.driverGetVersion() != 0:
        pytest.skip("an NVIDIA driver is installed on this machine")
    assert _reason().startswith("no NVIDIA driver is installed")
    with pytest.raises(DeviceError, match="device 'cuda' is unavailable: no NVIDIA driver"):
        nm.ones(3, device="cuda")


def test_missing_cupy_is_reported_with_the_install_command(monkeypatch):
    import builtins

    from numeru.cuda import backend

    real_import = builtins.__import__

    def no_cupy(name, *args, **kwargs):
        if name == "cupy" or name.startswith("cupy."):
            raise ImportError("No module named 'cupy'")
        return real_import(name, *args, **kwargs)

    backend._probe.cache_clear()
    monkeypatch.setattr(builtins, "__import__", no_cupy)
    try:
        reason = backend.CUDABackend().unavailable_reason()
    finally:
        monkeypatch.undo()
        backend._probe.cache_clear()
    assert "CuPy is not installed" in reason and "numeru-cuda[cuda12]" in reason


# -- on a GPU -----------------------------------------------------------------------------------

@pytest.mark.cuda
def test_ops_on_cuda_match_the_cpu():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(64, 32)), rng.normal(size=(32,))
    x, y = nm.asarray(a, device="cuda"), nm.asarray(b, device="cuda")
    assert x.device == nm.device("cuda:0")
    np.testing.assert_allclose((x * y + 1.0).numpy(), a * b + 1.0, rtol=1e-12)
    np.testing.assert_allclose(nm.sum(nm.exp(x), axis=0).numpy(), np.exp(a).sum(axis=0),
                               rtol=1e-12)
    np.testing.assert_allclose(nm.matmul(x, y).numpy(), a @ b, rtol=1e-10)
    np.testing.assert_array_equal(nm.argsort(y).numpy(), np.argsort(b, kind="stable"))


@pytest.mark.cuda
def test_views_out_and_moves():
    x = nm.asarray(np.arange(12.0).reshape(3, 4), device="cuda")
    view = x[1:, ::-2]
    view[...] = 0.0
    assert x.numpy()[1:, ::-2].sum() == 0.0
    out = nm.empty((3, 4), device="cuda")
    assert nm.add(x, x, out=out) is out
    np.testing.assert_array_equal(out.numpy(), 2 * x.numpy())
    back = x.to("cpu")
    assert back.device == nm.device("cpu") and back.to("cuda").device == nm.device("cuda:0")
    with pytest.raises(DeviceError, match="different devices"):
        x + back
    with pytest.raises(DeviceError, match="implicit conversion"):
        np.asarray(x)
    with pytest.raises(DTypeError, match="bfloat16"):
        nm.zeros(2, dtype=nm.bfloat16, device="cuda")


@pytest.mark.cuda
def test_cupy_arrays_are_converted_and_copied_only_where_needed_or_asked():
    import cupy

    from numeru.core.errors import ValidationError

    c = cupy.arange(6, dtype=cupy.float64)
    converted = nm.asarray(c, dtype=nm.float32, device="cuda")  # CuPy 14: copy=False refuses
    assert converted.dtype == np.float32
    np.testing.assert_array_equal(converted.numpy(), np.arange(6, dtype=np.float32))
    assert nm.asarray(c, dtype=nm.float64, device="cuda").data is c
    copied = nm.asarray(c, dtype=nm.float64, device="cuda", copy=True)
    assert copied.data_ptr() != c.data.ptr
    np.testing.assert_array_equal(copied.numpy(), c.get())
    with pytest.raises(ValidationError, match="needs a copy"):
        nm.asarray(c, dtype=nm.float32, device="cuda", copy=False)
    with pytest.raises(ValidationError, match="moving it to the GPU is a copy"):
        nm.asarray(np.ones(3), device="cuda", copy=False)
    if cupy.cuda.runtime.getDeviceCount() > 1:  # NumPy cannot read another GPU's array
        with cupy.cuda.Device(1):
            other = cupy.arange(3, dtype=cupy.int64)
        moved = nm.asarray(other, dtype=nm.float64, device="cuda:0")
        assert moved.device == nm.device("cuda:0") and moved.data.device.id == 0
        np.testing.assert_array_equal(moved.numpy(), [0.0, 1.0, 2.0])


@pytest.mark.cuda
def test_device_scope_and_dlpack_with_torch():
    torch = pytest.importorskip("torch")
    with nm.device("cuda"):
        z = nm.ones((4,))
    assert z.device == nm.device("cuda:0")
    if not torch.cuda.is_available():
        pytest.skip("this torch build has no CUDA")
    t = torch.arange(5.0, device="cuda")
    shared = nm.from_dlpack(t)
    assert shared.device.type == "cuda"
    shared[0] = 42.0
    assert float(t[0]) == 42.0
    back = torch.from_dlpack(z)
    assert back.device.type == "cuda" and float(back.sum()) == 4.0


@pytest.mark.cuda
def test_ops_on_a_second_gpu_run_there_whatever_cupys_current_device():
    import cupy

    if cupy.cuda.runtime.getDeviceCount() < 2:
        pytest.skip("one GPU: nothing to choose between")
    a = nm.asarray(np.arange(6.0).reshape(2, 3), device="cuda:1")
    with cupy.cuda.Device(0):  # the current device is not the tensors'
        results = [a + 1, nm.exp(a), a @ a.T, nm.sum(a, axis=0),
                   nm.random.Generator(0, device="cuda:1").normal(size=4)]
    for r in results:
        assert r.device == nm.device("cuda:1") and r.data.device.id == 1
    np.testing.assert_allclose(results[2].numpy(), np.arange(6.0).reshape(2, 3) @
                               np.arange(6.0).reshape(2, 3).T)
    with nm.device("cuda:1"):
        assert cupy.cuda.Device().id == 1
