"""Named ops, their kernels per backend, and the call path every tensor op takes.

An ``Op`` has a name and a generic implementation written only against the backend's array
namespace (``generic(xp, *arrays, **params)``). A backend may have a fast kernel registered under
the same name through the ``register_kernels`` hook (``kernel(*arrays, **params)``); dispatch
prefers it. Kernels that write into ``out=`` themselves set ``kernel.accepts_out = True``.

Autograd (numeru-dl) installs a tracer with ``set_tracer``: when it is set and an input requires
grad, ``tracer.record(op_name, inputs, params, output)`` is called after the op. Core knows
nothing else about gradients.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from . import plugins
from .devices import Device
from .dtypes import bfloat16 as _BF16
from .errors import DeviceError, DTypeError, ShapeError

_SCALARS = (bool, int, float, complex)
_tracer: Any = None


def set_tracer(tracer: Any) -> Any:
    """Install the autograd tracer (``None`` removes it); returns the previous one."""
    global _tracer
    previous, _tracer = _tracer, tracer
    return previous


def get_tracer() -> Any:
    return _tracer


class Op:
    """One named operation."""

    __slots__ = ("name", "generic", "xp_name", "_cache", "_generation")

    def __init__(self, name: str, generic: Callable[..., Any] | None = None,
                 xp_name: str | None = None) -> None:
        self.name = name
        self.generic = generic
        self.xp_name = xp_name or name
        self._cache: dict[str, tuple[Callable[..., Any], bool]] = {}
        self._generation = -1

    def resolve(self, backend: Any) -> tuple[Callable[..., Any], bool]:
        """(callable over backend arrays, whether it takes ``out=`` natively) for a backend."""
        if self._generation != plugins._generation:
            self._cache.clear()
            self._generation = plugins._generation
        found = self._cache.get(backend.name)
        if found is None:
            found = self._resolve(backend)
            self._cache[backend.name] = found
        return found

    def _resolve(self, backend: Any) -> tuple[Callable[..., Any], bool]:
        kernels = plugins.registry("kernels")
        key = (self.name, backend.name)
        if key in kernels:
            kernel = kernels.get(key)
            return kernel, bool(getattr(kernel, "accepts_out", False))
        if self.generic is not None:
            return functools.partial(self.generic, backend.xp), False
        try:
            return getattr(backend.xp, self.xp_name), False
        except AttributeError:
            raise DeviceError(
                f"op {self.name!r} has no kernel for backend {backend.name!r} and its namespace "
                f"has no {self.xp_name!r}"
            ) from None

    def __repr__(self) -> str:
        return f"Op({self.name!r})"


_OPS: dict[str, Op] = {}


def op(name: str, generic: Callable[..., Any] | None = None, *, xp_name: str | None = None) -> Op:
    """Declare (once) and return the op called ``name``."""
    found = _OPS.get(name)
    if found is None:
        found = _OPS[name] = Op(name, generic, xp_name)
    return found


def ops() -> dict[str, Op]:
    """Every declared op by name (used by tests that compare kernels with generic code)."""
    return dict(_OPS)


# -- the call path -----------------------------------------------------------------------------

def _wrap(data: Any, device: Device) -> Any:
    from .tensor import Tensor

    t = Tensor.__new__(Tensor)
    t.data = data
    t.device = device
    return t


def _mixed(a: Any, b: Any) -> DeviceError:
    return DeviceError(
        f"tensors on different devices in one op: {a.device} and {b.device}; "
        "move one with .to(device) first"
    )


def _foreign(value: Any, device: Device) -> Any:
    """A non-Tensor operand: Python scalars pass through; host arrays convert on the CPU only."""
    from .tensor import Tensor

    if isinstance(value, _SCALARS) or value is None:
        return value
    if device.type != "cpu":
        raise DeviceError(
            f"operand: expected a Tensor on {device} or a Python scalar, got "
            f"{type(value).__name__} (host data is not copied to {device} silently)"
        )
    return Tensor._from_host(value, device).data


def _check_out(out: Any, shape: tuple[int, ...], dtype: np.dtype, device: Device,
               name: str) -> None:
    from .tensor import Tensor

    if not isinstance(out, Tensor):
        raise DTypeError(f"{name}: out: expected a Tensor, got {type(out).__name__}")
    if out.device is not device:
        raise DeviceError(f"{name}: out: expected a tensor on {device}, got one on {out.device}")
    if out.shape != shape:
        raise ShapeError(f"{name}: out: expected shape {shape}, got {out.shape}")
    if out.dtype != dtype:
        raise DTypeError(f"{name}: out: expected dtype {dtype}, got {out.dtype}")


def _broadcast_shape(name: str, *shapes: tuple[int, ...]) -> tuple[int, ...]:
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        shown = " and ".join(str(s) for s in shapes)
        raise ShapeError(f"{name}: shapes {shown} cannot be broadcast together") from None


def unary(o: Op, x: Any, out: Any = None, **params: Any) -> Any:
    """Elementwise op of one tensor."""
    from .tensor import Tensor

    if type(x) is not Tensor:
        x = x if isinstance(x, Tensor) else Tensor._from_host(x, None)
    device = x.device
    fn, native_out = o.resolve(device.backend)
    backend = device.backend
    if out is not None:
        dtype = _ufunc_dtype(fn, (x.dtype,)) if native_out or backend.native_out else None
        if dtype is not None and not params:
            _check_out(out, x.shape, dtype, device, o.name)
            fn(x.data, out=out.data)
        else:
            result = backend.wrap_result(fn(x.data, **params))
            _check_out(out, x.shape, backend.dtype_of(result), device, o.name)
            backend.copy_into(out.data, result)
        result_t = out
    else:
        result_t = _wrap(backend.wrap_result(fn(x.data, **params)), device)
    if _tracer is not None and x.requires_grad:
        _tracer.record(o.name, (x,), params, result_t)
    return result_t


def binary(o: Op, x1: Any, x2: Any, out: Any = None) -> Any:
    """Elementwise op of two operands (tensors or Python scalars), broadcasting."""
    from .tensor import Tensor

    t1 = type(x1) is Tensor or isinstance(x1, Tensor)
    t2 = type(x2) is Tensor or isinstance(x2, Tensor)
    if t1:
        device = x1.device
        if t2:
            if x2.device is not device:
                raise _mixed(x1, x2)
            a, b = x1.data, x2.data
        else:
            a, b = x1.data, _foreign(x2, device)
            if b.__class__ is float and a.dtype is _BF16:
                b = np.asarray(b, dtype=_BF16)  # NumPy would promote bfloat16 + float to float64
    elif t2:
        device = x2.device
        a, b = _foreign(x1, device), x2.data
        if a.__class__ is float and b.dtype is _BF16:
            a = np.asarray(a, dtype=_BF16)
    else:
        x1 = Tensor._from_host(x1, None)
        return binary(o, x1, x2, out)
    backend = device.backend
    fn, native_out = o.resolve(backend)
    if not backend.native_out:
        a, b = _promote_for(backend, a, b)
    if out is not None:
        shape = _broadcast_shape(o.name, np.shape(a) if not t1 else x1.shape,
                                 np.shape(b) if not t2 else x2.shape)
        dtype = _ufunc_dtype(fn, (_dtype_or_type(a), _dtype_or_type(b)))
        if dtype is not None and (native_out or backend.native_out):
            _check_out(out, shape, dtype, device, o.name)
            fn(a, b, out=out.data)
        else:
            result = backend.wrap_result(fn(a, b))
            _check_out(out, shape, backend.dtype_of(result), device, o.name)
            backend.copy_into(out.data, result)
        result_t = out
    else:
        try:
            result = fn(a, b)
        except ValueError as exc:
            if "broadcast" in str(exc):
                _broadcast_shape(o.name, np.shape(a), np.shape(b))
            raise
        except TypeError:
            # bfloat16 meeting float16 or a wide integer has no NumPy promotion: use ours.
            from .dtypes import result_type

            common = backend.native_dtype(result_type(_dtype_or_type(a), _dtype_or_type(b)))
            result = fn(backend.xp.astype(a, common), backend.xp.astype(b, common))
        result_t = _wrap(backend.wrap_result(result), device)
    if _tracer is not None and ((t1 and x1.requires_grad) or (t2 and x2.requires_grad)):
        _tracer.record(o.name, (x1, x2), {}, result_t)
    return result_t




def _dtype_or_type(value: Any) -> Any:
    return type(value) if isinstance(value, _SCALARS) else value.dtype


def _ufunc_dtype(fn: Any, in_dtypes: tuple[Any, ...]) -> np.dtype | None:
    """The output dtype a NumPy/CuPy ufunc would give, or None when it cannot be known."""
    resolve = getattr(fn, "resolve_dtypes", None)
    if resolve is None:
        return None
    try:
        return resolve((*in_dtypes, None))[-1]
    except (TypeError, ValueError):
        return None


def _promote_for(backend: Any, a: Any, b: Any) -> tuple[Any, Any]:
    """Cast operands to their common dtype for namespaces that refuse mixed kinds."""
    xp = backend.xp
    da = backend.dtype_of(a) if not isinstance(a, _SCALARS) else a
    db = backend.dtype_of(b) if not isinstance(b, _SCALARS) else b
    if isinstance(da, np.dtype) and isinstance(db, np.dtype):
        if da == db:
            return a, b
        common = backend.native_dtype(np.result_type(da, db))
        return xp.astype(a, common), xp.astype(b, common)
    array, scalar, first = (a, b, True) if isinstance(da, np.dtype) else (b, a, False)
    dtype = da if first else db
    common = np.result_type(dtype, scalar)
    if common != dtype:
        array = xp.astype(array, backend.native_dtype(common))
    scalar_arr = xp.asarray(scalar, dtype=backend.native_dtype(common))
    return (array, scalar_arr) if first else (scalar_arr, array)


def apply(o: Op, args: tuple[Any, ...], params: dict[str, Any] | None = None,
          out: Any = None, *, device: Device | None = None) -> Any:
    """Any op: ``args`` are tensors (or sequences of tensors), ``params`` everything else.

    Tensor results (or tuples of them) are wrapped on the inputs' device; other results (Python
    values) are returned as they are.
    """
    from .tensor import Tensor

    params = params or {}
    tensors: list[Any] = []
    for arg in args:
        if isinstance(arg, Tensor):
            tensors.append(arg)
        elif isinstance(arg, (list, tuple)):
            tensors.extend(a for a in arg if isinstance(a, Tensor))
    if device is None:
        device = tensors[0].device if tensors else Device_default()
    for t in tensors:
        if t.device is not device:
            raise _mixed(tensors[0], t)

    def unwrap(value: Any) -> Any:
        if isinstance(value, Tensor):
            return value.data
        if isinstance(value, (list, tuple)):
            return type(value)(unwrap(v) for v in value)
        return _foreign(value, device)

    backend = device.backend
    fn, _ = o.resolve(backend)
    result = fn(*[unwrap(a) for a in args], **params)
    wrapped = _wrap_any(result, backend, device)
    if out is not None:
        if not isinstance(wrapped, Tensor):
            raise DTypeError(f"{o.name}: out= is only accepted by ops that return one tensor")
        _check_out(out, wrapped.shape, wrapped.dtype, device, o.name)
        backend.copy_into(out.data, wrapped.data)
        wrapped = out
    if _tracer is not None and any(t.requires_grad for t in tensors):
        _tracer.record(o.name, tuple(args), params, wrapped)
    return wrapped


def _wrap_any(result: Any, backend: Any, device: Device) -> Any:
    if isinstance(result, tuple):
        fields = [_wrap_any(r, backend, device) for r in result]
        return type(result)(*fields) if hasattr(result, "_fields") else tuple(fields)
    if isinstance(result, list):
        return [_wrap_any(r, backend, device) for r in result]
    if result is None or isinstance(result, (bool, int, float, complex, str)):
        return result
    return _wrap(backend.wrap_result(result), device)


def Device_default() -> Device:  # noqa: N802 - reads as the value it returns
    from .devices import get_default_device

    return get_default_device()
