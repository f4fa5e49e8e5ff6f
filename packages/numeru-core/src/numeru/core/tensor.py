"""``Tensor``: one backend array and its device.

A Tensor holds ``data`` (a ``numpy.ndarray`` on the CPU, a ``cupy.ndarray`` on CUDA, another
backend's array elsewhere) and ``device``. Every operation goes through ``numeru.core.dispatch``;
the methods here are thin spellings of the namespace functions.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from . import dispatch
from .devices import Device, device as _device, get_default_device
from .errors import DeviceError, DTypeError, ShapeError

_E = dispatch.op  # short alias: every elementwise op below is an xp function of the same name


class Tensor:
    """An n-dimensional array on one device."""

    # Autograd fields: numeru.core only stores them; numeru-dl gives them meaning.
    requires_grad: bool = False
    grad: Tensor | None = None
    grad_fn: Any = None

    __array_priority__ = 100  # NumPy defers ``ndarray + Tensor`` to Tensor.__radd__

    def __init__(self, data: Any, device: Device | str | None = None) -> None:
        """Wrap a backend array as it is (no copy). Use ``nm.asarray`` to convert data."""
        dev = get_default_device() if device is None else _device(device)
        self.data = data
        self.device = dev

    @classmethod
    def _from_host(cls, value: Any, device: Device | None) -> Tensor:
        from .creation import asarray

        return asarray(value, device=device)

    # -- attributes -------------------------------------------------------------------------
    @property
    def dtype(self) -> np.dtype:
        return self.device.backend.dtype_of(self.data)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.data.shape)

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
    def T(self) -> Tensor:  # noqa: N802 - Array API name
        if self.ndim != 2:
            raise ShapeError(f"T: expected a 2-D tensor, got {self.ndim}-D (use mT or permute_dims)")
        return dispatch.apply(_E("matrix_transpose"), (self,))

    @property
    def mT(self) -> Tensor:  # noqa: N802 - Array API name
        from .manipulation import matrix_transpose

        return matrix_transpose(self)

    def __repr__(self) -> str:
        body = np.array2string(self._host(), separator=", ", prefix="tensor(")
        extra = "" if self.device.type == "cpu" else f", device='{self.device}'"
        grad = ", requires_grad=True" if self.requires_grad else ""
        return f"tensor({body}, dtype={self.dtype}{extra}{grad})"

    __str__ = __repr__

    # -- conversion -------------------------------------------------------------------------
    def _host(self) -> np.ndarray:
        return self.device.backend.to_numpy(self.data)

    def numpy(self) -> np.ndarray:
        """A NumPy array: the same memory for CPU tensors, an explicit copy from other devices."""
        return self._host()

    def to(self, device: Device | str | None = None, dtype: Any = None, *,
           copy: bool = False) -> Tensor:
        """This tensor on ``device`` and/or as ``dtype`` (a copy only where needed or asked)."""
        result = self
        if device is not None:
            target = _device(device)
            if target is not self.device:
                host = self._host()
                data = target.backend.from_numpy(np.ascontiguousarray(host), target.index)
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
        except TypeError:
            return self.data.__dlpack__(stream=stream) if stream is not None else self.data.__dlpack__()

    def __dlpack_device__(self) -> tuple[int, int]:
        return self.data.__dlpack_device__()

    def __array_namespace__(self, *, api_version: str | None = None) -> Any:
        if api_version not in (None, "2021.12", "2022.12", "2023.12"):
            raise ValueError(f"api_version: expected '2023.12' or earlier, got {api_version!r}")
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

    def __bool__(self) -> bool:
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

    # -- indexing -------------------------------------------------------------------------------
    def __getitem__(self, key: Any) -> Tensor:
        from .indexing import getitem

        return getitem(self, key)

    def __setitem__(self, key: Any, value: Any) -> None:
        from .indexing import setitem

        setitem(self, key, value)

    # -- operators --------------------------------------------------------------------------
    def __add__(self, other: Any) -> Tensor:
        return dispatch.binary(_ADD, self, other)

    def __radd__(self, other: Any) -> Tensor:
        return dispatch.binary(_ADD, other, self)

    def __sub__(self, other: Any) -> Tensor:
        return dispatch.binary(_SUB, self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return dispatch.binary(_SUB, other, self)

    def __mul__(self, other: Any) -> Tensor:
        return dispatch.binary(_MUL, self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return dispatch.binary(_MUL, other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return dispatch.binary(_DIV, self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return dispatch.binary(_DIV, other, self)

    def __floordiv__(self, other: Any) -> Tensor:
        return dispatch.binary(_E("floor_divide"), self, other)

    def __rfloordiv__(self, other: Any) -> Tensor:
        return dispatch.binary(_E("floor_divide"), other, self)

    def __mod__(self, other: Any) -> Tensor:
        return dispatch.binary(_E("remainder"), self, other)

    def __rmod__(self, other: Any) -> Tensor:
        return dispatch.binary(_E("remainder"), other, self)

    def __pow__(self, other: Any) -> Tensor:
        return dispatch.binary(_E("pow"), self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return dispatch.binary(_E("pow"), other, self)

    def __matmul__(self, other: Any) -> Tensor:
        from .linalg_functions import matmul

        return matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        from .linalg_functions import matmul

        return matmul(other, self)

    def __and__(self, other: Any) -> Tensor:
        return dispatch.binary(_E("bitwise_and"), self, other)

    def __rand__(self, other: Any) -> Tensor:
        return dispatch.binary(_E("bitwise_and"), other, self)

    def __or__(self, other: Any) -> Tensor:
        return dispatch.binary(_E("bitwise_or"), self, other)

    def __ror__(self, other: Any) -> Tensor:
        return dispatch.binary(_E("bitwise_or"), other, self)

    def __xor__(self, other: Any) -> Tensor:
        return dispatch.binary(_E("bitwise_xor"), self, other)

    def __rxor__(self, other: Any) -> Tensor:
        return dispatch.binary(_E("bitwise_xor"), other, self)

    def __lshift__(self, other: Any) -> Tensor:
        return dispatch.binary(_E("bitwise_left_shift"), self, other)

    def __rlshift__(self, other: Any) -> Tensor:
        return dispatch.binary(_E("bitwise_left_shift"), other, self)

    def __rshift__(self, other: Any) -> Tensor:
        return dispatch.binary(_E("bitwise_right_shift"), self, other)

    def __rrshift__(self, other: Any) -> Tensor:
        return dispatch.binary(_E("bitwise_right_shift"), other, self)

    def __neg__(self) -> Tensor:
        return dispatch.unary(_E("negative"), self)

    def __pos__(self) -> Tensor:
        return dispatch.unary(_E("positive"), self)

    def __abs__(self) -> Tensor:
        return dispatch.unary(_E("abs"), self)

    def __invert__(self) -> Tensor:
        return dispatch.unary(_E("bitwise_invert"), self)

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return dispatch.binary(_E("equal"), self, other)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return dispatch.binary(_E("not_equal"), self, other)

    def __lt__(self, other: Any) -> Tensor:
        return dispatch.binary(_E("less"), self, other)

    def __le__(self, other: Any) -> Tensor:
        return dispatch.binary(_E("less_equal"), self, other)

    def __gt__(self, other: Any) -> Tensor:
        return dispatch.binary(_E("greater"), self, other)

    def __ge__(self, other: Any) -> Tensor:
        return dispatch.binary(_E("greater_equal"), self, other)

    # In-place operators write into this tensor's buffer (the result dtype must fit it).
    def __iadd__(self, other: Any) -> Tensor:
        return dispatch.binary(_ADD, self, other, out=self)

    def __isub__(self, other: Any) -> Tensor:
        return dispatch.binary(_SUB, self, other, out=self)

    def __imul__(self, other: Any) -> Tensor:
        return dispatch.binary(_MUL, self, other, out=self)

    def __itruediv__(self, other: Any) -> Tensor:
        return dispatch.binary(_DIV, self, other, out=self)


_ADD = _E("add")
_SUB = _E("subtract")
_MUL = _E("multiply")
_DIV = _E("divide")
