"""Optimizer API: parameter groups, state dicts (torch's layout), zero_grad, registry, errors."""

from __future__ import annotations

import numpy as np
import pytest

import numeru.core as nm
from numeru.core.errors import NumeruError
from numeru.ml import optim

NAMES = ["sgd", "adagrad", "rmsprop", "adam", "adamw", "adamax", "nadam", "lion"]


def _quadratic_grad(p: nm.Tensor) -> nm.Tensor:
    return nm.asarray(2.0 * (p.numpy() - 1.0) + 0.1 * np.sin(p.numpy()))


def _steps(opt: optim.Optimizer, params: list[nm.Tensor], n: int) -> None:
    for _ in range(n):
        for p in params:
            p.grad = _quadratic_grad(p)
        opt.step()


@pytest.mark.parametrize("name", NAMES)
def test_state_dict_round_trip_continues_identically(name: str, tmp_path) -> None:
    kwargs = {"params": {"lr": 0.01}} if name != "sgd" else {"params": {"lr": 0.01,
                                                                        "momentum": 0.9}}
    a = [nm.asarray(np.linspace(-1, 1, 6).reshape(2, 3)), nm.asarray(np.ones(2) * 3)]
    opt = nm.build({"optimizer": name, "params": {"params": a, **kwargs["params"]}})
    assert type(opt).__name__.lower() in (name, "rmsprop")
    _steps(opt, a, 5)
    nm.save(opt.state_dict(), tmp_path / "opt.nmr")  # state dicts are .nmr-safe
    b = [nm.asarray(p.numpy().copy()) for p in a]
    restored = type(opt)(b, **kwargs["params"])
    restored.load_state_dict(nm.load(tmp_path / "opt.nmr"))
    _steps(opt, a, 7)
    _steps(restored, b, 7)
    for pa, pb in zip(a, b, strict=True):
        np.testing.assert_array_equal(pa.numpy(), pb.numpy())


def test_state_dict_layout_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    p, q = nm.asarray(np.ones(3)), nm.asarray(np.ones(2))
    tp, tq = torch.ones(3, dtype=torch.float64), torch.ones(2, dtype=torch.float64)
    ours = optim.Adam([{"params": [p]}, {"params": [q], "lr": 0.5}], lr=0.1)
    theirs = torch.optim.Adam([{"params": [tp]}, {"params": [tq], "lr": 0.5}], lr=0.1)
    p.grad, tp.grad = nm.asarray(np.ones(3)), torch.ones(3, dtype=torch.float64)
    ours.step()
    theirs.step()
    a, b = ours.state_dict(), theirs.state_dict()
    assert [g["params"] for g in a["param_groups"]] == [g["params"] for g in b["param_groups"]]
    assert a["param_groups"][1]["lr"] == b["param_groups"][1]["lr"]
    assert set(a["state"]) == set(b["state"]) == {0}
    assert set(a["state"][0]) == set(b["state"][0])
    np.testing.assert_allclose(a["state"][0]["exp_avg_sq"].numpy(),
                               b["state"][0]["exp_avg_sq"].numpy())


def test_zero_grad_groups_and_skipping_params_without_grad() -> None:
    p, q = nm.asarray(np.ones(3)), nm.asarray(np.ones(2))
    opt = optim.SGD([p], lr=0.1)
    opt.add_param_group({"params": q, "lr": 1.0})
    assert opt.param_groups[1]["momentum"] == 0.0
    p.grad, q.grad = nm.asarray(np.ones(3)), None
    opt.step()
    np.testing.assert_allclose(p.numpy(), 0.9)
    np.testing.assert_allclose(q.numpy(), 1.0)
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(p.grad.numpy(), 0.0)
    opt.zero_grad()
    assert p.grad is None


def test_errors_name_the_argument() -> None:
    p = nm.asarray(np.ones(3))
    with pytest.raises(ValueError, match="lr"):
        optim.Adam([p], lr=-1.0)
    with pytest.raises(ValueError, match="betas"):
        optim.Adam([p], betas=(0.9, 1.5))
    with pytest.raises(NumeruError, match=r"nesterov=True: expected momentum > 0 and dampening "
                       r"== 0, got momentum=0.9 and dampening=0.1"):
        optim.SGD([p], lr=0.1, momentum=0.9, dampening=0.1, nesterov=True)
    with pytest.raises(NumeruError, match=r"betas\[1\]: expected a number in \[0.0, 1.0\), "
                       r"got 1.0"):
        optim.Adamax([p], betas=(0.9, 1.0))
    with pytest.raises(NumeruError, match=r"alpha: expected a number in \[0.0, 1.0\], got -0.1"):
        optim.RMSprop([p], alpha=-0.1)
    with pytest.raises(NumeruError, match="initial_accumulator_value: expected .* got -1"):
        optim.Adagrad([p], initial_accumulator_value=-1)
    with pytest.raises(ValueError, match="params"):
        optim.SGD(p, lr=0.1)
    with pytest.raises(ValueError, match="params"):
        optim.SGD([nm.asarray(np.arange(3))], lr=0.1)
    with pytest.raises(ValueError, match="another parameter group"):
        opt = optim.SGD([p], lr=0.1)
        opt.add_param_group({"params": [p]})
    with pytest.raises(ValueError, match="closure"):
        optim.LBFGS([p]).step()
    with pytest.raises(ValueError, match="one parameter group"):
        optim.LBFGS([{"params": [p]}, {"params": [nm.asarray(np.ones(2))]}])
    q = nm.asarray(np.ones(3))
    q.grad = nm.asarray(np.ones(4))
    with pytest.raises(ValueError, match="grad"):
        optim.SGD([q], lr=0.1).step()


def test_float32_parameters_stay_float32() -> None:
    torch = pytest.importorskip("torch")
    p = nm.asarray(np.ones(4, dtype=np.float32))
    tp = torch.ones(4, dtype=torch.float32)
    ours, theirs = optim.AdamW([p], lr=0.01), torch.optim.AdamW([tp], lr=0.01, foreach=False)
    for i in range(100):
        g = np.cos(np.arange(4, dtype=np.float32) * (i + 1))
        p.grad, tp.grad = nm.asarray(g), torch.tensor(g)
        ours.step()
        theirs.step()
    assert p.dtype == np.float32
    np.testing.assert_allclose(p.numpy(), tp.numpy(), rtol=1e-5, atol=1e-6)


def test_zero_grad_in_place_accepts_bare_array_gradients() -> None:
    # step() accepts a bare backend array as .grad; zero_grad(set_to_none=False) zeroes it too
    p = nm.asarray(np.ones(3))
    p.grad = np.ones(3)
    opt = optim.SGD([p], lr=0.1)
    opt.step()
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(p.grad, 0.0)


def test_adagrad_honours_a_groups_own_initial_accumulator_value() -> None:
    """Deliberate difference (README): torch fills every accumulator from the constructor's
    value and ignores a group's; numeru uses the group's, also for add_param_group."""
    p, q, r = (nm.asarray(np.ones(2)) for _ in range(3))
    opt = optim.Adagrad([{"params": [p]}, {"params": [q], "initial_accumulator_value": 3.0}],
                        initial_accumulator_value=0.5)
    opt.add_param_group({"params": [r], "initial_accumulator_value": 8.0})
    for t in (p, q, r):
        t.grad = nm.asarray(np.ones(2))
    opt.step()
    for t, init in ((p, 0.5), (q, 3.0), (r, 8.0)):
        np.testing.assert_allclose(opt.state[t]["sum"], init + 1.0)
        np.testing.assert_allclose(t.numpy(), 1.0 - 0.01 / (np.sqrt(init + 1.0) + 1e-10))
