"""Named ops, their kernels per backend, and the call path every tensor op takes.

An ``Op`` has a name and a generic implementation written only against the backend's array
namespace (``generic(xp, *arrays, **params)``). A backend may have a fast kernel registered under
the same name through the ``register_kernels`` hook (``kernel(*arrays, **params)``); dispatch
prefers it. Kernels that write into ``out=`` themselves set ``kernel.accepts_out = True`` and
``kernel.out_meta(*arrays, **params) -> (shape, dtype)`` (or None), so ``out`` is checked before
they run; elementwise ufuncs are checked through ``ufunc.resolve_dtypes``.

Autograd (numeru-dl) installs a tracer with ``set_tracer``: when it is set and an input requires
grad, ``tracer.record(op_name, inputs, params, output)`` is called after the op. Core knows
nothing else about gradients.

Elementwise ops (``unary``, ``binary``, ``rbinary``, ``binary_inplace``) live in
``dispatch_elementwise`` and are re-exported here; ``apply``/``apply_one`` run every other op,
``reduce`` the reductions (sum, mean, max, ...) without building a params dict.
On the hot path the kernel of an op is cached per device, exact ``Tensor`` operands skip every
``isinstance`` chain, and results are built without calling ``Tensor.__init__``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from . import plugins as _plugins
from .devices import Device, get_default_device
from .errors import DeviceError, DTypeError, ShapeError, ValidationError

_SCALARS = (bool, int, float, complex)
_ndarray = np.ndarray
_new = object.__new__
_tracer: Any = None
Tensor: Any = None  # set by tensor.py once the class exists (no import on the hot path)

# Results of ops are allocated by the backend (NumPy) itself. Writing large elementwise results
# into numeru's 64-byte aligned buffers was measured (1e6 float64 add, this repository's
# benchmark machine) at 3-15% slower than NumPy's own allocation, so only creation functions
# and explicit copies allocate aligned buffers; ``out=`` lets a caller choose the buffer.


def set_tracer(tracer: Any) -> Any:
    """Install the autograd tracer (``None`` removes it); returns the previous one."""
    global _tracer
    previous, _tracer = _tracer, tracer
    _elementwise._tracer = tracer  # the elementwise hot path reads its own module global
    return previous


def get_tracer() -> Any:
    return _tracer


class Op:
    """One named operation."""

    __slots__ = ("name", "generic", "xp_name", "_cache", "_by_device", "_binary", "_generation",
                 "_result")

    def __init__(self, name: str, generic: Callable[..., Any] | None = None,
                 xp_name: str | None = None) -> None:
        self.name = name
        self.generic = generic
        self.xp_name = xp_name or name
        self._cache: dict[str, tuple[Callable[..., Any], bool]] = {}
        self._by_device: dict[Device, Callable[..., Any]] = {}
        self._binary: dict[Device, Callable[..., Any]] = {}
        self._generation = -1
        # The elementwise ``out=`` path's memo of the result dtype of the CPU kernel for the
        # last pair of operand dtypes (dtype objects or Python scalar types).
        self._result: tuple[Any, Any, Any] = (None, None, None)

    def _fresh(self) -> None:
        if self._generation != _plugins._generation:
            self._cache.clear()
            self._by_device.clear()
            self._binary.clear()
            self._result = (None, None, None)
            self._generation = _plugins._generation

    def resolve(self, backend: Any) -> tuple[Callable[..., Any], bool]:
        """(callable over backend arrays, whether it takes ``out=`` natively) for a backend."""
        self._fresh()
        found = self._cache.get(backend.name)
        if found is None:
            found = self._cache[backend.name] = self._resolve(backend)
        return found

    def kernel(self, device: Device) -> Callable[..., Any]:
        """The callable over backend arrays for ``device`` (cached until plugins change)."""
        if self._generation == _plugins._generation:
            fn = self._by_device.get(device)
            if fn is not None:
                return fn
        backend = device.backend
        fn = self.resolve(backend)[0]
        if backend.ops_use_current_device and backend.device_count() > 1:
            fn = _on_device(fn, backend, device.index)
        self._by_device[device] = fn
        return fn

    def binary_kernel(self, device: Device) -> Callable[..., Any]:
        """Like ``kernel``, wrapped to promote operands for namespaces that refuse mixed kinds."""
        if self._generation == _plugins._generation:
            fn = self._binary.get(device)
            if fn is not None:
                return fn
        fn = self.kernel(device)
        backend = device.backend
        if not backend.native_out:
            raw = fn

            def fn(a: Any, b: Any, **kw: Any) -> Any:
                a, b = _promote_for(backend, a, b)
                return raw(a, b, **kw)

        self._binary[device] = fn
        return fn

    def _resolve(self, backend: Any) -> tuple[Callable[..., Any], bool]:
        kernels = _plugins.registry("kernels")
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


def _on_device(fn: Callable[..., Any], backend: Any, index: int) -> Callable[..., Any]:
    """``fn`` run inside ``backend.use(index)``, keeping its attributes (``accepts_out``,
    ``out_meta``): the kernel of an op on device ``index`` of a backend whose operations
    follow its current device."""

    @functools.wraps(fn)
    def on_device(*args: Any, **kwargs: Any) -> Any:
        with backend.use(index):
            return fn(*args, **kwargs)

    return on_device


_OPS: dict[str, Op] = {}


def op(name: str, generic: Callable[..., Any] | None = None, *, xp_name: str | None = None) -> Op:
    """Declare (once) and return the op called ``name``."""
    found = _OPS.get(name)
    if found is None:
        found = _OPS[name] = Op(name, generic, xp_name)
    elif generic is not None and found.generic is None:
        found.generic = generic
    return found


def ops() -> dict[str, Op]:
    """Every declared op by name (used by tests that compare kernels with generic code)."""
    return dict(_OPS)


# -- small helpers ------------------------------------------------------------------------------

def _wrap(data: Any, device: Device) -> Any:
    if data.__class__ is not _ndarray:
        data = device.backend.wrap_result(data)
    t = _new(Tensor)
    t.data = data
    t.device = device
    return t


def _as_array(result: Any, device: Device) -> Any:
    """A kernel's result that is not an ndarray: a NumPy scalar (0-d results) or another array."""
    if isinstance(result, _np_generic):
        return _np_asarray(result)
    return device.backend.wrap_result(result)


_np_generic = np.generic
_np_asarray = np.asarray


def _mixed(a: Any, b: Any) -> DeviceError:
    return DeviceError(
        f"tensors on different devices in one op: {a.device} and {b.device}; "
        "move one with .to(device) first"
    )


def _foreign(value: Any, device: Device) -> Any:
    """A non-Tensor operand: Python scalars pass through; host arrays convert on the CPU only."""
    if value is None or value.__class__ in _SCALAR_TYPES or isinstance(value, _SCALARS):
        return value
    if isinstance(value, Tensor):
        return value.data
    if device.type != "cpu":
        raise DeviceError(
            f"operand: expected a Tensor on {device} or a Python scalar, got "
            f"{type(value).__name__} (host data is not copied to {device} silently)"
        )
    return Tensor._from_host(value, device).data


_SCALAR_TYPES = frozenset(_SCALARS)
_PYTHON_VALUES = frozenset((bool, int, float, complex, str))


def _check_writable(out: Tensor, name: str, argument: str) -> None:
    """A read-only buffer (a view of a read-only NumPy array, an ``mmap`` load) refuses writes:
    say so in numeru's terms rather than NumPy's "output array is read-only"."""
    flags = getattr(out.data, "flags", None)
    if flags is not None and not flags.writeable:
        raise ValidationError(f"{name}: {argument}: expected a writable tensor, got a read-only "
                              f"one of shape {out.shape} (copy it first: x = x.copy())")


def check_out(out: Any, shape: tuple[int, ...], dtype: Any, device: Device, name: str,
              *, casting: str | None = None) -> None:
    """Raise unless ``out`` is a Tensor of ``shape`` and ``dtype`` on ``device``.

    ``casting="same_kind"`` (in-place methods) accepts any dtype the result casts to within its
    kind, as NumPy's and PyTorch's in-place operators do; ``out=`` itself is exact.
    """
    if not isinstance(out, Tensor):
        raise DTypeError(f"{name}: out: expected a Tensor, got {type(out).__name__}")
    if out.device is not device:
        raise DeviceError(f"{name}: out: expected a tensor on {device}, got one on {out.device}")
    data = out.data
    out_shape = data.shape
    if out_shape.__class__ is not tuple:
        out_shape = tuple(out_shape)
    if shape.__class__ is not tuple:
        shape = tuple(shape)
    got = data.dtype if isinstance(data.dtype, np.dtype) else out.dtype
    if casting is not None:  # an in-place op: say it in the user's terms, not out='s
        if out_shape != shape:
            raise ShapeError(f"{name} (in place): the result has shape {shape}, the "
                             f"tensor written into has shape {out_shape}")
        if got != dtype and not np.can_cast(dtype, got, casting=casting):  # type: ignore[arg-type]
            raise DTypeError(f"{name} (in place): expected a result that casts to the tensor's "
                             f"dtype {got} ({casting}), got a result of dtype {dtype}")
        _check_writable(out, f"{name} (in place)", "x")
        return
    if out_shape != shape:
        raise ShapeError(f"{name}: out: expected shape {shape}, got {out_shape}")
    if got != dtype:
        raise DTypeError(f"{name}: out: expected dtype {dtype}, got {got}")
    _check_writable(out, name, "out")


_check_out = check_out  # the name other modules used before


def broadcast_shape(name: str, *shapes: tuple[int, ...]) -> tuple[int, ...]:
    """The broadcast of ``shapes``; a mismatch raises ``ShapeError`` naming all of them."""
    if len(shapes) == 2:  # the common cases, without np.broadcast_shapes' ~4 us
        first, second = shapes
        if first == second or not second:
            return tuple(first)
        if not first:
            return tuple(second)
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        shown = " and ".join(str(tuple(s)) for s in shapes)
        raise ShapeError(f"{name}: shapes {shown} cannot be broadcast together") from None




# -- any op ------------------------------------------------------------------------------------

def apply(o: Op, args: tuple[Any, ...], params: dict[str, Any] | None = None,
          out: Any = None, *, device: Device | None = None) -> Any:
    """Any op: ``args`` are tensors (or sequences of tensors), ``params`` everything else.

    Tensor results (or tuples of them) are wrapped on the inputs' device; other results (Python
    values) are returned as they are.
    """
    if params is None:
        params = {}
    # The common case: every argument a tensor on one device (else the general unwrapping).
    grad = False
    raw: list[Any] = []
    for arg in args:
        if not isinstance(arg, Tensor):
            device, raw, grad = _unwrap_args(o, args, device)
            break
        if device is None:
            device = arg.device
        elif arg.device is not device:
            device, raw, grad = _unwrap_args(o, args, device)  # raises the device error
            break
        raw.append(arg.data)
        grad = grad or arg.requires_grad
    if device is None:
        device = get_default_device()
    fn = o._by_device.get(device) if o._generation == _plugins._generation else None
    if fn is None:
        fn = o.kernel(device)
    if out is not None and getattr(fn, "accepts_out", False):
        return _apply_into(o, fn, args, raw, params, out, device, grad)
    result = fn(*raw, **params)
    cls = result.__class__
    if cls is _ndarray or not (cls is tuple or cls is list or result is None
                               or cls in _PYTHON_VALUES or isinstance(result, tuple)):
        wrapped = _new(Tensor)  # one array (a NumPy scalar becomes a 0-d array)
        wrapped.data = result if cls is _ndarray else _as_array(result, device)
        wrapped.device = device
    else:
        wrapped = _wrap_any(result, device)
    if out is not None:
        if not isinstance(wrapped, Tensor):
            raise DTypeError(f"{o.name}: out= is only accepted by ops that return one tensor")
        check_out(out, wrapped.shape, wrapped.dtype, device, o.name)
        device.backend.copy_into(out.data, wrapped.data)
        wrapped = out
    if _tracer is not None and grad:
        _tracer.record(o.name, tuple(args), params, wrapped)
    return wrapped


def _apply_into(o: Op, fn: Any, args: tuple[Any, ...], raw: list[Any], params: dict[str, Any],
                out: Any, device: Device, grad: bool) -> Any:
    """Run a kernel that writes into ``out`` itself, after checking ``out`` (no temporary)."""
    meta = fn.out_meta(*raw, **params)
    if meta is None:  # the kernel cannot tell the result in advance: compute, check, copy
        result = _wrap_any(fn(*raw, **params), device)
        check_out(out, result.shape, result.dtype, device, o.name)
        device.backend.copy_into(out.data, result.data)
    else:
        check_out(out, tuple(meta[0]), meta[1], device, o.name)
        fn(*raw, out=out.data, **params)
    if _tracer is not None and grad:
        _tracer.record(o.name, tuple(args), params, out)
    return out


def apply_one(o: Op, x: Any, params: dict[str, Any], out: Any = None) -> Any:
    """``apply`` for an op of one tensor that returns one tensor (reductions, reshapes, ...)."""
    if out is None and (x.__class__ is Tensor or isinstance(x, Tensor)):
        device = x.device
        fn = o._by_device.get(device) if o._generation == _plugins._generation else None
        if fn is None:
            fn = o.kernel(device)
        result = fn(x.data, **params)
        t = _new(Tensor)
        t.data = result if result.__class__ is _ndarray else _as_array(result, device)
        t.device = device
        if _tracer is not None and x.requires_grad:
            _tracer.record(o.name, (x,), params, t)
        return t
    return apply(o, (x,), params, out)


_NO_DTYPE: Any = object()  # ``reduce``: the op takes no ``dtype`` parameter (max, mean, ...)


def reduce(o: Op, x: Any, axis: Any, keepdims: bool, dtype: Any = _NO_DTYPE,
           out: Any = None) -> Any:
    """``apply_one`` for a reduction: ``o``'s kernel with ``axis``, ``keepdims`` and (unless
    ``dtype`` is left out) ``dtype``, the parameters of sum, prod, mean, max, min, all, any.

    The kernel is called with these keywords directly: building a params dict and unpacking it
    (``fn(x, **params)``) was the larger part of a small reduction's dispatch cost. The dict is
    made only where it is needed: for the tracer, for ``out=`` and for non-Tensor input, which
    take ``apply``'s path with the same params.
    """
    if out is None and (x.__class__ is Tensor or isinstance(x, Tensor)):
        device = x.device
        fn = o._by_device.get(device) if o._generation == _plugins._generation else None
        if fn is None:
            fn = o.kernel(device)
        if dtype is _NO_DTYPE:
            result = fn(x.data, axis=axis, keepdims=keepdims)
        else:
            result = fn(x.data, axis=axis, dtype=dtype, keepdims=keepdims)
        t = _new(Tensor)
        t.data = result if result.__class__ is _ndarray else _as_array(result, device)
        t.device = device
        if _tracer is not None and x.requires_grad:
            _tracer.record(o.name, (x,), _reduce_params(axis, keepdims, dtype), t)
        return t
    return apply(o, (x,), _reduce_params(axis, keepdims, dtype), out)


def _reduce_params(axis: Any, keepdims: bool, dtype: Any) -> dict[str, Any]:
    if dtype is _NO_DTYPE:
        return {"axis": axis, "keepdims": keepdims}
    return {"axis": axis, "dtype": dtype, "keepdims": keepdims}


def _unwrap_args(o: Op, args: tuple[Any, ...], device: Device | None) -> tuple[Any, list, bool]:
    """(device, backend arguments, whether any input requires grad) for a general op call."""
    tensors: list[Any] = []
    for arg in args:
        if isinstance(arg, Tensor):
            tensors.append(arg)
        elif isinstance(arg, (list, tuple)):
            tensors.extend(a for a in arg if isinstance(a, Tensor))
    if device is None:
        device = tensors[0].device if tensors else get_default_device()
    for t in tensors:
        if t.device is not device:
            first = tensors[0] if tensors[0].device is not t.device else None
            if first is None:
                raise DeviceError(f"{o.name}: expected tensors on {device}, got one on "
                                  f"{t.device}")
            raise _mixed(first, t)
    raw = [_unwrap(a, device) for a in args]
    return device, raw, any(t.requires_grad for t in tensors)


def _unwrap(value: Any, device: Device) -> Any:
    if isinstance(value, Tensor):
        return value.data
    if isinstance(value, (list, tuple)):
        return type(value)(_unwrap(v, device) for v in value)
    return _foreign(value, device)


def _wrap_any(result: Any, device: Device) -> Any:
    if isinstance(result, tuple):
        fields = [_wrap_any(r, device) for r in result]
        return type(result)(*fields) if hasattr(result, "_fields") else tuple(fields)
    if isinstance(result, list):
        return [_wrap_any(r, device) for r in result]
    if result is None or isinstance(result, (bool, int, float, complex, str)):
        return result
    return _wrap(device.backend.wrap_result(result), device)


def _install_tensor(cls: type) -> None:
    """Called by tensor.py: the class results are built as."""
    global Tensor
    Tensor = _elementwise.Tensor = cls


from . import dispatch_elementwise as _elementwise  # noqa: E402 - it imports this module
from .dispatch_elementwise import (  # noqa: E402
    _promote_for,
    binary,
    binary_inplace,
    rbinary,
    unary,
)

__all__ = ["Op", "apply", "apply_one", "binary", "binary_inplace", "broadcast_shape",
           "check_out", "get_tracer", "op", "ops", "rbinary", "reduce", "set_tracer", "unary"]
