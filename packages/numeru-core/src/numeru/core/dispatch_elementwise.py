"""The elementwise call path: ``unary``, ``binary``, ``rbinary`` and ``binary_inplace``.

Written for speed, because every Python operator on a Tensor lands here: exact ``Tensor``
operands and Python scalars take a short path (kernel cached per device, result built without
``Tensor.__init__``); anything else (subclasses, host data, ``out=``, errors, bfloat16 mixes)
goes through the general path, which checks ``out=`` before writing and names both shapes
when broadcasting fails. Re-exported by ``numeru.core.dispatch``.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from . import plugins as _plugins
from .devices import CPU as _CPU
from .devices import Device
from .dispatch import (
    _SCALARS,
    Op,
    _as_array,
    _foreign,
    _mixed,
    _ndarray,
    _new,
    _wrap,
    broadcast_shape,
    check_out,
)
from .dtypes import bfloat16 as _BF16
from .dtypes import result_type as _result_type
from .errors import DTypeError

Tensor: Any = None  # set by dispatch._install_tensor
_tracer: Any = None  # kept equal to dispatch._tracer by dispatch.set_tracer
_ufunc = np.ufunc
# ndarray's own in-place operators: the cheapest way to run `x op= y` in NumPy (no out= parsing).
_NUMPY_INPLACE: dict[Any, Any] = {
    np.add: operator.iadd, np.subtract: operator.isub, np.multiply: operator.imul,
    np.divide: operator.itruediv, np.floor_divide: operator.ifloordiv,
    np.remainder: operator.imod, np.power: operator.ipow, np.bitwise_and: operator.iand,
    np.bitwise_or: operator.ior, np.bitwise_xor: operator.ixor,
    np.left_shift: operator.ilshift, np.right_shift: operator.irshift,
}


def _dtype_or_type(value: Any) -> Any:
    return type(value) if isinstance(value, _SCALARS) else value.dtype


_out_dtypes: dict[tuple[Any, ...], Any] = {}


def _result_dtype(fn: Any, in_dtypes: tuple[Any, ...]) -> np.dtype | None:
    """The output dtype a NumPy/CuPy ufunc gives for these inputs (None when not a ufunc)."""
    key = (fn, *in_dtypes)
    found = _out_dtypes.get(key, False)
    if found is False:
        resolve = getattr(fn, "resolve_dtypes", None)
        found = None
        if resolve is not None:
            try:
                found = resolve((*in_dtypes, None))[-1]
            except (TypeError, ValueError):
                found = None  # e.g. bfloat16 with float16: no loop; the general path copies
        _out_dtypes[key] = found
    return found


def _promote_for(backend: Any, a: Any, b: Any) -> tuple[Any, Any]:
    """Cast operands to their common dtype for namespaces that refuse mixed kinds."""
    xp = backend.xp
    da = backend.dtype_of(a) if not isinstance(a, _SCALARS) else a
    db = backend.dtype_of(b) if not isinstance(b, _SCALARS) else b
    if isinstance(da, np.dtype) and isinstance(db, np.dtype):
        if da == db:
            return a, b
        common = backend.native_dtype(_result_type(da, db))
        return xp.astype(a, common), xp.astype(b, common)
    array, scalar, first = (a, b, True) if isinstance(da, np.dtype) else (b, a, False)
    dtype = da if first else db
    common = _result_type(dtype, scalar)
    if common != dtype:
        array = xp.astype(array, backend.native_dtype(common))
    scalar_arr = xp.asarray(scalar, dtype=backend.native_dtype(common))
    return (array, scalar_arr) if first else (scalar_arr, array)


# -- elementwise: the hot path ------------------------------------------------------------------

def unary(o: Op, x: Any, out: Any = None, **params: Any) -> Any:
    """Elementwise op of one tensor, optionally into ``out``."""
    if out is None and (x.__class__ is Tensor or isinstance(x, Tensor)):
        device = x.device
        fn = o._by_device.get(device) if o._generation == _plugins._generation else None
        if fn is None:
            fn = o.kernel(device)
        try:
            result = fn(x.data, **params) if params else fn(x.data)
        except TypeError as exc:
            raise DTypeError(f"{o.name}: expected a tensor of a dtype it is defined for, got "
                             f"{x.dtype} ({exc})") from None
        t = _new(Tensor)
        t.data = result if result.__class__ is _ndarray else _as_array(result, device)
        t.device = device
        if _tracer is not None and x.requires_grad:
            _tracer.record(o.name, (x,), params, t)
        return t
    if (out is not None and not params and x.__class__ is Tensor and out.__class__ is Tensor
            and x.device is _CPU and out.device is _CPU):
        # out= fast path: a NumPy ufunc whose result has out's shape and exact dtype.
        fn = o._by_device.get(_CPU) if o._generation == _plugins._generation else None
        if fn is None:
            fn = o.kernel(_CPU)
        a, target = x.data, out.data
        if (fn.__class__ is _ufunc and a.shape == target.shape
                and _result_dtype(fn, (a.dtype,)) == target.dtype):
            fn(a, target)
            if _tracer is not None and x.requires_grad:
                _tracer.record(o.name, (x,), params, out)
            return out
    return _unary_general(o, x, out, params)


def binary(o: Op, x1: Any, x2: Any, out: Any = None) -> Any:
    """Elementwise op of two operands (tensors or Python scalars), broadcasting."""
    # Subclasses (numeru-dl's Parameter) take the fast path too, after the exact-type test.
    if out is None and (x1.__class__ is Tensor or isinstance(x1, Tensor)):
        device = x1.device
        c2 = x2.__class__
        if c2 is Tensor or isinstance(x2, Tensor):
            if x2.device is not device:
                raise _mixed(x1, x2)
            b = x2.data
            c2 = Tensor
        elif c2 is int or c2 is float or c2 is bool:
            b = x2
        else:
            return _binary_general(o, x1, x2, None)
        a = x1.data
        fn = o._binary.get(device) if o._generation == _plugins._generation else None
        if fn is None:
            fn = o.binary_kernel(device)
        try:
            if c2 is float and a.dtype is _BF16:
                b = _bf16_scalar(b)
            result = fn(a, b)
        except (ValueError, TypeError) as exc:
            result = _binary_retry(o, fn, a, b, device, exc)
        t = _new(Tensor)
        t.data = result if result.__class__ is _ndarray else _as_array(result, device)
        t.device = device
        if _tracer is not None and (x1.requires_grad or (c2 is Tensor and x2.requires_grad)):
            _tracer.record(o.name, (x1, x2), {}, t)
        return t
    if out is not None and out.__class__ is Tensor and x1.__class__ is Tensor:
        return _binary_into(o, x1, x2, out)
    return _binary_general(o, x1, x2, out)


def _binary_into(o: Op, x1: Any, x2: Any, out: Any) -> Any:
    """``out=`` fast path: NumPy ufunc, same shapes, exact result dtype; else the general path."""
    device = x1.device
    a = x1.data
    c2 = x2.__class__
    if c2 is Tensor and x2.device is device:
        b = x2.data
        b_key = b.dtype
        same_shape = b.shape == a.shape
    elif c2 is int or c2 is float or c2 is bool:
        b, b_key, same_shape = x2, c2, True
    else:
        return _binary_general(o, x1, x2, out)
    target = out.data
    if (device is _CPU and out.device is device and same_shape and target.shape == a.shape
            and a.dtype is not _BF16 and b_key is not _BF16):
        fn = o._binary.get(device) if o._generation == _plugins._generation else None
        if fn is None:
            fn = o.binary_kernel(device)
        a_dtype = a.dtype
        result_dtype = _out_dtypes.get((fn, a_dtype, b_key), False)  # _result_dtype's cache
        if result_dtype is False:
            result_dtype = _result_dtype(fn, (a_dtype, b_key))
        if fn.__class__ is _ufunc and result_dtype == target.dtype:
            fn(a, b, target)
            if _tracer is not None and (x1.requires_grad or (c2 is Tensor and x2.requires_grad)):
                _tracer.record(o.name, (x1, x2), {}, out)
            return out
    return _binary_general(o, x1, x2, out)


def rbinary(o: Op, x2: Any, x1: Any) -> Any:
    """``x1 op x2`` for a reflected operator (``2.0 - t``): ``x2`` is the tensor."""
    c1 = x1.__class__
    if (c1 is int or c1 is float or c1 is bool) and isinstance(x2, Tensor):
        device = x2.device
        b = x2.data
        fn = o._binary.get(device) if o._generation == _plugins._generation else None
        if fn is None:
            fn = o.binary_kernel(device)
        try:
            if c1 is float and b.dtype is _BF16:
                x1 = _bf16_scalar(x1)
            result = fn(x1, b)
        except (ValueError, TypeError) as exc:
            result = _binary_retry(o, fn, x1, b, device, exc)
        t = _new(Tensor)
        t.data = result if result.__class__ is _ndarray else _as_array(result, device)
        t.device = device
        if _tracer is not None and x2.requires_grad:
            _tracer.record(o.name, (x1, x2), {}, t)
        return t
    return _binary_general(o, x1, x2, None)


def _bf16_scalar(value: Any) -> Any:
    # ml_dtypes promotes bfloat16 + Python float to float32; the standard keeps bfloat16.
    return np.asarray(value, dtype=_BF16)


def _binary_retry(o: Op, fn: Any, a: Any, b: Any, device: Device, exc: Exception) -> Any:
    """Turn NumPy's errors into ours, or compute through our promotion table."""
    shape_a, shape_b = np.shape(a), np.shape(b)
    if isinstance(exc, ValueError) and "broadcast" in str(exc):
        broadcast_shape(o.name, shape_a, shape_b)
    if isinstance(exc, TypeError) and not isinstance(a, _SCALARS) and (
            a.dtype == _BF16 or (not isinstance(b, _SCALARS) and b.dtype == _BF16)):
        # bfloat16 meeting float16 or a wide integer has no NumPy loop: use our table.
        backend = device.backend
        common = backend.native_dtype(_result_type(_dtype_or_type(a), _dtype_or_type(b)))
        xp = backend.xp
        b_arr = xp.asarray(b, dtype=common) if isinstance(b, _SCALARS) else xp.astype(b, common)
        try:
            return fn(xp.astype(a, common), b_arr)
        except TypeError as no_loop:  # none in the common dtype either (complex // ...)
            exc = no_loop
    if isinstance(exc, TypeError) and not isinstance(exc, DTypeError):
        raise DTypeError(f"{o.name}: expected operands of dtypes it is defined for, got "
                         f"{_show_dtype(a)} and {_show_dtype(b)} ({exc})") from None
    raise exc


def _show_dtype(value: Any) -> str:
    return type(value).__name__ if isinstance(value, _SCALARS) else str(value.dtype)


# -- elementwise: the general path --------------------------------------------------------------

def _as_tensor(value: Any) -> Any:
    return value if isinstance(value, Tensor) else Tensor._from_host(value, None)


def _unary_general(o: Op, x: Any, out: Any, params: dict[str, Any]) -> Any:
    x = _as_tensor(x)
    device = x.device
    backend = device.backend
    fn = o._by_device.get(device) if o._generation == _plugins._generation else None
    if fn is None:
        fn = o.kernel(device)
    if out is None:
        result_t = _wrap(fn(x.data, **params), device)
    else:
        native = backend.native_out or o.resolve(backend)[1]
        dtype = _result_dtype(fn, (x.dtype,)) if native and not params else None
        if dtype is not None:
            check_out(out, x.shape, dtype, device, o.name)
            fn(x.data, out=out.data)
        else:
            result = backend.wrap_result(fn(x.data, **params))
            check_out(out, x.shape, backend.dtype_of(result), device, o.name)
            backend.copy_into(out.data, result)
        result_t = out
    if _tracer is not None and x.requires_grad:
        _tracer.record(o.name, (x,), params, result_t)
    return result_t


def _binary_general(o: Op, x1: Any, x2: Any, out: Any, casting: str | None = None) -> Any:
    t1 = isinstance(x1, Tensor)
    t2 = isinstance(x2, Tensor)
    if t1:
        device = x1.device
        if t2:
            if x2.device is not device:
                raise _mixed(x1, x2)
            a, b = x1.data, x2.data
        else:
            a, b = x1.data, _foreign(x2, device)
    elif t2:
        device = x2.device
        a, b = _foreign(x1, device), x2.data
    else:
        return _binary_general(o, Tensor._from_host(x1, None), x2, out, casting)
    if b.__class__ is float and a.dtype == _BF16:
        b = _bf16_scalar(b)
    if a.__class__ is float and b.dtype == _BF16:
        a = _bf16_scalar(a)
    backend = device.backend
    fn = o._binary.get(device) if o._generation == _plugins._generation else None
    if fn is None:
        fn = o.binary_kernel(device)
    if out is None:
        try:
            result = fn(a, b)
        except (ValueError, TypeError) as exc:
            result = _binary_retry(o, fn, a, b, device, exc)
        result_t = _wrap(result, device)
    else:
        shape_a = a.shape if a.__class__ is _ndarray else np.shape(a)
        shape_b = b.shape if b.__class__ is _ndarray else np.shape(b)
        shape = broadcast_shape(o.name, shape_a, shape_b)
        native = backend.native_out or o.resolve(backend)[1]
        dtype = _result_dtype(fn, (_dtype_or_type(a), _dtype_or_type(b))) if native else None
        if dtype is not None:
            check_out(out, shape, dtype, device, o.name, casting=casting)
            if casting is None:
                fn(a, b, out=out.data)
            else:
                fn(a, b, out=out.data, casting=casting)
        else:
            try:
                result = backend.wrap_result(fn(a, b))
            except (ValueError, TypeError) as exc:
                result = backend.wrap_result(_binary_retry(o, fn, a, b, device, exc))
            check_out(out, shape, backend.dtype_of(result), device, o.name, casting=casting)
            backend.copy_into(out.data, result)
        result_t = out
    if _tracer is not None and ((t1 and x1.requires_grad) or (t2 and x2.requires_grad)):
        _tracer.record(o.name, (x1, x2), {}, result_t)
    return result_t


def binary_inplace(o: Op, x: Any, other: Any) -> Any:
    """``x op= other`` into ``x``'s buffer; the result may cast within its kind (``same_kind``)."""
    if x.__class__ is Tensor and (_tracer is None or not x.requires_grad):
        # Fast path (NumPy ufuncs on the CPU): NumPy checks casting and shapes before writing.
        device = x.device
        c2 = other.__class__
        a = x.data
        if c2 is Tensor and other.device is device:
            b = other.data  # NumPy refuses (ValueError) an operand that would grow x's shape
        elif c2 is int or c2 is float or c2 is bool:
            b = other
        else:
            return _binary_general(o, x, other, x, "same_kind")
        if device is _CPU and not (c2 is float and a.dtype is _BF16):
            fn = o._binary.get(device) if o._generation == _plugins._generation else None
            if fn is None:
                fn = o.binary_kernel(device)
            if fn.__class__ is _ufunc:
                try:
                    # NumPy's in-place casting rule is "same_kind", ours too; it checks before
                    # writing. ndarray's own ``+=`` is its cheapest spelling of an in-place op.
                    operator_ = _NUMPY_INPLACE.get(fn)
                    if operator_ is not None:
                        operator_(a, b)
                    else:
                        fn(a, b, a)
                    return x
                except (TypeError, ValueError):
                    pass  # the general path raises our DTypeError / ShapeError
    return _binary_general(o, x, other, x, "same_kind")
