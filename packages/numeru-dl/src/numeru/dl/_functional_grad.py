"""``numeru.dl.grad(f)``: the gradient of a scalar function as a function (JAX style)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numeru.core as nm
from numeru.core.errors import expected
from numeru.core.tensor import Tensor

from .autograd import _engine
from .autograd._mode import enable_grad


def _prepare(arg: Any) -> tuple[Tensor, bool]:
    """A tensor to differentiate against; reuses ``arg`` when an outer level is tracing it."""
    if isinstance(arg, Tensor) and arg.requires_grad:
        return arg, True
    t = Tensor(arg.data, arg.device) if isinstance(arg, Tensor) else nm.asarray(arg)
    if t.dtype.kind not in "fc":
        t = nm.astype(t, nm.get_default_dtype())
    t.requires_grad = True
    return t, False


def value_and_grad(f: Callable[..., Any], argnums: int | Sequence[int] = 0,
                   has_aux: bool = False) -> Callable[..., Any]:
    """A function returning ``(f(*args), gradient)`` (``((value, aux), gradient)`` with aux)."""
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)

    @functools.wraps(f)
    def wrapper(*given: Any, **kwargs: Any) -> Any:
        args = list(given)
        prepared = []
        outer = False
        for i in nums:
            if i >= len(args):
                raise expected("argnums", f"positions below {len(args)} (the call's arguments)",
                               argnums)
            t, traced = _prepare(args[i])
            outer = outer or traced
            args[i] = t
            prepared.append(t)
        with enable_grad():
            result = f(*args, **kwargs)
        value, aux = (result if has_aux else (result, None))
        if not isinstance(value, Tensor) or value.size != 1:
            raise expected("f", "a function returning a scalar tensor",
                           getattr(value, "shape", type(value).__name__))
        grads = _engine.grad(value, prepared, create_graph=outer, allow_unused=True)
        grads = tuple(nm.zeros_like(t) if g is None else g
                      for g, t in zip(grads, prepared, strict=True))
        out = grads[0] if isinstance(argnums, int) else grads
        return ((value, aux) if has_aux else value), out

    return wrapper


def grad(f: Callable[..., Any], argnums: int | Sequence[int] = 0,
         has_aux: bool = False) -> Callable[..., Any]:
    """``grad(f)(*args)`` is d f / d args[argnums] (a tuple for several ``argnums``).

    ``f`` must return a scalar tensor. Nesting works (``grad(grad(f))``): an inner level
    keeps its graph when an outer level is differentiating the same argument.
    """
    inner = value_and_grad(f, argnums, has_aux)

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        (value, g) = inner(*args, **kwargs)
        return (g, value[1]) if has_aux else g

    return wrapper
