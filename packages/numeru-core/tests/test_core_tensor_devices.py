"""Devices, conversion and copies: with nm.device(...), .to(), asarray(copy=), __array__."""

from __future__ import annotations

import numpy as np
import pytest

import numeru.core as nm
from numeru.core.errors import DeviceError, DTypeError, ValidationError


def _other_device():
    others = [d for d in nm.__array_namespace_info__().devices() if d.type != "cpu"]
    if not others:
        pytest.skip("only the CPU backend is installed")
    return others[0]


def test_device_context_sets_the_default_for_creation():
    other = _other_device()
    with nm.device(str(other)):
        t = nm.zeros((2, 2))
        assert t.device is other
        assert nm.arange(3).device is other
    assert nm.zeros(2).device is nm.device("cpu")
    back = t.to("cpu")
    assert back.device is nm.device("cpu")
    np.testing.assert_array_equal(back.numpy(), np.zeros((2, 2)))
    with pytest.raises(DeviceError, match="implicit conversion"):
        np.asarray(t)
    with pytest.raises(DeviceError, match="host data is not copied"):
        t + np.ones((2, 2))


def test_asarray_copy_semantics_follow_the_standard():
    a = np.arange(4.0)
    shared = nm.asarray(a)
    assert np.shares_memory(shared.numpy(), a)
    copied = nm.asarray(a, copy=True)
    assert not np.shares_memory(copied.numpy(), a)
    with pytest.raises(ValidationError, match="copy: expected a conversion without copying"):
        nm.asarray(a, dtype=nm.float32, copy=False)
    t = nm.asarray([1, 2])
    assert nm.asarray(t) is t
    with pytest.raises(DTypeError, match="copy=False cannot convert int64 to float32"):
        nm.asarray(t, dtype=nm.float32, copy=False)


def test_asarray_copy_of_a_dlpack_producer_follows_the_standard():
    torch = pytest.importorskip("torch")
    source = torch.arange(4.0, dtype=torch.float64)
    shared, copied = nm.asarray(source), nm.asarray(source, copy=True)
    assert nm.asarray(source, copy=False).numpy().ctypes.data == source.data_ptr()
    source[0] = 9.0
    assert shared.tolist() == [9.0, 1.0, 2.0, 3.0]  # DLPack shares memory by default
    assert copied.tolist() == [0.0, 1.0, 2.0, 3.0]  # copy=True copies


def test_array_protocol_and_astype():
    t = nm.asarray([1.0, 2.0])
    assert np.asarray(t) is t.data
    assert np.asarray(t, dtype=np.float32).dtype == np.float32
    with pytest.raises(ValueError, match="copy=False cannot convert"):
        t.__array__(dtype=np.float32, copy=False)
    assert np.array(t, copy=True) is not t.data
    assert nm.astype(t, nm.float64, copy=False) is t
    converted = t.astype(nm.int32)
    assert converted.dtype == nm.int32 and converted.tolist() == [1, 2]
    assert t.to(dtype=nm.float16).dtype == nm.float16
    assert t.to(nm.float32).dtype == nm.float32  # PyTorch's spelling: a dtype first
    assert t.to("int64").tolist() == [1, 2]
    assert t.to("cpu") is t


def test_python_data_gets_the_standard_default_dtypes():
    assert nm.asarray([1, 2]).dtype == nm.int64
    assert nm.asarray([1.0, 2]).dtype == nm.float64
    assert nm.asarray([True]).dtype == nm.bool
    assert nm.asarray(1j).dtype == nm.complex128
    nm.set_default_dtype(nm.float32)
    try:
        assert nm.asarray([1.5]).dtype == nm.float32
        assert nm.zeros(2).dtype == nm.float32
    finally:
        nm.set_default_dtype(nm.float64)
    with pytest.raises(DTypeError, match="dtype: expected one of"):
        nm.zeros(2, dtype="float128")


def test_creation_argument_errors_name_the_argument():
    from numeru.core.errors import ShapeError

    with pytest.raises(ShapeError, match=r"shape: expected non-negative sizes, got \(2, -1\)"):
        nm.zeros((2, -1))
    with pytest.raises(ValidationError, match="arange: step: expected a non-zero number, got 0"):
        nm.arange(0, 5, 0)
    with pytest.raises(ValidationError, match="indexing: expected 'xy' or 'ij', got 'x'"):
        nm.meshgrid(nm.ones(2), indexing="x")


def test_tensor_constructor_wraps_arrays_and_converts_other_data():
    a = np.arange(3.0)
    assert nm.Tensor(a).data is a  # an array is wrapped as it is
    assert nm.Tensor([1, 2]).dtype == nm.int64 and nm.Tensor([1, 2]).tolist() == [1, 2]
    scalar = nm.Tensor(np.float32(2.5))
    assert type(scalar.data) is np.ndarray and scalar.dtype == nm.float32
    assert nm.Tensor(nm.Tensor(a)).data is a


# -- backends whose operations follow a current device (CuPy) ---------------------------------

class _Recorder:
    """The NumPy namespace, noting the backend's current device at each reshape."""

    def __init__(self, backend):
        self._backend = backend

    def __getattr__(self, name):
        found = getattr(np, name)
        if name != "reshape":
            return found

        def reshape(*args, **kwargs):
            self._backend.seen.append(("reshape", self._backend.current))
            return found(*args, **kwargs)

        return reshape


class CurrentDeviceBackend:
    """A two-device CPU backend whose operations run on its current device, as CuPy's do."""

    @staticmethod
    def make(count):
        import contextlib

        from numeru.core.backends import CPUBackend

        class Backend(CPUBackend):
            name = "test-current"
            ops_use_current_device = True

            def __init__(self):
                self.current, self.seen = 0, []
                self.xp = _Recorder(self)

            def device_count(self):
                return count

            @contextlib.contextmanager
            def use(self, index):
                previous, self.current = self.current, index
                try:
                    yield
                finally:
                    self.current = previous

        return Backend()


@pytest.fixture(params=[2, 1], ids=["two devices", "one device"])
def current_device_backend(request):
    from numeru.core import plugins
    from numeru.core.hookspecs import hookimpl

    backend = CurrentDeviceBackend.make(request.param)

    def negative(x):
        backend.seen.append(("negative", backend.current))
        return np.negative(x)

    class Plugin:
        @hookimpl
        def register_backends(self, register):
            register(backend)

        @hookimpl
        def register_kernels(self, register):
            register("negative", "test-current", negative)

    plugins.register(Plugin(), "test-current-device")
    try:
        yield backend
    finally:
        plugins.unregister("test-current-device")


def test_ops_run_on_their_tensors_device_when_the_backend_follows_a_current_one(
        current_device_backend):
    backend = current_device_backend
    last = backend.device_count() - 1
    t = nm.asarray([1.0, 2.0], device=f"test-current:{last}")
    assert backend.current == 0
    assert (-t).tolist() == [-1.0, -2.0] and (-t).device == f"test-current:{last}"
    assert backend.seen[-1] == ("negative", last)  # the kernel ran inside use(last)
    assert backend.current == 0  # and the backend's current device is restored
    with nm.device(f"test-current:{last}"):
        assert backend.current == last  # code inside the block calling xp runs there too
        with nm.device("cpu"):
            assert backend.current == last
    assert backend.current == 0


def test_random_draws_run_on_the_generators_device(current_device_backend):
    backend = current_device_backend
    last = backend.device_count() - 1
    g = nm.random.Generator(3, device=f"test-current:{last}")
    draws = [g.random(4), g.normal(0.0, 2.0, size=(2, 2)), g.integers(0, 5, size=3)]
    assert all(d.device == f"test-current:{last}" for d in draws)
    assert {index for what, index in backend.seen if what == "reshape"} == {last}
    np.testing.assert_array_equal(draws[0].numpy(), nm.random.Generator(3).random(4).numpy())


def test_a_backend_with_one_device_gets_its_kernels_unwrapped(current_device_backend):
    from numeru.core import dispatch

    device = nm.device("test-current")
    kernel = dispatch.op("negative").kernel(device)
    assert (kernel.__name__ == "negative") and (
        hasattr(kernel, "__wrapped__") == (current_device_backend.device_count() > 1))
