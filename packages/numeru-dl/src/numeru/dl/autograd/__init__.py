"""Reverse-mode automatic differentiation on numeru.core Tensors.

Importing this package installs the tracer into numeru.core's dispatch and the autograd
methods on ``Tensor`` (``backward``, ``requires_grad_``, ``detach``, ``register_hook``, ...).
"""

from __future__ import annotations

from numeru.core import dispatch as _dispatch

from . import _tensor_api
from ._engine import backward, grad
from ._graph import TRACER, AutogradError, Node
from ._mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled


def install() -> None:
    """Install the tracer and the Tensor methods (idempotent; done on import)."""
    if _dispatch.get_tracer() is not TRACER:
        _dispatch.set_tracer(TRACER)
    _tensor_api.install()


install()

__all__ = ["AutogradError", "Node", "backward", "enable_grad", "grad", "install",
           "is_grad_enabled", "no_grad", "set_grad_enabled"]
