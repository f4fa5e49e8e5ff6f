"""Optimizer trajectories against torch.optim: 100 steps, every step within 1e-6."""

from __future__ import annotations

import numpy as np
import pytest

import numeru.core as nm
from numeru.ml import optim

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)
A = RNG.normal(size=(8, 5))
B = RNG.normal(size=8)
W0 = RNG.normal(size=(5,)) * 0.5
V0 = RNG.normal(size=(3, 2)) * 0.5


def loss_and_grads(w: np.ndarray, v: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """A smooth non-quadratic objective: least squares in w, a quartic bowl in v."""
    r = A @ w - B
    loss = 0.5 * r @ r + 0.25 * np.sum(v ** 4) + np.sum(np.sin(v))
    return float(loss), A.T @ r, v ** 3 + np.cos(v)


CASES = [
    ("SGD", {"lr": 0.01}),
    ("SGD", {"lr": 0.01, "momentum": 0.9, "dampening": 0.1, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.01, "momentum": 0.9, "nesterov": True, "maximize": False}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.01,
                 "initial_accumulator_value": 0.1}),
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.5, "centered": True, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.05}),
    ("Adam", {"lr": 0.05, "amsgrad": True, "weight_decay": 0.1}),
    ("AdamW", {"lr": 0.05}),
    ("AdamW", {"lr": 0.05, "amsgrad": True, "betas": (0.8, 0.99)}),
    ("Adamax", {"lr": 0.05, "weight_decay": 0.01}),
    ("NAdam", {"lr": 0.05}),
    ("NAdam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True}),
]


@pytest.mark.parametrize(("name", "kwargs"), CASES)
def test_trajectory_matches_torch(name: str, kwargs: dict) -> None:
    w, v = nm.asarray(W0.copy()), nm.asarray(V0.copy())
    tw, tv = torch.tensor(W0.copy()), torch.tensor(V0.copy())
    # two parameter groups, the second with its own learning rate
    ours = getattr(optim, name)([{"params": [w]}, {"params": [v], "lr": kwargs["lr"] / 2}],
                                **kwargs)
    theirs = getattr(torch.optim, name)([{"params": [tw]}, {"params": [tv],
                                                            "lr": kwargs["lr"] / 2}],
                                        foreach=False, **kwargs)
    for step in range(100):
        _, gw, gv = loss_and_grads(w.numpy(), v.numpy())
        w.grad, v.grad = nm.asarray(gw), nm.asarray(gv)
        _, gw, gv = loss_and_grads(tw.numpy(), tv.numpy())
        tw.grad, tv.grad = torch.tensor(gw), torch.tensor(gv)
        ours.step()
        theirs.step()
        np.testing.assert_allclose(w.numpy(), tw.numpy(), rtol=1e-6, atol=1e-6,
                                   err_msg=f"{name} step {step}")
        np.testing.assert_allclose(v.numpy(), tv.numpy(), rtol=1e-6, atol=1e-6,
                                   err_msg=f"{name} step {step}")


@pytest.mark.parametrize("line_search", [None, "strong_wolfe"])
def test_lbfgs_matches_torch(line_search: str | None) -> None:
    w, v = nm.asarray(W0.copy()), nm.asarray(V0.copy())
    tw, tv = torch.tensor(W0.copy()), torch.tensor(V0.copy())
    lr = 1.0 if line_search else 0.1
    ours = optim.LBFGS([w, v], lr=lr, max_iter=5, history_size=4, line_search_fn=line_search)
    theirs = torch.optim.LBFGS([tw, tv], lr=lr, max_iter=5, history_size=4,
                               line_search_fn=line_search)

    def closure() -> float:
        loss, gw, gv = loss_and_grads(w.numpy(), v.numpy())
        w.grad, v.grad = nm.asarray(gw), nm.asarray(gv)
        return loss

    def torch_closure() -> torch.Tensor:
        loss, gw, gv = loss_and_grads(tw.numpy(), tv.numpy())
        tw.grad, tv.grad = torch.tensor(gw), torch.tensor(gv)
        return torch.tensor(loss, dtype=torch.float64)

    for step in range(20):
        ours_loss = ours.step(closure)
        theirs_loss = theirs.step(torch_closure)
        assert ours_loss == pytest.approx(float(theirs_loss), rel=1e-6, abs=1e-9)
        np.testing.assert_allclose(w.numpy(), tw.numpy(), rtol=1e-6, atol=1e-6,
                                   err_msg=f"step {step}")
        np.testing.assert_allclose(v.numpy(), tv.numpy(), rtol=1e-6, atol=1e-6)
    assert ours.state[w]["func_evals"] == theirs.state[tw]["func_evals"]


def test_lion_matches_the_papers_update() -> None:
    w = nm.asarray(W0.copy())
    ours = optim.Lion([w], lr=0.01, betas=(0.9, 0.99), weight_decay=0.1)
    ref, m = W0.copy(), np.zeros_like(W0)
    for _ in range(100):
        g = A.T @ (A @ w.numpy() - B)
        w.grad = nm.asarray(g)
        ours.step()
        g = A.T @ (A @ ref - B)
        update = np.sign(0.9 * m + 0.1 * g)
        ref = ref * (1 - 0.01 * 0.1) - 0.01 * update
        m = 0.99 * m + 0.01 * g
        np.testing.assert_allclose(w.numpy(), ref, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf")])
def test_clip_grad_norm_matches_torch(norm_type: float) -> None:
    grads = [RNG.normal(size=(4, 3)), RNG.normal(size=5)]
    ps = [nm.asarray(np.zeros_like(g)) for g in grads]
    tps = [torch.zeros(g.shape, dtype=torch.float64) for g in grads]
    for p, tp, g in zip(ps, tps, grads, strict=True):
        p.grad, tp.grad = nm.asarray(g.copy()), torch.tensor(g.copy())
    total = optim.clip_grad_norm_(ps, 0.5, norm_type=norm_type)
    ttotal = torch.nn.utils.clip_grad_norm_(tps, 0.5, norm_type=norm_type, foreach=False)
    assert float(total) == pytest.approx(float(ttotal), rel=1e-12)
    for p, tp in zip(ps, tps, strict=True):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-12)


def test_clip_grad_value_matches_torch() -> None:
    g = RNG.normal(size=(6, 2))
    p, tp = nm.asarray(np.zeros_like(g)), torch.zeros(g.shape, dtype=torch.float64)
    p.grad, tp.grad = nm.asarray(g.copy()), torch.tensor(g.copy())
    optim.clip_grad_value_([p], 0.3)
    torch.nn.utils.clip_grad_value_([tp], 0.3, foreach=False)
    np.testing.assert_array_equal(p.grad.numpy(), tp.grad.numpy())
