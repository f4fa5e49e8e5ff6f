"""``Tensor``: one backend array and its device.

A Tensor holds ``data`` (a ``numpy.ndarray`` on the CPU, a ``cupy.ndarray`` on CUDA, another
backend's array elsewhere) and ``device``. Every operation goes through ``numeru.core.dispatch``.
This module has the data attributes, conversions and Python operators; the methods that mirror
the namespace (``x.sum()``, ``x.reshape()``, ``x.add_()``, ...) are in ``tensor_methods``.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from . import dispatch
from .devices import Device, get_default_device
from .devices import device as _device
from .errors import DeviceError, DTypeError, SerializationError, ShapeError, expected

_E = dispatch.op  # short alias: every elementwise op below is an xp function of the same name


class Tensor:
    """An n-dimensional array on one device."""

    # ``data`` and ``device`` are slots (fast to build and read on the dispatch hot path);
    # ``__dict__`` stays so that subclasses and numeru-dl can attach their own fields.
    __slots__ = ("data", "device", "__dict__", "__weakref__")
    data: Any
    device: Device

    # Autograd fields: numeru.core only stores them; numeru-dl gives them meaning. Class-level
    # defaults cost nothing per tensor until one is set.
    requires_grad: bool = False
    grad: Tensor | None = None
    grad_fn: Any = None

    __array_priority__ = 100  # NumPy defers ``ndarray + Tensor`` to Tensor.__radd__

    def __init__(self, data: Any, device: Device | str | None = None) -> None:
        """Wrap a backend array as it is (no copy); other data (lists, scalars) is converted
        as ``nm.asarray`` does."""
        dev = get_default_device() if device is None else _device(device)
        if isinstance(data, Tensor):
            data = data.data
        elif isinstance(data, np.generic):
            data = np.asarray(data)  # a NumPy scalar: the 0-d array it stands for
        elif not hasattr(data, "dtype") or not hasattr(data, "shape"):
            from .creation import asarray

            data = asarray(data, device=dev).data
        self.data = data
        self.device = dev

    @classmethod
    def _from_host(cls, value: Any, device: Device | None) -> Tensor:
        from .creation import asarray

        return asarray(value, device=device)

    # -- attributes -------------------------------------------------------------------------
    @property
    def dtype(self) -> np.dtype:
        found = self.data.dtype
        if isinstance(found, np.dtype):
            return found
        return self.device.backend.dtype_of(self.data)  # a namespace with its own dtype objects

    @property
    def shape(self) -> tuple[int, ...]:
        shape = self.data.shape
        return shape if shape.__class__ is tuple else tuple(shape)

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return int(self.data.size)

    @property
    def itemsize(self) -> int:
        return self.dtype.itemsize

    @property
    def nbytes(self) -> int:
        return self.size * self.dtype.itemsize

    @property
    def T(self) -> Tensor:
        if self.ndim != 2:
            raise ShapeError(f"T: expected a 2-D tensor, got {self.ndim}-D "
                             "(use mT or permute_dims)")
        return dispatch.apply_one(_E("matrix_transpose"), self, {})

    @property
    def mT(self) -> Tensor:
        if self.ndim < 2:
            raise ShapeError(f"mT: expected a tensor of at least 2 dimensions, got {self.ndim}-D "
                             f"of shape {self.shape}")
        return dispatch.apply_one(_E("matrix_transpose"), self, {})

    def __repr__(self) -> str:
        host = self._host()
        if host.dtype.kind == "V":  # bfloat16: NumPy prints its values best as float32
            host = host.astype(np.float32)
        body = np.array2string(host, separator=", ", prefix="tensor(")
        extra = "" if self.device.type == "cpu" else f", device='{self.device}'"
        grad = ", requires_grad=True" if self.requires_grad else ""
        return f"tensor({body}, dtype={self.dtype}{extra}{grad})"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        """``f"{t:.3f}"`` formats a one-element tensor's value, as PyTorch does."""
        if spec and self.size == 1:
            return format(self.item(), spec)
        return format(str(self), spec)

    # -- conversion -------------------------------------------------------------------------
    def _host(self) -> np.ndarray:
        return self.device.backend.to_numpy(self.data)

    def numpy(self) -> np.ndarray:
        """A NumPy array: the same memory for CPU tensors, an explicit copy from other devices."""
        return self._host()

    def to(self, device: Device | str | None = None, dtype: Any = None, *,
           copy: bool = False) -> Tensor:
        """This tensor on ``device`` and/or as ``dtype`` (a copy only where needed or asked).

        Like PyTorch, ``t.to(nm.float32)`` (a dtype first) converts the dtype only.
        """
        if device is not None and dtype is None and _is_dtype_like(device):
            device, dtype = None, device
        result = self
        if device is not None:
            target = _device(device)
            if target is not self.device:
                host = self._host()
                data = target.backend.from_numpy(np.ascontiguousarray(host).reshape(host.shape),
                                                 target.index)
                result = Tensor(data, target)
                copy = False
        if dtype is not None:
            from .creation import astype

            result = astype(result, dtype, copy=copy)
            copy = False
        if copy:
            from .creation import asarray

            result = asarray(result, copy=True)
        return result

    def cpu(self) -> Tensor:
        return self.to("cpu")

    def astype(self, dtype: Any, /, *, copy: bool = True) -> Tensor:
        from .creation import astype

        return astype(self, dtype, copy=copy)

    def item(self) -> Any:
        if self.size != 1:
            raise ShapeError(f"item: expected a tensor with one element, got shape {self.shape}")
        return self._host().reshape(()).item()

    def tolist(self) -> Any:
        return self._host().tolist()

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        if self.device.type != "cpu":
            raise DeviceError(
                f"implicit conversion of a tensor on {self.device} to NumPy is not allowed; "
                "call .numpy() or .to('cpu') explicitly"
            )
        data = self.data
        if dtype is not None and data.dtype != dtype:
            if copy is False:  # NumPy 2's protocol: copy=False must not copy
                raise ValueError(f"__array__: copy=False cannot convert {data.dtype} to "
                                 f"{np.dtype(dtype)} without a copy")
            return data.astype(dtype)
        return data.copy() if copy else data

    def __dlpack__(self, *, stream: Any = None, max_version: Any = None, dl_device: Any = None,
                   copy: bool | None = None) -> Any:
        kwargs: dict[str, Any] = {}
        if stream is not None:
            kwargs["stream"] = stream
        if max_version is not None:
            kwargs["max_version"] = max_version
        if dl_device is not None:
            kwargs["dl_device"] = dl_device
        if copy is not None:
            kwargs["copy"] = copy
        try:
            return self.data.__dlpack__(**kwargs)
        except TypeError as exc:
            # An older producer without the 2023.12 keywords. Any other TypeError (a bad
            # max_version, ...) is the caller's: retrying without the keywords would drop them
            # silently (copy=True would share memory).
            if not kwargs.keys() - {"stream"} or "keyword" not in str(exc):
                raise
            data = self.data
            if copy:  # the producer cannot copy: export a copy of our own
                from .creation import asarray

                data = asarray(self, copy=True).data
            if stream is not None:
                return data.__dlpack__(stream=stream)
            return data.__dlpack__()

    def __dlpack_device__(self) -> tuple[int, int]:
        return self.data.__dlpack_device__()

    def __array_namespace__(self, *, api_version: str | None = None) -> Any:
        if api_version not in (None, "2021.12", "2022.12", "2023.12"):
            raise expected("api_version", "None, '2021.12', '2022.12' or '2023.12'", api_version)
        import numeru.core

        return numeru.core

    def to_device(self, device: Any, /, *, stream: Any = None) -> Tensor:
        return self.to(device)

    # -- Python protocol ------------------------------------------------------------------------
    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self) -> Any:
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.shape[0]))

    def __contains__(self, value: Any) -> bool:
        """``value in t``: whether any element equals ``value`` (NumPy's rule)."""
        return bool((self == value).any())

    def __bool__(self) -> bool:
        if self.size != 1:
            raise ShapeError(f"bool: the truth value of a tensor with {self.size} elements "
                             f"(shape {self.shape}) is ambiguous; use .any() or .all()")
        return bool(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __float__(self) -> float:
        return float(self.item())

    def __complex__(self) -> complex:
        return complex(self.item())

    def __index__(self) -> int:
        if self.ndim != 0 or self.dtype.kind not in "iu":
            raise DTypeError(f"__index__: expected a 0-d integer tensor, got {self.dtype} "
                             f"of shape {self.shape}")
        return operator.index(self.item())

    __hash__ = None  # type: ignore[assignment]  # mutable, like ndarray

    # -- copies; pickling is refused -------------------------------------------------------------
    def __copy__(self) -> Tensor:
        """``copy.copy(t)``: a new buffer (as ``ndarray.__copy__``); other fields shallow-copied."""
        return self._copy_with(dict(self.__dict__))

    def __deepcopy__(self, memo: dict[int, Any]) -> Tensor:
        """``copy.deepcopy(t)``: a new buffer on the same (interned) device, fields deep-copied."""
        import copy

        found = memo.get(id(self))
        if found is not None:
            return found
        result = self._copy_with({})
        memo[id(self)] = result
        result.__dict__.update(copy.deepcopy(self.__dict__, memo))
        return result

    def _copy_with(self, fields: dict[str, Any]) -> Tensor:
        from .creation import asarray

        result = self.__class__.__new__(self.__class__)
        result.data = asarray(self, copy=True).data
        result.device = self.device
        result.__dict__.update(fields)
        return result

    def __reduce_ex__(self, protocol: Any) -> Any:
        raise SerializationError(
            f"pickle: expected no {type(self).__name__} (numeru never pickles), got one of "
            f"shape {self.shape} and dtype {self.dtype}; save it with nm.save(obj, path)")

    def __reduce__(self) -> Any:
        return self.__reduce_ex__(None)

    # -- indexing -------------------------------------------------------------------------------
    def __getitem__(self, key: Any) -> Tensor:
        return _getitem(self, key)

    def __setitem__(self, key: Any, value: Any) -> None:
        _setitem(self, key, value)

    # -- operators --------------------------------------------------------------------------
    # Each spelled out (no generated methods) so a traceback shows the operator that ran.
    def __add__(self, other: Any) -> Tensor:
        return _binary(_ADD, self, other)

    def __radd__(self, other: Any) -> Tensor:
        return _rbinary(_ADD, self, other)

    def __sub__(self, other: Any) -> Tensor:
        return _binary(_SUB, self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return _rbinary(_SUB, self, other)

    def __mul__(self, other: Any) -> Tensor:
        return _binary(_MUL, self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return _rbinary(_MUL, self, other)

    def __truediv__(self, other: Any) -> Tensor:
        return _binary(_DIV, self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return _rbinary(_DIV, self, other)

    def __floordiv__(self, other: Any) -> Tensor:
        return _binary(_FLOORDIV, self, other)

    def __rfloordiv__(self, other: Any) -> Tensor:
        return _rbinary(_FLOORDIV, self, other)

    def __mod__(self, other: Any) -> Tensor:
        return _binary(_MOD, self, other)

    def __rmod__(self, other: Any) -> Tensor:
        return _rbinary(_MOD, self, other)

    def __pow__(self, other: Any) -> Tensor:
        return _binary(_POW, self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return _rbinary(_POW, self, other)

    def __matmul__(self, other: Any) -> Tensor:
        return _matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return _matmul(other, self)

    def __and__(self, other: Any) -> Tensor:
        return _binary(_AND, self, other)

    def __rand__(self, other: Any) -> Tensor:
        return _rbinary(_AND, self, other)

    def __or__(self, other: Any) -> Tensor:
        return _binary(_OR, self, other)

    def __ror__(self, other: Any) -> Tensor:
        return _rbinary(_OR, self, other)

    def __xor__(self, other: Any) -> Tensor:
        return _binary(_XOR, self, other)

    def __rxor__(self, other: Any) -> Tensor:
        return _rbinary(_XOR, self, other)

    def __lshift__(self, other: Any) -> Tensor:
        return _binary(_LSHIFT, self, other)

    def __rlshift__(self, other: Any) -> Tensor:
        return _rbinary(_LSHIFT, self, other)

    def __rshift__(self, other: Any) -> Tensor:
        return _binary(_RSHIFT, self, other)

    def __rrshift__(self, other: Any) -> Tensor:
        return _rbinary(_RSHIFT, self, other)

    def __neg__(self) -> Tensor:
        return _unary(_NEG, self)

    def __pos__(self) -> Tensor:
        return _unary(_POS, self)

    def __abs__(self) -> Tensor:
        return _unary(_ABS, self)

    def __invert__(self) -> Tensor:
        return _unary(_INVERT, self)

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _binary(_EQ, self, other)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _binary(_NE, self, other)

    def __lt__(self, other: Any) -> Tensor:
        return _binary(_LT, self, other)

    def __le__(self, other: Any) -> Tensor:
        return _binary(_LE, self, other)

    def __gt__(self, other: Any) -> Tensor:
        return _binary(_GT, self, other)

    def __ge__(self, other: Any) -> Tensor:
        return _binary(_GE, self, other)

    # In-place operators write into this tensor's buffer; like NumPy and PyTorch they accept a
    # result that casts to this tensor's dtype within its kind (float64 into float32, not
    # float into int).
    def __iadd__(self, other: Any) -> Tensor:
        return _inplace(_ADD, self, other)

    def __isub__(self, other: Any) -> Tensor:
        return _inplace(_SUB, self, other)

    def __imul__(self, other: Any) -> Tensor:
        return _inplace(_MUL, self, other)

    def __itruediv__(self, other: Any) -> Tensor:
        return _inplace(_DIV, self, other)

    def __ifloordiv__(self, other: Any) -> Tensor:
        return _inplace(_FLOORDIV, self, other)

    def __imod__(self, other: Any) -> Tensor:
        return _inplace(_MOD, self, other)

    def __ipow__(self, other: Any) -> Tensor:
        return _inplace(_POW, self, other)

    def __iand__(self, other: Any) -> Tensor:
        return _inplace(_AND, self, other)

    def __ior__(self, other: Any) -> Tensor:
        return _inplace(_OR, self, other)

    def __ixor__(self, other: Any) -> Tensor:
        return _inplace(_XOR, self, other)

    def __ilshift__(self, other: Any) -> Tensor:
        return _inplace(_LSHIFT, self, other)

    def __irshift__(self, other: Any) -> Tensor:
        return _inplace(_RSHIFT, self, other)

    def __imatmul__(self, other: Any) -> Tensor:
        return _matmul(self, other, out=self)


def _is_dtype_like(value: Any) -> bool:
    if isinstance(value, np.dtype):
        return True
    if isinstance(value, str):
        from .dtypes import BY_NAME

        return value in BY_NAME
    return isinstance(value, type) and issubclass(value, np.generic)


_binary = dispatch.binary
_rbinary = dispatch.rbinary
_unary = dispatch.unary
_inplace = dispatch.binary_inplace
_ADD = _E("add")
_SUB = _E("subtract")
_MUL = _E("multiply")
_DIV = _E("divide")
_FLOORDIV = _E("floor_divide")
_MOD = _E("remainder")
_POW = _E("pow")
_AND = _E("bitwise_and")
_OR = _E("bitwise_or")
_XOR = _E("bitwise_xor")
_LSHIFT = _E("bitwise_left_shift")
_RSHIFT = _E("bitwise_right_shift")
_NEG = _E("negative")
_POS = _E("positive")
_ABS = _E("abs")
_INVERT = _E("bitwise_invert")
_EQ = _E("equal")
_NE = _E("not_equal")
_LT = _E("less")
_LE = _E("less_equal")
_GT = _E("greater")
_GE = _E("greater_equal")
dispatch._install_tensor(Tensor)

from .indexing import getitem as _getitem  # noqa: E402 - indexing needs Tensor defined
from .indexing import setitem as _setitem  # noqa: E402
from .linalg_functions import matmul as _matmul  # noqa: E402
