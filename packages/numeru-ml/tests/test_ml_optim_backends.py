"""Optimizers are backend-generic: the same steps on another backend's tensors (the
array-api-strict example backend, CI installs it) give the CPU's results."""

from __future__ import annotations

import numpy as np
import pytest

import numeru.core as nm
from numeru.ml import optim

CASES = [("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
         ("Adagrad", {"lr": 0.1}), ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.5}),
         ("Adam", {"lr": 0.05, "amsgrad": True}), ("AdamW", {"lr": 0.05}),
         ("Adamax", {"lr": 0.05}), ("NAdam", {"lr": 0.05}), ("Lion", {"lr": 0.01})]


def _strict_device():
    if "strict" not in nm.registry("backends").names():
        pytest.skip("the example 'strict' backend (examples/numeru-backend-example) is not "
                    "installed")
    return nm.device("strict")


def _grad(values: np.ndarray) -> np.ndarray:
    return 2.0 * (values - 1.0) + np.sin(3.0 * values)


@pytest.mark.parametrize(("name", "kwargs"), CASES)
def test_first_order_optimizers_agree_across_backends(name: str, kwargs: dict) -> None:
    device = _strict_device()
    start = np.linspace(-2, 2, 6).reshape(2, 3)
    cpu = nm.asarray(start.copy())
    other = nm.asarray(start.copy()).to(device)
    opt_cpu = getattr(optim, name)([cpu], **kwargs)
    opt_other = getattr(optim, name)([other], **kwargs)
    for _ in range(30):
        cpu.grad = nm.asarray(_grad(cpu.numpy()))
        other.grad = nm.asarray(_grad(other.numpy())).to(device)
        opt_cpu.step()
        opt_other.step()
    assert other.device == device
    np.testing.assert_allclose(other.numpy(), cpu.numpy(), rtol=1e-12, atol=1e-14)
    optim.clip_grad_norm_([other], 0.1)
    optim.clip_grad_value_([other], 0.01)
    assert float(np.abs(other.grad.numpy()).max()) <= 0.01


def test_lbfgs_agrees_across_backends() -> None:
    device = _strict_device()
    results = []
    for dev in (None, device):
        p = nm.asarray(np.linspace(-2, 2, 5))
        p = p if dev is None else p.to(dev)
        opt = optim.LBFGS([p], max_iter=10, line_search_fn="strong_wolfe")

        def closure(p=p, dev=dev):
            x = p.numpy()
            g = nm.asarray(_grad(x))
            p.grad = g if dev is None else g.to(dev)
            return float(np.sum((x - 1.0) ** 2) - np.sum(np.cos(3.0 * x)) / 3.0)

        for _ in range(3):
            opt.step(closure)
        results.append(p.numpy())
    np.testing.assert_allclose(results[1], results[0], rtol=1e-12)
