"""The elementwise call path: ``unary``, ``binary``, ``rbinary`` and ``binary_inplace``.

Written for speed, because every Python operator on a Tensor lands here: exact ``Tensor``
operands and Python scalars take a short path (kernel cached per device, result built without
``Tensor.__init__``); anything else (subclasses, host data, ``out=``, errors, bfloat16 mixes)
goes through the general path, which checks ``out=`` before writing and names both shapes
when broadcasting fails. Re-exported by ``numeru.core.dispatch``.
"""

from __future__ import annotations

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
from .errors import DTypeError, NumeruError, OutOfBoundsError, ValidationError

Tensor: Any = None  # set by dispatch._install_tensor
_tracer: Any = None  # kept equal to dispatch._tracer by dispatch.set_tracer
_ufunc = np.ufunc


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
        # ``is``, not ``==``: None (no loop for this dtype) == float64 holds in NumPy.
        if (fn.__class__ is _ufunc and a.shape == target.shape
                and _result_dtype(fn, (a.dtype,)) is target.dtype):
            try:
                if target is a and a.size == 1:
                    a[()] = fn(a)  # x.exp_() of one element: see the note above binary_inplace
                else:
                    fn(a, target)
            except ValueError:
                check_out(out, a.shape, target.dtype, _CPU, o.name)  # read-only: our error
                raise
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
        except (ValueError, TypeError, OverflowError) as exc:
            result = _binary_retry(o, fn, a, b, device, exc)
        t = _new(Tensor)
        t.data = result if result.__class__ is _ndarray else _as_array(result, device)
        t.device = device
        if _tracer is not None and (x1.requires_grad or (c2 is Tensor and x2.requires_grad)):
            _tracer.record(o.name, (x1, x2), {}, t)
        return t
    if out.__class__ is Tensor and x1.__class__ is Tensor and out.device is _CPU:
        # out= fast path: NumPy ufunc, the same shapes, the exact result dtype; else the
        # general path (which checks and names what differs).
        a = x1.data
        c2 = x2.__class__
        if c2 is Tensor:
            if x2.device is not _CPU:
                return _binary_general(o, x1, x2, out)
            b = x2.data
            b_key = b.dtype
            target = out.data
            shape = a.shape
            same_shape = shape == target.shape and b.shape == shape
        elif c2 is int or c2 is float or c2 is bool:
            b, b_key, target = x2, c2, out.data
            same_shape = a.shape == target.shape
        else:
            return _binary_general(o, x1, x2, out)
        a_dtype = a.dtype
        if same_shape and x1.device is _CPU and a_dtype is not _BF16 and b_key is not _BF16:
            fn = o._binary.get(_CPU) if o._generation == _plugins._generation else None
            if fn is None:
                fn = o.binary_kernel(_CPU)
            last = o._result  # the last (dtype, dtype, result dtype): one op, one dtype mostly
            if last[0] is a_dtype and last[1] is b_key:
                result_dtype = last[2]
            else:
                result_dtype = _result_dtype(fn, (a_dtype, b_key))
                o._result = (a_dtype, b_key, result_dtype)
            # ``is``: NumPy's built-in dtypes are singletons (an equal dtype object takes the
            # general path); None (no loop) never matches.
            if result_dtype is target.dtype and fn.__class__ is _ufunc:
                try:
                    fn(a, b, out=target)  # by keyword: see binary_inplace
                except (ValueError, OverflowError) as exc:  # Python int out of range, int ** -n
                    raise _numpy_value_error(o, a, b, exc) or exc from None
                if _tracer is not None and (x1.requires_grad
                                            or (c2 is Tensor and x2.requires_grad)):
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
        except (ValueError, TypeError, OverflowError) as exc:
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
    translated = _numpy_value_error(o, a, b, exc)
    if translated is not None:
        raise translated from None
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


def _numpy_value_error(o: Op, a: Any, b: Any, exc: Exception) -> Exception | None:
    """NumPy's errors about values, in numeru's words (None for any other error): a Python
    int outside the range of the dtype it meets (NEP 50: NumPy 2 raises OverflowError) and an
    integer raised to a negative integer power (NumPy raises ValueError)."""
    if isinstance(exc, NumeruError):
        return None
    if isinstance(exc, ValueError) and "read-only" in str(exc):
        return ValidationError(f"{o.name}: out: expected a writable tensor, got a read-only "
                               f"one (copy it first: x = x.copy())")
    if isinstance(exc, OverflowError):
        name, value, other = ("x1", a, b) if a.__class__ is int else ("x2", b, a)
        if value.__class__ is not int:
            return None
        return OutOfBoundsError(
            f"{o.name}: {name}: expected a Python int within the range of {_show_dtype(other)} "
            f"(a Python scalar takes the tensor's dtype, NumPy 2 / NEP 50), got {value}")
    if isinstance(exc, ValueError) and "negative integer powers" in str(exc):
        return ValidationError(
            f"{o.name}: x2: expected non-negative exponents for an integer base (as NumPy, "
            f"integers to negative integer powers are refused; use a floating base), got "
            f"negative exponents with {_show_dtype(a)} and {_show_dtype(b)} operands")
    return None


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
            try:
                result = backend.wrap_result(fn(x.data, **params))
            except TypeError as exc:  # no loop for this dtype: as without out=
                if isinstance(exc, DTypeError):
                    raise
                raise DTypeError(f"{o.name}: expected a tensor of a dtype it is defined for, "
                                 f"got {x.dtype} ({exc})") from None
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
        except (ValueError, TypeError, OverflowError) as exc:
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
            try:
                if casting is None:
                    fn(a, b, out=out.data)
                else:
                    fn(a, b, out=out.data, casting=casting)
            except (ValueError, OverflowError) as exc:
                raise _numpy_value_error(o, a, b, exc) or exc from None
        else:
            try:
                result = backend.wrap_result(fn(a, b))
            except (ValueError, TypeError, OverflowError) as exc:
                result = backend.wrap_result(_binary_retry(o, fn, a, b, device, exc))
            check_out(out, shape, backend.dtype_of(result), device, o.name, casting=casting)
            backend.copy_into(out.data, result)
        result_t = out
    if _tracer is not None and ((t1 and x1.requires_grad) or (t2 and x2.requires_grad)):
        _tracer.record(o.name, (x1, x2), {}, result_t)
    return result_t


# One-element in-place ops: NumPy runs an in-place ufunc (the output is an input) on a
# one-element or 0-d array through its general iterator: its fast test that "the output is the
# input" needs a non-zero stride, and it takes the stride of a one-element operand as 0. That
# costs ~0.6 us, more than the op itself (NumPy 2.4 on the benchmark machine: `np.add(x, y, x)`
# 1.0 us for x of one element, 0.4 us for two). Computing the element out of place and storing
# it costs ~0.6 us in all; it is used only where it means the same: a result of the target's
# exact dtype (``is``: NumPy's built-in dtypes are singletons; an equal dtype object only takes
# the ordinary path) and number of axes.
def binary_inplace(o: Op, x: Any, other: Any) -> Any:
    """``x op= other`` into ``x``'s buffer; the result may cast within its kind (``same_kind``)."""
    if x.__class__ is Tensor and x.device is _CPU and (_tracer is None or not x.requires_grad):
        # Fast path (NumPy ufuncs on the CPU): NumPy checks casting and shapes before writing.
        a = x.data
        c2 = other.__class__
        if c2 is Tensor:
            b = other.data  # NumPy refuses (ValueError) an operand that would grow x's shape
            if other.device is not _CPU:
                return _binary_general(o, x, other, x, "same_kind")  # the device error
        elif c2 is float:
            b = other
            if a.dtype is _BF16:
                return _binary_general(o, x, other, x, "same_kind")
        elif c2 is int or c2 is bool:
            b = other
        else:
            return _binary_general(o, x, other, x, "same_kind")
        fn = o._binary.get(_CPU) if o._generation == _plugins._generation else None
        if fn is None:
            fn = o.binary_kernel(_CPU)
        if fn.__class__ is _ufunc:
            try:
                if a.size == 1:
                    # One element (see the note above). A larger result of as many axes
                    # fails to store (ValueError) and the general path names the shapes.
                    r = fn(a, b)
                    if r.dtype is a.dtype and r.ndim == a.ndim:
                        a[()] = r
                        return x
                # NumPy's in-place casting rule is "same_kind", ours too; it checks before
                # writing. ``out=`` by keyword: a third positional argument of maximum and
                # minimum is deprecated (and slow: it warns).
                fn(a, b, out=a)
                return x
            except (TypeError, ValueError, OverflowError):
                pass  # the general path raises our DTypeError / ShapeError / ...
    return _binary_general(o, x, other, x, "same_kind")

