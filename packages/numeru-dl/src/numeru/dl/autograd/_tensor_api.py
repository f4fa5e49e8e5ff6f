"""The autograd methods of ``numeru.core.Tensor``, added when numeru.dl is imported.

numeru.core only stores ``requires_grad``, ``grad`` and ``grad_fn``; the behaviour behind them
lives here, so core stays free of autograd. Methods core already defines are left alone.
"""

from __future__ import annotations

from typing import Any

from numeru.core.errors import DTypeError, expected
from numeru.core.tensor import Tensor

from ._engine import backward as _backward


def requires_grad_(self: Tensor, requires_grad: bool = True) -> Tensor:
    """Set ``requires_grad`` in place (leaves only, floating dtypes only); returns ``self``."""
    if requires_grad and self.dtype.kind not in "fc":
        raise expected("requires_grad", "a floating or complex tensor", self.dtype,
                       error=DTypeError)
    if not requires_grad and self.grad_fn is not None:
        raise expected("requires_grad", "True for a non-leaf tensor (use detach())",
                       requires_grad)
    self.requires_grad = bool(requires_grad)
    return self


def backward(self: Tensor, gradient: Any = None, retain_graph: bool | None = None,
             create_graph: bool = False, inputs: Any = None) -> None:
    """Accumulate the gradient of this tensor into the ``.grad`` of every leaf it depends on."""
    _backward(self, gradient, retain_graph=retain_graph, create_graph=create_graph,
              inputs=inputs)


def detach(self: Tensor) -> Tensor:
    """The same memory as a new tensor outside the graph (``requires_grad=False``)."""
    return Tensor(self.data, self.device)


def detach_(self: Tensor) -> Tensor:
    """Cut this tensor from its graph in place: it becomes a leaf that needs no grad."""
    self.grad_fn = None
    self.requires_grad = False
    return self


def register_hook(self: Tensor, hook: Any) -> Any:
    """Call ``hook(grad)`` when this tensor's gradient is computed; a returned tensor replaces
    the gradient. Returns a handle whose ``remove()`` unregisters the hook."""
    if not self.requires_grad:
        raise expected("register_hook", "a tensor that requires grad", self.shape)
    if self.grad_fn is not None:
        if self.grad_fn.hooks is None:
            self.grad_fn.hooks = []
        hooks = self.grad_fn.hooks
    else:
        hooks = self.__dict__.setdefault("_nm_hooks", [])
    hooks.append(hook)
    return _HookHandle(hooks, hook)


def retain_grad(self: Tensor) -> None:
    """Keep the gradient of this non-leaf tensor in ``.grad`` after backward (a no-op on a
    leaf). It follows the tensor through later in-place writes (``t[k] = v``): ``.grad`` is
    then the gradient of the value after the last write, as in PyTorch."""
    import weakref

    if not self.requires_grad:
        raise expected("retain_grad", "a tensor with requires_grad=True", self.requires_grad)
    if self.grad_fn is not None:
        self.grad_fn.retain = weakref.ref(self)


def is_leaf(self: Tensor) -> bool:
    return self.grad_fn is None


class _HookHandle:
    def __init__(self, hooks: list[Any], hook: Any) -> None:
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


_METHODS = {
    "requires_grad_": requires_grad_,
    "backward": backward,
    "detach": detach,
    "detach_": detach_,
    "register_hook": register_hook,
    "retain_grad": retain_grad,
    "is_leaf": property(is_leaf),
}


def install() -> None:
    for name, method in _METHODS.items():
        if name not in Tensor.__dict__:
            setattr(Tensor, name, method)
