"""``gradcheck``: analytical gradients against central finite differences, in float64."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import numeru.core as nm
from numeru.core.errors import NumeruError, expected
from numeru.core.tensor import Tensor

from .autograd import _engine
from .autograd._mode import enable_grad, no_grad


class GradcheckError(NumeruError, AssertionError):
    """Analytical and numerical gradients disagree."""


def _outputs(result: Any) -> list[Tensor]:
    items = result if isinstance(result, (tuple, list)) else (result,)
    return [t for t in items if isinstance(t, Tensor) and t.dtype.kind in "fc"]


def _checked_inputs(inputs: Any) -> list[Tensor]:
    items = inputs if isinstance(inputs, (tuple, list)) else (inputs,)
    chosen = [t for t in items if isinstance(t, Tensor) and t.requires_grad]
    if not chosen:
        raise expected("inputs", "at least one tensor with requires_grad=True", inputs)
    for t in chosen:
        if t.dtype != np.float64:
            raise expected("inputs", "float64 tensors (finite differences need the precision)",
                           t.dtype)
    return chosen


def _as_args(inputs: Any) -> tuple[Any, ...]:
    return tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)


def numerical_jacobian(f: Callable[..., Any], inputs: Any, eps: float = 1e-6) -> list[np.ndarray]:
    """Per (output, input) pair a (output.size, input.size) matrix of central differences."""
    args = _as_args(inputs)
    chosen = _checked_inputs(inputs)
    with no_grad():
        outs = _outputs(f(*args))
        blocks = [[np.zeros((o.size, t.size)) for t in chosen] for o in outs]
        for ti, t in enumerate(chosen):
            flat = t.data.reshape(-1)  # a view: writing it perturbs the input in place
            for k in range(t.size):
                saved = flat[k]
                flat[k] = saved + eps
                plus = [o.numpy().reshape(-1).copy() for o in _outputs(f(*args))]
                flat[k] = saved - eps
                minus = [o.numpy().reshape(-1).copy() for o in _outputs(f(*args))]
                flat[k] = saved
                for oi in range(len(outs)):
                    blocks[oi][ti][:, k] = (plus[oi] - minus[oi]) / (2 * eps)
    return [b for row in blocks for b in row]


def analytical_jacobian(f: Callable[..., Any], inputs: Any) -> list[np.ndarray]:
    """The same matrices from reverse mode: one backward per output element."""
    args = _as_args(inputs)
    chosen = _checked_inputs(inputs)
    outs = _outputs(f(*args))
    blocks = [[np.zeros((o.size, t.size)) for t in chosen] for o in outs]
    for oi, o in enumerate(outs):
        if not o.requires_grad:
            continue
        for j in range(o.size):
            seed = np.zeros(o.size, dtype=o.dtype)
            seed[j] = 1.0
            grads = _engine.grad(o, chosen, nm.asarray(seed.reshape(o.shape)),
                                 retain_graph=True, allow_unused=True)
            for ti, g in enumerate(grads):
                if g is not None:
                    blocks[oi][ti][j] = g.numpy().reshape(-1)
    return [b for row in blocks for b in row]


def gradcheck(f: Callable[..., Any], inputs: Any, *, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, raise_exception: bool = True) -> bool:
    """Whether reverse-mode gradients of ``f`` at ``inputs`` match finite differences.

    As ``torch.autograd.gradcheck``: inputs are float64 tensors; those with
    ``requires_grad=True`` are checked; every floating output is differentiated.
    """
    numeric = numerical_jacobian(f, inputs, eps)
    analytic = analytical_jacobian(f, inputs)
    for i, (n, a) in enumerate(zip(numeric, analytic, strict=True)):
        if not np.allclose(a, n, rtol=rtol, atol=atol):
            if raise_exception:
                worst = float(np.max(np.abs(a - n)))
                raise GradcheckError(f"gradcheck: jacobian block {i} differs by up to {worst:.3g}"
                                     f"\nanalytical:\n{a}\nnumerical:\n{n}")
            return False
    return True


def gradgradcheck(f: Callable[..., Any], inputs: Any, grad_outputs: Any = None, *,
                  eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                  raise_exception: bool = True) -> bool:
    """``gradcheck`` of the first derivatives (double backward), as PyTorch's gradgradcheck."""
    args = _as_args(inputs)
    _checked_inputs(inputs)
    outs = _outputs(f(*args))
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = [nm.asarray(rng.standard_normal(o.shape)) for o in outs]
    grad_outputs = [g if isinstance(g, Tensor) else nm.asarray(g) for g in
                    (grad_outputs if isinstance(grad_outputs, (list, tuple)) else [grad_outputs])]

    def first_derivatives(*all_args: Any) -> tuple[Tensor, ...]:
        with enable_grad():  # also while the finite differences run under no_grad
            produced = _outputs(f(*all_args))
            found = _engine.grad(produced, [a for a in all_args if isinstance(a, Tensor)
                                            and a.requires_grad], grad_outputs,
                                 create_graph=True, allow_unused=True)
        return tuple(g for g in found if g is not None)

    return gradcheck(first_derivatives, args, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
