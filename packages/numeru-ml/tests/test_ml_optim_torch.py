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


# Every option at once, against torch: two groups with different options, a parameter whose
# gradient is sometimes None (skipped, its state untouched), a group added mid-training, and a
# state_dict round trip through .nmr halfway that must continue exactly.
OPTION_CASES = [
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.05,
             "maximize": True}, {"nesterov": True, "dampening": 0.0, "momentum": 0.5},
     {"momentum": 0.0, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.02, "betas": (0.8, 0.95), "eps": 1e-3, "weight_decay": 0.1,
              "maximize": True}, {"amsgrad": True, "decoupled_weight_decay": True},
     {"lr": 0.1, "betas": (0.0, 0.5)}),
    ("AdamW", {"lr": 0.02, "amsgrad": True, "maximize": True}, {"weight_decay": 0.3},
     {"amsgrad": False, "eps": 1e-2}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "eps": 1e-4, "weight_decay": 0.02,
                 "maximize": True}, {"centered": True, "momentum": 0.7}, {"momentum": 0.3}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.05, "initial_accumulator_value": 0.5,
                 "weight_decay": 0.01, "eps": 1e-6, "maximize": True}, {"lr_decay": 0.0},
     {"eps": 0.1}),
    ("Adamax", {"lr": 0.02, "betas": (0.7, 0.9), "eps": 1e-3, "maximize": True},
     {"weight_decay": 0.1}, {"lr": 0.05}),
    ("NAdam", {"lr": 0.02, "betas": (0.7, 0.9), "momentum_decay": 0.01, "maximize": True},
     {"weight_decay": 0.1, "decoupled_weight_decay": True}, {"weight_decay": 0.05}),
]


@pytest.fixture
def torch_float64_scalars():
    """torch keeps NAdam's ``mu_product`` in the default dtype (float32 unless changed): a
    1e-8 relative drift. numeru keeps it in float64, so compare with torch's float64 mode."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(previous)


@pytest.mark.parametrize(("name", "kwargs", "group2", "group3"), OPTION_CASES)
@pytest.mark.usefixtures("torch_float64_scalars")
def test_all_options_groups_none_grads_and_resume_match_torch(name, kwargs, group2, group3,
                                                              tmp_path) -> None:
    starts = [W0, V0, np.array([0.3, -0.7])]
    ours_p = [nm.asarray(x.copy()) for x in starts]
    torch_p = [torch.tensor(x.copy()) for x in starts]
    ours = getattr(optim, name)([{"params": [ours_p[0]]}, {"params": [ours_p[1]], **group2}],
                                **kwargs)
    theirs = getattr(torch.optim, name)([{"params": [torch_p[0]]},
                                         {"params": [torch_p[1]], **group2}],
                                        foreach=False, **kwargs)
    for step in range(30):
        if step == 8:
            ours.add_param_group({"params": [ours_p[2]], **group3})
            theirs.add_param_group({"params": [torch_p[2]], **group3})
        if step == 15:
            nm.save(ours.state_dict(), tmp_path / "opt.nmr")
            ours_p = [nm.asarray(p.numpy().copy()) for p in ours_p]
            ours = getattr(optim, name)([{"params": [ours_p[0]]},
                                         {"params": [ours_p[1]], **group2}], **kwargs)
            ours.add_param_group({"params": [ours_p[2]], **group3})
            ours.load_state_dict(nm.load(tmp_path / "opt.nmr"))
        n = 3 if step >= 8 else 2
        for i, (p, tp) in enumerate(zip(ours_p[:n], torch_p[:n], strict=True)):
            if i == 1 and step in (0, 1, 9, 16):  # no gradient: skipped, as torch skips it
                p.grad, tp.grad = None, None
                continue
            p.grad = nm.asarray(np.sin(p.numpy() * (step + 1)) + 0.3 * p.numpy())
            tp.grad = torch.tensor(np.sin(tp.numpy() * (step + 1)) + 0.3 * tp.numpy())
        ours.step()
        theirs.step()
        for p, tp in zip(ours_p, torch_p, strict=True):
            np.testing.assert_allclose(p.numpy(), tp.numpy(), rtol=1e-10, atol=1e-12,
                                       err_msg=f"{name} step {step}")


@pytest.mark.parametrize(("name", "kwargs"), [("Adam", {"lr": 0.05, "amsgrad": True}),
                                               ("SGD", {"lr": 0.05, "momentum": 0.9}),
                                               ("LBFGS", {"lr": 0.5, "max_iter": 4})])
def test_step_closure_runs_with_grad_enabled_like_torch(name: str, kwargs: dict) -> None:
    """torch.optim runs the closure under enable_grad: a step inside no_grad still trains."""
    dl = pytest.importorskip("numeru.dl")
    nn = pytest.importorskip("numeru.dl.nn")
    x, y = RNG.normal(size=(8, 3)), RNG.normal(size=(8, 2))
    model = nn.Linear(3, 2).double()
    tmodel = torch.nn.Linear(3, 2).double()
    with torch.no_grad():
        tmodel.weight.copy_(torch.tensor(model.weight.numpy()))
        tmodel.bias.copy_(torch.tensor(model.bias.numpy()))
    ours = getattr(optim, name)(model.parameters(), **kwargs)
    theirs = getattr(torch.optim, name)(tmodel.parameters(), **kwargs)

    def closure():
        ours.zero_grad()
        loss = ((model(nm.asarray(x)) - nm.asarray(y)) ** 2).mean()
        loss.backward()
        return loss

    def torch_closure():
        theirs.zero_grad()
        loss = ((tmodel(torch.tensor(x)) - torch.tensor(y)) ** 2).mean()
        loss.backward()
        return loss

    for step in range(10):
        with dl.no_grad():
            loss = ours.step(closure)
        with torch.no_grad():
            tloss = theirs.step(torch_closure)
        assert float(loss.numpy()) == pytest.approx(float(tloss.detach()), rel=1e-10)
        np.testing.assert_allclose(model.weight.numpy(), tmodel.weight.detach().numpy(),
                                   rtol=1e-10, atol=1e-12, err_msg=f"{name} step {step}")
        np.testing.assert_allclose(model.bias.numpy(), tmodel.bias.detach().numpy(),
                                   rtol=1e-10, atol=1e-12)
