"""Losses against PyTorch: values and gradients, every reduction and option."""

from __future__ import annotations

import numpy as np
import pytest

import numeru.core as nm
from numeru.dl import nn

torch = pytest.importorskip("torch")
tnn = torch.nn

R = np.random.default_rng(0)
LOGITS = R.standard_normal((6, 4))
LOGITS_3D = R.standard_normal((3, 4, 5))
CLASSES = np.array([0, 3, 1, 2, 3, 1])
CLASSES_IGNORED = np.array([0, -100, 1, 2, 3, -100])
CLASSES_3D = R.integers(0, 4, (3, 5))
CLASSES_3D_IGNORED = np.where(R.uniform(size=(3, 5)) < 0.3, 1, CLASSES_3D)
PROBS = R.dirichlet(np.ones(4), 6)
WEIGHT = np.array([1.0, 2.0, 0.5, 1.5])
REAL = R.standard_normal((5, 3))
REAL2 = R.standard_normal((5, 3))
UNIT = R.uniform(0.05, 0.95, (5, 3))
BINARY = (R.uniform(size=(5, 3)) > 0.5).astype(float)


def _t(a):
    return torch.tensor(a) if a is not None else None


def _nm(a):
    return nm.asarray(a) if a is not None else None


CASES = []
for reduction in ("mean", "sum", "none"):
    CASES += [
        ("mse", reduction, lambda r: (nn.MSELoss(r), tnn.MSELoss(reduction=r)), REAL, REAL2),
        ("l1", reduction, lambda r: (nn.L1Loss(r), tnn.L1Loss(reduction=r)), REAL, REAL2),
        ("smooth_l1", reduction, lambda r: (nn.SmoothL1Loss(r, beta=0.5),
                                            tnn.SmoothL1Loss(reduction=r, beta=0.5)),
         REAL, REAL2),
        ("ce", reduction, lambda r: (nn.CrossEntropyLoss(reduction=r),
                                     tnn.CrossEntropyLoss(reduction=r)), LOGITS, CLASSES),
        ("ce_weighted_ignore_smooth", reduction,
         lambda r: (nn.CrossEntropyLoss(_nm(WEIGHT), ignore_index=-100, reduction=r,
                                        label_smoothing=0.2),
                    tnn.CrossEntropyLoss(_t(WEIGHT), ignore_index=-100, reduction=r,
                                         label_smoothing=0.2)), LOGITS, CLASSES_IGNORED),
        ("ce_smooth", reduction, lambda r: (nn.CrossEntropyLoss(reduction=r, label_smoothing=0.1),
                                            tnn.CrossEntropyLoss(reduction=r,
                                                                 label_smoothing=0.1)),
         LOGITS, CLASSES),
        ("ce_spatial", reduction, lambda r: (nn.CrossEntropyLoss(_nm(WEIGHT), reduction=r),
                                             tnn.CrossEntropyLoss(_t(WEIGHT), reduction=r)),
         LOGITS_3D, CLASSES_3D),
        ("ce_spatial_ignore_smooth", reduction,
         lambda r: (nn.CrossEntropyLoss(_nm(WEIGHT), ignore_index=1, reduction=r,
                                        label_smoothing=0.15),
                    tnn.CrossEntropyLoss(_t(WEIGHT), ignore_index=1, reduction=r,
                                         label_smoothing=0.15)),
         LOGITS_3D, CLASSES_3D_IGNORED),
        ("ce_probabilities", reduction,
         lambda r: (nn.CrossEntropyLoss(_nm(WEIGHT), reduction=r, label_smoothing=0.1),
                    tnn.CrossEntropyLoss(_t(WEIGHT), reduction=r, label_smoothing=0.1)),
         LOGITS, PROBS),
        ("nll", reduction, lambda r: (nn.NLLLoss(_nm(WEIGHT), ignore_index=2, reduction=r),
                                      tnn.NLLLoss(_t(WEIGHT), ignore_index=2, reduction=r)),
         LOGITS, CLASSES),
        ("bce", reduction, lambda r: (nn.BCELoss(_nm(UNIT[0]), reduction=r),
                                      tnn.BCELoss(_t(UNIT[0]), reduction=r)), UNIT, BINARY),
        ("bce_logits", reduction,
         lambda r: (nn.BCEWithLogitsLoss(_nm(UNIT[1]), reduction=r,
                                         pos_weight=_nm(np.array([1.0, 3.0, 0.5]))),
                    tnn.BCEWithLogitsLoss(_t(UNIT[1]), reduction=r,
                                          pos_weight=_t(np.array([1.0, 3.0, 0.5])))),
         REAL * 10, BINARY),
        ("kl_div", reduction, lambda r: (nn.KLDivLoss(reduction=r), tnn.KLDivLoss(reduction=r)),
         np.log(PROBS), np.r_[PROBS[:5], [[0.0, 0.5, 0.5, 0.0]]]),
    ]
    CASES += [
        ("ce_spatial_probabilities", reduction,
         lambda r: (nn.CrossEntropyLoss(_nm(WEIGHT), reduction=r, label_smoothing=0.3),
                    tnn.CrossEntropyLoss(_t(WEIGHT), reduction=r, label_smoothing=0.3)),
         LOGITS_3D, np.moveaxis(R.dirichlet(np.ones(4), (3, 5)), -1, 1).copy()),
        ("nll_spatial", reduction, lambda r: (nn.NLLLoss(_nm(WEIGHT), ignore_index=1,
                                                         reduction=r),
                                              tnn.NLLLoss(_t(WEIGHT), ignore_index=1,
                                                          reduction=r)),
         LOGITS_3D, CLASSES_3D_IGNORED),
        ("bce_logits_extreme", reduction,  # weight (N, 1) and pos_weight (C,) broadcast
         lambda r: (nn.BCEWithLogitsLoss(_nm(UNIT[:, :1]), reduction=r,
                                         pos_weight=_nm(np.array([1.0, 3.0, 0.5]))),
                    tnn.BCEWithLogitsLoss(_t(UNIT[:, :1]), reduction=r,
                                          pos_weight=_t(np.array([1.0, 3.0, 0.5])))),
         np.where(BINARY > 0, -100.0, 100.0) * np.sign(REAL), UNIT),
        ("smooth_l1_beta0", reduction, lambda r: (nn.SmoothL1Loss(r, beta=0.0),
                                                  tnn.SmoothL1Loss(reduction=r, beta=0.0)),
         REAL, REAL2),
    ]
CASES += [
    ("kl_div_batchmean", "batchmean",
     lambda r: (nn.KLDivLoss(reduction=r), tnn.KLDivLoss(reduction=r)), np.log(PROBS),
     PROBS[::-1].copy()),
    ("kl_div_log_target", "sum",
     lambda r: (nn.KLDivLoss(reduction=r, log_target=True),
                tnn.KLDivLoss(reduction=r, log_target=True)), np.log(PROBS),
     np.log(PROBS[::-1].copy())),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_loss_matches_torch(case):
    _, reduction, make, x, target = case
    ours, theirs = make(reduction)
    xn, xt = nm.asarray(x.copy(), requires_grad=True), torch.tensor(x.copy(), requires_grad=True)
    loss, loss_t = ours(xn, nm.asarray(target)), theirs(xt, torch.tensor(target))
    np.testing.assert_allclose(loss.numpy(), loss_t.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = np.random.default_rng(1).standard_normal(tuple(loss_t.shape))
    loss.backward(nm.asarray(g))
    loss_t.backward(torch.tensor(g))
    np.testing.assert_allclose(xn.grad.numpy(), xt.grad.numpy(), rtol=1e-8, atol=1e-10)


def test_mse_gradient_reaches_the_target_too():
    a, b = REAL.copy(), REAL2.copy()
    an, bn = nm.asarray(a, requires_grad=True), nm.asarray(b, requires_grad=True)
    at, bt = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    nn.functional.mse_loss(an, bn).backward()
    torch.nn.functional.mse_loss(at, bt).backward()
    np.testing.assert_allclose(bn.grad.numpy(), bt.grad.numpy(), rtol=1e-12)


@pytest.mark.filterwarnings("ignore:divide by zero")  # the target's gradient at x = 0, 1
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_binary_cross_entropy_at_saturated_probabilities_matches_torch(dtype):
    """Probabilities of exactly 0 or 1 (a saturated float32 sigmoid) give PyTorch's finite
    gradient ``(x - t) / max(x (1 - x), 1e-12)``, not NaN, and no warning in the forward."""
    x = np.array([[0.0, 1.0, 1e-30], [1.0, 0.0, 0.3], [0.5, 1 - 1e-7, 0.9]], dtype=dtype)
    t = np.array([[1.0, 0.0, 1.0], [1.0, 0.0, 0.2], [0.0, 1.0, 0.5]], dtype=dtype)
    w = np.array([0.5, 2.0, 1.0], dtype=dtype)
    xn, xt = nm.asarray(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    tn, tt = nm.asarray(t, requires_grad=True), torch.tensor(t, requires_grad=True)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = nn.functional.binary_cross_entropy(xn, tn, nm.asarray(w), reduction="sum")
    loss_t = tnn.functional.binary_cross_entropy(xt, tt, torch.tensor(w), reduction="sum")
    assert loss.dtype == x.dtype
    np.testing.assert_allclose(loss.numpy(), loss_t.detach().numpy(), rtol=1e-6)
    loss.backward()
    loss_t.backward()
    assert xn.grad.dtype == x.dtype
    np.testing.assert_allclose(xn.grad.numpy(), xt.grad.numpy(), rtol=1e-5)
    # The target's gradient is w (log(1 - x) - log(x)): compared where it is finite.
    np.testing.assert_allclose(tn.grad.numpy()[2], tt.grad.numpy()[2], rtol=1e-5)


def test_binary_cross_entropy_double_backward_matches_finite_differences():
    import numeru.dl as dl

    r = np.random.default_rng(8)
    x = nm.asarray(r.standard_normal((2, 3)), requires_grad=True)
    t = nm.asarray(r.uniform(0.1, 0.9, (2, 3)), requires_grad=True)
    assert dl.gradgradcheck(lambda a, b: nn.functional.binary_cross_entropy(
        nn.functional.sigmoid(a), b), (x, t))


def test_cross_entropy_single_sample_without_batch_axis():
    x = LOGITS[0]
    ours = nn.functional.cross_entropy(nm.asarray(x), nm.asarray(np.array(2)))
    theirs = torch.nn.functional.cross_entropy(torch.tensor(x), torch.tensor(2))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


def test_cross_entropy_of_class_indices_is_one_fused_op():
    x = nm.asarray(LOGITS, requires_grad=True)
    for target, options in ((CLASSES, {}), (CLASSES_IGNORED, {"weight": nm.asarray(WEIGHT),
                                                              "label_smoothing": 0.1})):
        loss = nn.functional.cross_entropy(x, nm.asarray(target), **options)
        assert loss.grad_fn.name == "cross_entropy"
    loss = nn.functional.cross_entropy(x, nm.asarray(PROBS))  # probabilities: composed
    assert loss.grad_fn.name != "cross_entropy"


def test_cross_entropy_class_weights_that_require_grad_get_a_gradient():
    """The fused op gives no gradient to the weights: such weights take the composed path."""
    import numeru.dl as dl

    w = nm.asarray(WEIGHT.copy(), requires_grad=True)
    loss = nn.functional.cross_entropy(nm.asarray(LOGITS), nm.asarray(CLASSES_IGNORED), w,
                                       label_smoothing=0.2)
    assert loss.grad_fn.name != "cross_entropy"
    assert dl.gradcheck(lambda w: nn.functional.cross_entropy(
        nm.asarray(LOGITS), nm.asarray(CLASSES_IGNORED), w, label_smoothing=0.2), [w])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_float32_matches_torch(reduction):
    x32 = (LOGITS * 20).astype(np.float32)  # large logits: the max shift matters
    xn, xt = nm.asarray(x32, requires_grad=True), torch.tensor(x32, requires_grad=True)
    options = {"reduction": reduction, "label_smoothing": 0.1}
    loss = nn.functional.cross_entropy(xn, nm.asarray(CLASSES_IGNORED), nm.asarray(
        WEIGHT.astype(np.float32)), **options)
    loss_t = torch.nn.functional.cross_entropy(xt, torch.tensor(CLASSES_IGNORED), torch.tensor(
        WEIGHT.astype(np.float32)), **options)
    assert loss.dtype == np.float32
    np.testing.assert_allclose(loss.numpy(), loss_t.detach().numpy(), rtol=1e-5, atol=1e-5)
    nm.sum(loss).backward()
    loss_t.sum().backward()
    assert xn.grad.dtype == np.float32
    np.testing.assert_allclose(xn.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_cross_entropy_with_every_target_ignored_is_nan_like_torch():
    ignored = np.full(6, -100)
    with np.errstate(invalid="ignore"):  # 0 / 0
        ours = nn.functional.cross_entropy(nm.asarray(LOGITS), nm.asarray(ignored))
    theirs = torch.nn.functional.cross_entropy(torch.tensor(LOGITS), torch.tensor(ignored))
    assert np.isnan(ours.item()) and np.isnan(theirs.item())
    ours = nn.functional.cross_entropy(nm.asarray(LOGITS), nm.asarray(ignored), reduction="sum")
    assert ours.item() == 0.0


PATHS = {  # every route of a class-index loss: fused op, composed (weights with grad), NLL
    "fused": lambda x, t, w, **kw: nn.functional.cross_entropy(x, t, w, **kw),
    "composed": lambda x, t, w, **kw: nn.functional.cross_entropy(
        x, t, nm.asarray(w.numpy(), requires_grad=True), **kw),
    "nll": lambda x, t, w, **kw: nn.functional.nll_loss(
        nn.functional.log_softmax(x, dim=-1 if x.ndim == 1 else 1), t, w, **kw),
}


@pytest.mark.parametrize("path", sorted(PATHS))
@pytest.mark.parametrize("logits", [LOGITS, LOGITS[0]], ids=["batch", "single"])
def test_mean_over_no_target_is_nan_with_a_zero_gradient_like_torch(path, logits):
    """0 / 0 for the loss; ignored samples still get exactly 0 (not 0 * inf = NaN)."""
    target = np.full(logits.shape[:-1], -100)
    kw = {"label_smoothing": 0.2} if path != "nll" else {}
    x = nm.asarray(logits.copy(), requires_grad=True)
    xt = torch.tensor(logits.copy(), requires_grad=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        loss = PATHS[path](x, nm.asarray(target), nm.asarray(WEIGHT), **kw)
        loss.backward()
    loss_t = (torch.nn.functional.nll_loss(torch.log_softmax(xt, -1), torch.tensor(target),
                                           torch.tensor(WEIGHT)) if path == "nll" else
              torch.nn.functional.cross_entropy(xt, torch.tensor(target), torch.tensor(WEIGHT),
                                                **kw))
    loss_t.backward()
    assert np.isnan(loss.item()) and np.isnan(loss_t.item())
    np.testing.assert_array_equal(x.grad.numpy(), xt.grad.numpy())  # zeros


def test_kl_div_of_a_negative_target_is_nan_like_torch():
    """PyTorch's xlogy(t, t): 0 at t == 0, NaN at t < 0 (no finite value for a bad target)."""
    x, t = np.log(PROBS[:2]), np.array([[0.5, 0.0, -0.2, 0.7], [0.25, 0.25, 0.25, 0.25]])
    ours = nn.functional.kl_div(nm.asarray(x), nm.asarray(t), reduction="none").numpy()
    theirs = torch.nn.functional.kl_div(torch.tensor(x), torch.tensor(t), reduction="none")
    np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-12, equal_nan=True)
    assert np.isnan(ours[0, 2]) and ours[0, 1] == 0.0


def test_loss_errors_name_the_argument():
    with pytest.raises(ValueError, match="target"):
        nn.functional.cross_entropy(nm.asarray(LOGITS), nm.asarray(np.array([0, 9, 1, 1, 1, 1])))
    with pytest.raises(ValueError, match="target"):
        nn.functional.mse_loss(nm.asarray(REAL), nm.asarray(REAL[:2]))
    with pytest.raises(ValueError, match="reduction"):
        nn.MSELoss("avg")
    with pytest.raises(ValueError, match="reduction"):
        nn.functional.cross_entropy(nm.asarray(LOGITS), nm.asarray(CLASSES), reduction="avg")
    with pytest.raises(ValueError, match="weight"):
        nn.functional.cross_entropy(nm.asarray(LOGITS), nm.asarray(CLASSES), nm.ones(3))
    with pytest.raises(ValueError, match="target"):
        nn.functional.cross_entropy(nm.asarray(LOGITS), nm.asarray(np.array([0, -3, 1, 1, 1, 1])))
    with pytest.raises(ValueError, match="target"):
        nn.functional.cross_entropy(nm.asarray(LOGITS), nm.asarray(CLASSES[:5]))
    with pytest.raises(ValueError, match="input"):
        nn.functional.binary_cross_entropy(nm.asarray(REAL), nm.asarray(BINARY))


def test_loss_weights_are_buffers_like_torch():
    w = np.array([1.0, 2.0, 0.5])
    pairs = [(nn.CrossEntropyLoss(weight=nm.asarray(w)), torch.nn.CrossEntropyLoss(
                weight=torch.tensor(w))),
             (nn.NLLLoss(weight=nm.asarray(w)), torch.nn.NLLLoss(weight=torch.tensor(w))),
             (nn.BCELoss(weight=nm.asarray(w)), torch.nn.BCELoss(weight=torch.tensor(w))),
             (nn.BCEWithLogitsLoss(pos_weight=nm.asarray(w)), torch.nn.BCEWithLogitsLoss(
                 pos_weight=torch.tensor(w))),
             (nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss())]
    for ours, theirs in pairs:
        assert list(ours.state_dict()) == list(theirs.state_dict())
        for name, value in theirs.state_dict().items():
            np.testing.assert_array_equal(ours.state_dict()[name].numpy(), value.numpy())
    cast = nn.CrossEntropyLoss(weight=nm.asarray(w)).float()
    assert cast.weight.dtype == nm.float32  # cast with the module, as torch's .float()
    logits = np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32)
    target = np.array([0, 2, 1, 2])
    np.testing.assert_allclose(
        cast(nm.asarray(logits), nm.asarray(target)).numpy(),
        torch.nn.CrossEntropyLoss(weight=torch.tensor(w)).float()(
            torch.from_numpy(logits), torch.from_numpy(target)).numpy(), rtol=1e-6)
