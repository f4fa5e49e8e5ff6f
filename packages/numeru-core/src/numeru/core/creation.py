"""Creation functions: ``asarray``, ``zeros``, ``arange``, ... and ``astype``."""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from . import dispatch
from .devices import Device, get_default_device
from .devices import device as _device
from .dtypes import ALL, default_for, get_default_dtype
from .dtypes import bfloat16 as _BF16
from .dtypes import dtype as _dtype
from .errors import (
    DeviceError,
    DTypeError,
    NumeruError,
    OutOfBoundsError,
    ShapeError,
    ValidationError,
    expected,
)
from .tensor import Tensor

_SCALARS = (bool, int, float, complex)


def _target(device: Any) -> Device:
    return get_default_device() if device is None else _device(device)


def _infer_dtype(obj: Any) -> np.dtype | None:
    """The dtype for Python data: bool, int64, default float or complex, as the standard says."""
    if isinstance(obj, _SCALARS):
        return default_for(obj)
    if isinstance(obj, (list, tuple)):
        kinds: set[np.dtype] = set()
        stack = [obj]
        while stack:
            item = stack.pop()
            if isinstance(item, (list, tuple)):
                stack.extend(item)
            elif isinstance(item, _SCALARS):
                kinds.add(default_for(item))
            else:
                return None  # mixed with arrays or tensors: let NumPy decide
        if not kinds:
            return get_default_dtype()
        return np.result_type(*kinds)
    return None


def asarray(
    obj: Any,
    /,
    *,
    dtype: Any = None,
    device: Any = None,
    copy: bool | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """A Tensor from a Tensor, a NumPy array, nested sequences, a scalar or a DLPack object."""
    dt = None if dtype is None else _dtype(dtype)
    if isinstance(obj, Tensor):
        target = obj.device if device is None else _device(device)
        result = obj
        if target is not obj.device:
            if copy is False:
                raise DeviceError(
                    f"asarray: copy=False cannot move a tensor from {obj.device} to {target}"
                )
            result = obj.to(target)
            copy = False
        if dt is not None and dt != result.dtype:
            if copy is False:
                raise DTypeError(f"asarray: copy=False cannot convert {result.dtype} to {dt}")
            result = astype(result, dt)
            copy = False
        if copy:
            backend = result.device.backend
            result = Tensor(
                backend.asarray(result.data, None, result.device.index, True), result.device
            )
    else:
        target = _target(device)
        backend = target.backend
        if dt is None:
            dt = _infer_dtype(obj)
        if dt is None and hasattr(obj, "__dlpack__") and not isinstance(obj, np.ndarray):
            result = from_dlpack(obj)  # shares the producer's memory
            if result.device is not target:
                if copy is False:
                    raise DeviceError(f"asarray: copy=False cannot move data from "
                                      f"{result.device} to {target}")
                result = result.to(target)
            elif copy:
                result = Tensor(backend.asarray(result.data, None, target.index, True), target)
        else:
            if isinstance(obj, np.ndarray) and obj.dtype.byteorder == ">":
                if copy is False:  # tensors hold native byte order: converting copies
                    raise expected("copy", "None or True for a big-endian array (converting "
                                   "it to native byte order copies it)", copy)
                obj = obj.astype(obj.dtype.newbyteorder("="))
            if isinstance(obj, np.ndarray) and obj.dtype not in _VALID and dt is None:
                _dtype(obj.dtype)  # raises a DTypeError naming the unsupported dtype
            try:
                data = backend.asarray(obj, dt, target.index, copy)
            except OverflowError as exc:  # a Python int outside the dtype's range
                if isinstance(exc, NumeruError):
                    raise
                raise OutOfBoundsError(f"asarray: obj: expected values within the range of "
                                       f"{dt or 'int64'}, got {_show_value(obj)} ({exc})"
                                       ) from None
            except ValueError as exc:  # NaN or infinity into an integer dtype
                if isinstance(exc, NumeruError) or "convert" not in str(exc):
                    raise
                raise ValidationError(f"asarray: obj: expected values that convert to {dt}, "
                                      f"got {_show_value(obj)} ({exc})") from None
            result = Tensor(data, target)
    if requires_grad:
        result.requires_grad = True
    return result


def from_dlpack(x: Any, /, *, device: Any = None, copy: bool | None = None) -> Tensor:
    """A Tensor sharing memory with any DLPack producer (NumPy, PyTorch, CuPy, ...)."""
    kind, index = x.__dlpack_device__()
    kind = int(kind)
    if kind == 1:  # kDLCPU
        data = _bfloat16_from_torch(x, copy)
        if data is None:
            data = np.from_dlpack(x, copy=copy) if copy is not None else np.from_dlpack(x)
        result = Tensor(data, "cpu")
    else:
        from .plugins import registry

        backends = registry("backends")
        owner = next(
            (
                b
                for name in backends.names()
                if (b := backends.get(name)).name != "cpu"
                and getattr(b, "dlpack_device_type", None) == kind
            ),
            None,
        )
        if owner is None:
            raise DeviceError(f"from_dlpack: no installed backend takes DLPack device type {kind}")
        result = Tensor(owner.from_dlpack(x), _device(owner.name, int(index)))
    return result if device is None else result.to(device)


def _bfloat16_from_torch(x: Any, copy: bool | None) -> Any:
    """A PyTorch bfloat16 tensor, shared through DLPack as int16 bits (NumPy's DLPack has no
    bfloat16) and viewed back as bfloat16; None for anything else."""
    torch = sys.modules.get("torch")
    if torch is None or not isinstance(x, torch.Tensor) or x.dtype != torch.bfloat16:
        return None
    bits = x.view(torch.int16)
    raw = np.from_dlpack(bits, copy=copy) if copy is not None else np.from_dlpack(bits)
    return raw.view(_BF16)


def _with_grad(t: Tensor, requires_grad: bool) -> Tensor:
    """``requires_grad=`` of the creation functions (autograd itself lives in numeru-dl)."""
    # requires_grad_ is one of the methods tensor_methods installs on Tensor at import.
    return t.requires_grad_(True) if requires_grad else t  # type: ignore[attr-defined]


def _fill(shape: Any, dtype: Any, device: Any, fill: Any, *, zeroed: bool = False) -> Tensor:
    target = _target(device)
    shape = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(map(int, shape))
    if shape and min(shape) < 0:
        raise expected("shape", "non-negative sizes", shape, error=ShapeError)
    dt = (
        _dtype(dtype)
        if dtype is not None
        else (get_default_dtype() if fill is None else default_for(fill))
    )
    backend = target.backend
    if fill is None:
        data = backend.empty(shape, dt, target.index)
    elif zeroed:
        data = backend.zeros(shape, dt, target.index)  # calloc'ed on the CPU: no write pass
    else:
        try:
            if backend.native_out:
                data = backend.empty(shape, dt, target.index)
                data.fill(fill)
            else:
                data = backend.xp.full(shape, fill, dtype=backend.native_dtype(dt))
        except (OverflowError, ValueError, TypeError) as exc:
            raise _fill_error(fill, dt, exc) from None
    return Tensor(data, target)


def _fill_error(fill: Any, dt: np.dtype, exc: Exception) -> Exception:
    """NumPy's error for a fill value that does not convert to ``dt``, naming ``fill_value``:
    a Python int out of range (NumPy 2: OverflowError), NaN or infinity into an integer
    dtype, a complex into a real dtype (NumPy would drop the imaginary part)."""
    if isinstance(exc, NumeruError):
        return exc
    what = f"a value that converts to {dt}"
    if isinstance(exc, OverflowError):
        return OutOfBoundsError(f"full: fill_value: expected {what}, got {fill!r} ({exc})")
    if isinstance(exc, TypeError):
        return DTypeError(f"full: fill_value: expected {what}, got {fill!r} ({exc})")
    return ValidationError(f"full: fill_value: expected {what}, got {fill!r} ({exc})")


def _show_value(obj: Any) -> str:
    text = repr(obj)
    return text if len(text) <= 80 else text[:77] + "..."


def empty(
    shape: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    return _with_grad(_fill(shape, dtype, device, None), requires_grad)


def zeros(
    shape: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    return _with_grad(
        _fill(shape, dtype or get_default_dtype(), device, 0, zeroed=True), requires_grad
    )


def ones(
    shape: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    return _with_grad(_fill(shape, dtype or get_default_dtype(), device, 1), requires_grad)


def full(
    shape: Any,
    fill_value: Any,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    if isinstance(fill_value, Tensor):
        if dtype is None:
            dtype = fill_value.dtype  # a one-element tensor's dtype, as np.full keeps it
        fill_value = fill_value.item()
    return _with_grad(_fill(shape, dtype, device, fill_value), requires_grad)


def _like(x: Tensor, dtype: Any, device: Any) -> tuple[Any, Any]:
    return (x.dtype if dtype is None else dtype), (x.device if device is None else device)


def empty_like(
    x: Tensor, /, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    dt, dev = _like(x, dtype, device)
    return _with_grad(empty(x.shape, dtype=dt, device=dev), requires_grad)


def zeros_like(
    x: Tensor, /, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    dt, dev = _like(x, dtype, device)
    return _with_grad(zeros(x.shape, dtype=dt, device=dev), requires_grad)


def ones_like(
    x: Tensor, /, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    dt, dev = _like(x, dtype, device)
    return _with_grad(ones(x.shape, dtype=dt, device=dev), requires_grad)


def full_like(
    x: Tensor,
    /,
    fill_value: Any,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    dt, dev = _like(x, dtype, device)
    return _with_grad(full(x.shape, fill_value, dtype=dt, device=dev), requires_grad)


def arange(
    start: Any,
    /,
    stop: Any = None,
    step: Any = 1,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    target = _target(device)
    start, stop, step = _python_number(start), _python_number(stop), _python_number(step)
    if stop is None:
        start, stop = 0, start
    if step == 0:
        raise expected("arange: step", "a non-zero number", step, error=ValidationError)
    dt = (
        _dtype(dtype)
        if dtype is not None
        else (
            default_for(1.0)
            if any(isinstance(v, float) for v in (start, stop, step))
            else default_for(1)
        )
    )
    xp = target.backend.xp
    with target.backend.use(target.index):
        data = xp.arange(start, stop, step, dtype=target.backend.native_dtype(dt))
    return _with_grad(
        Tensor(target.backend.owned(target.backend.wrap_result(data)), target), requires_grad
    )


def _python_number(value: Any) -> Any:
    """A 0-d Tensor or a NumPy scalar (``np.float32(2.5)``) as the Python number it holds, so
    ``arange``/``linspace`` infer the dtype from its kind, as for Python numbers."""
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise expected("arange/linspace: bound", "a number or a 0-d tensor",
                           f"a tensor of shape {value.shape}", error=ShapeError)
        return value.item()
    return value.item() if isinstance(value, np.generic) else value


def linspace(
    start: Any,
    stop: Any,
    /,
    num: int,
    *,
    dtype: Any = None,
    device: Any = None,
    endpoint: bool = True,
    requires_grad: bool = False,
) -> Tensor:
    target = _target(device)
    start, stop = _python_number(start), _python_number(stop)
    dt = (
        _dtype(dtype)
        if dtype is not None
        else (
            default_for(1j)
            if any(isinstance(v, complex) for v in (start, stop))
            else get_default_dtype()
        )
    )
    with target.backend.use(target.index):
        data = target.backend.xp.linspace(
            start, stop, num, dtype=target.backend.native_dtype(dt), endpoint=endpoint
        )
    return _with_grad(Tensor(target.backend.owned(data), target), requires_grad)


def eye(
    n_rows: int,
    n_cols: int | None = None,
    /,
    *,
    k: int = 0,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    target = _target(device)
    dt = _dtype(dtype) if dtype is not None else get_default_dtype()
    with target.backend.use(target.index):
        data = target.backend.xp.eye(n_rows, n_cols, k=k, dtype=target.backend.native_dtype(dt))
    return _with_grad(Tensor(target.backend.owned(data), target), requires_grad)


def astype(x: Tensor, dtype: Any, /, *, copy: bool = True, device: Any = None) -> Tensor:
    """``x`` converted to ``dtype`` (a copy unless ``copy=False`` and the dtype already matches)."""
    dt = _dtype(dtype)
    if device is not None:
        x = x.to(device)
    if not copy and x.dtype == dt:
        return x
    return dispatch.apply_one(_ASTYPE, x, {"dtype": x.device.backend.native_dtype(dt)})


def _astype_generic(xp: Any, x: Any, dtype: Any) -> Any:
    return xp.astype(x, dtype)


_ASTYPE = dispatch.op("astype", _astype_generic)
_VALID = frozenset(ALL)


def tril(x: Tensor, /, *, k: int = 0, out: Tensor | None = None) -> Tensor:
    return dispatch.apply_one(dispatch.op("tril"), x, {"k": k}, out)


def triu(x: Tensor, /, *, k: int = 0, out: Tensor | None = None) -> Tensor:
    return dispatch.apply_one(dispatch.op("triu"), x, {"k": k}, out)


def meshgrid(*arrays: Tensor, indexing: str = "xy") -> list[Tensor]:
    if indexing not in ("xy", "ij"):
        raise expected("meshgrid: indexing", "'xy' or 'ij'", indexing, error=ValidationError)
    return list(dispatch.apply(dispatch.op("meshgrid"), tuple(arrays), {"indexing": indexing}))
