"""Learning-rate sequences of every scheduler against torch.optim.lr_scheduler."""

from __future__ import annotations

import numpy as np
import pytest

import numeru.core as nm
from numeru.core.errors import NumeruError
from numeru.ml import optim
from numeru.ml.optim import lr_scheduler as ours_sched

torch = pytest.importorskip("torch")
theirs_sched = torch.optim.lr_scheduler


def _pair(opt_name: str = "SGD", **kwargs):
    ours = getattr(optim, opt_name)([{"params": [nm.zeros(2)]},
                                     {"params": [nm.zeros(3)], "lr": 0.05}], lr=0.1, **kwargs)
    theirs = getattr(torch.optim, opt_name)([{"params": [torch.zeros(2)]},
                                             {"params": [torch.zeros(3)], "lr": 0.05}],
                                            lr=0.1, **kwargs)
    return ours, theirs


CASES = [
    ("StepLR", {"step_size": 7, "gamma": 0.5}),
    ("MultiStepLR", {"milestones": [5, 12, 12, 30], "gamma": 0.3}),
    ("ExponentialLR", {"gamma": 0.95}),
    ("CosineAnnealingLR", {"T_max": 15, "eta_min": 0.001}),
    ("CosineAnnealingWarmRestarts", {"T_0": 5, "T_mult": 2, "eta_min": 0.001}),
    ("OneCycleLR", {"max_lr": 1.0, "total_steps": 61}),
    ("OneCycleLR", {"max_lr": [1.0, 0.5], "total_steps": 61, "three_phase": True,
                    "anneal_strategy": "linear"}),
    ("LinearLR", {"start_factor": 0.1, "total_iters": 10}),
    ("ConstantLR", {"factor": 0.5, "total_iters": 4}),
]


@pytest.mark.parametrize(("name", "kwargs"), CASES)
def test_sequence_matches_torch(name: str, kwargs: dict) -> None:
    opt, topt = _pair("SGD", momentum=0.9)
    ours = getattr(ours_sched, name)(opt, **kwargs)
    theirs = getattr(theirs_sched, name)(topt, **kwargs)
    for epoch in range(60):
        np.testing.assert_allclose(ours.get_last_lr(), theirs.get_last_lr(), rtol=1e-12,
                                   err_msg=f"epoch {epoch}")
        assert opt.param_groups[0]["momentum"] == pytest.approx(topt.param_groups[0]["momentum"])
        opt.step()
        topt.step()
        ours.step()
        theirs.step()


def test_one_cycle_cycles_adam_beta1_like_torch() -> None:
    opt, topt = _pair("Adam")
    ours = ours_sched.OneCycleLR(opt, max_lr=0.01, epochs=3, steps_per_epoch=10)
    theirs = theirs_sched.OneCycleLR(topt, max_lr=0.01, epochs=3, steps_per_epoch=10)
    for _ in range(29):
        ours.step()
        theirs.step()
        assert opt.param_groups[1]["betas"][0] == pytest.approx(topt.param_groups[1]["betas"][0])
        np.testing.assert_allclose(ours.get_last_lr(), theirs.get_last_lr(), rtol=1e-12)


def test_warmup_then_cosine_sequential_and_chained() -> None:
    opt, topt = _pair()
    ours = ours_sched.SequentialLR(opt, [ours_sched.LinearLR(opt, 0.1, total_iters=5),
                                         ours_sched.CosineAnnealingLR(opt, T_max=20)], [5])
    theirs = theirs_sched.SequentialLR(topt, [theirs_sched.LinearLR(topt, 0.1, total_iters=5),
                                              theirs_sched.CosineAnnealingLR(topt, T_max=20)],
                                       [5])
    opt2, topt2 = _pair()
    chained = ours_sched.ChainedScheduler([ours_sched.ExponentialLR(opt2, 0.9),
                                           ours_sched.StepLR(opt2, 3, 0.5)])
    tchained = theirs_sched.ChainedScheduler([theirs_sched.ExponentialLR(topt2, 0.9),
                                              theirs_sched.StepLR(topt2, 3, 0.5)])
    for epoch in range(30):
        np.testing.assert_allclose(ours.get_last_lr(), theirs.get_last_lr(), rtol=1e-12,
                                   err_msg=f"sequential epoch {epoch}")
        np.testing.assert_allclose(chained.get_last_lr(), tchained.get_last_lr(), rtol=1e-12,
                                   err_msg=f"chained epoch {epoch}")
        for o in (opt, topt, opt2, topt2):
            o.step()
        for s in (ours, theirs, chained, tchained):
            s.step()


def test_reduce_on_plateau_matches_torch() -> None:
    metrics = [5, 4, 4, 4, 4.1, 3, 3, 3, 3, 3, 3, 2.9999, 2, 2, 2, 2, 2, 2, 2, 2]
    for mode_kwargs in ({"patience": 2, "cooldown": 1, "factor": 0.5, "min_lr": 0.01},
                        {"patience": 1, "threshold": 0.5, "threshold_mode": "abs",
                         "mode": "max"}):
        opt, topt = _pair()
        ours = ours_sched.ReduceLROnPlateau(opt, **mode_kwargs)
        theirs = theirs_sched.ReduceLROnPlateau(topt, **mode_kwargs)
        for m in metrics:
            ours.step(m)
            theirs.step(m)
            np.testing.assert_allclose(ours.get_last_lr(), theirs.get_last_lr(), rtol=1e-12)


def test_state_dict_resumes_the_same_sequence() -> None:
    opt, _ = _pair()
    sched = ours_sched.CosineAnnealingWarmRestarts(opt, T_0=4, T_mult=2)
    for _ in range(7):
        sched.step()
    saved_sched, saved_opt = sched.state_dict(), opt.state_dict()
    expected = []
    for _ in range(10):
        sched.step()
        expected.append(sched.get_last_lr())
    opt2, _ = _pair()
    opt2.load_state_dict(saved_opt)
    sched2 = ours_sched.CosineAnnealingWarmRestarts(opt2, T_0=4, T_mult=2)
    sched2.load_state_dict(saved_sched)
    got = []
    for _ in range(10):
        sched2.step()
        got.append(sched2.get_last_lr())
    np.testing.assert_allclose(got, expected, rtol=1e-15)


def test_errors_name_the_argument() -> None:
    opt, _ = _pair()
    with pytest.raises(ValueError, match="step_size"):
        ours_sched.StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match="optimizer"):
        ours_sched.StepLR(object(), step_size=2)
    with pytest.raises(ValueError, match="total_steps"):
        ours_sched.OneCycleLR(opt, max_lr=1.0)


RESUME_CASES = [*CASES, ("MultiStepLR", {"milestones": [2, 5, 5, 9], "gamma": 0.3}),
                ("CosineAnnealingLR", {"T_max": 4})]


@pytest.mark.parametrize(("name", "kwargs"), RESUME_CASES)
@pytest.mark.parametrize("resume_at", [4, 11])
def test_last_epoch_resume_matches_torch(name: str, kwargs: dict, resume_at: int) -> None:
    """torch's resume idiom: a new optimizer loads the saved state (with 'initial_lr'), then
    the scheduler is built with last_epoch=k; the following rates must agree."""
    opt, topt = _pair("SGD", momentum=0.9)
    ours = getattr(ours_sched, name)(opt, **kwargs)
    theirs = getattr(theirs_sched, name)(topt, **kwargs)
    for _ in range(resume_at):
        opt.step()
        topt.step()
        ours.step()
        theirs.step()
    opt2, topt2 = _pair("SGD", momentum=0.9)
    opt2.load_state_dict(opt.state_dict())
    topt2.load_state_dict(topt.state_dict())
    ours = getattr(ours_sched, name)(opt2, last_epoch=resume_at, **kwargs)
    theirs = getattr(theirs_sched, name)(topt2, last_epoch=resume_at, **kwargs)
    for epoch in range(min(20, 60 - resume_at)):
        np.testing.assert_allclose(ours.get_last_lr(), theirs.get_last_lr(), rtol=1e-12,
                                   err_msg=f"{name} epoch {resume_at + epoch}")
        opt2.step()
        topt2.step()
        ours.step()
        theirs.step()


def test_sequential_and_chained_state_dicts_resume_through_nmr(tmp_path) -> None:
    def build(lib, opt):
        warm = lib.SequentialLR(opt, [lib.LinearLR(opt, 0.1, total_iters=4),
                                      lib.ExponentialLR(opt, 0.9),
                                      lib.CosineAnnealingLR(opt, T_max=8, eta_min=0.001)],
                                [4, 10])
        return warm

    opt, topt = _pair()
    ours, theirs = build(ours_sched, opt), build(theirs_sched, topt)
    for _ in range(7):
        opt.step()
        topt.step()
        ours.step()
        theirs.step()
    nm.save({"opt": opt.state_dict(), "sched": ours.state_dict()}, tmp_path / "ck.nmr")
    saved = nm.load(tmp_path / "ck.nmr")
    opt, _ = _pair()
    ours = build(ours_sched, opt)
    opt.load_state_dict(saved["opt"])
    ours.load_state_dict(saved["sched"])
    for epoch in range(7, 30):
        np.testing.assert_allclose(ours.get_last_lr(), theirs.get_last_lr(), rtol=1e-12,
                                   err_msg=f"epoch {epoch}")
        opt.step()
        topt.step()
        ours.step()
        theirs.step()


def test_reduce_on_plateau_after_add_param_group_matches_torch() -> None:
    """A group added after the scheduler (unfreezing a backbone) is reduced with the scalar
    min_lr, as torch does; a per-group list cannot cover it and says so."""
    opt, topt = _pair()
    ours = ours_sched.ReduceLROnPlateau(opt, patience=0, min_lr=0.001)
    theirs = theirs_sched.ReduceLROnPlateau(topt, patience=0, min_lr=0.001)
    opt.add_param_group({"params": [nm.zeros(1)], "lr": 0.5})
    topt.add_param_group({"params": [torch.zeros(1)], "lr": 0.5})
    for metric in (3, 4, 5, 6, 7, 8):
        ours.step(metric)
        theirs.step(metric)
        np.testing.assert_allclose(ours.get_last_lr(), theirs.get_last_lr(), rtol=1e-12)
    opt, _ = _pair()
    ours = ours_sched.ReduceLROnPlateau(opt, patience=0, min_lr=[0.01, 0.02])
    opt.add_param_group({"params": [nm.zeros(1)]})
    ours.step(3)
    with pytest.raises(NumeruError, match=r"min_lrs: expected 3 values.*got \[0.01, 0.02\]"):
        ours.step(4)
