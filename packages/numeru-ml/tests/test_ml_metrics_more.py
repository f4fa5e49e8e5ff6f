"""The metrics added after the first set (balanced accuracy, MCC, kappa, Brier, PR curve,
average precision, the extra regression metrics) against sklearn.metrics: values to 1e-12
and the same warnings (category and text)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")
import sklearn.metrics as skm  # noqa: E402

import numeru.core as nm  # noqa: E402
import numeru.ml.metrics as M  # noqa: E402
from numeru.core.errors import ShapeError, ValidationError  # noqa: E402

TOL = {"rtol": 1e-12, "atol": 1e-12}


def both(name, *args, ref_args=None, **kwargs):
    """Call numeru's and sklearn's ``name``; assert equal values and the same warnings."""
    out = []
    for module, call_args in ((M, args), (skm, ref_args or args)):
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            value = getattr(module, name)(*call_args, **kwargs)
        out.append((value, sorted({(w.category.__name__, str(w.message)) for w in seen})))
    (ours, our_warnings), (ref, ref_warnings) = out
    assert our_warnings == ref_warnings
    if isinstance(ref, tuple):
        assert len(ours) == len(ref)
        for a, b in zip(ours, ref, strict=True):
            np.testing.assert_allclose(a, b, **TOL)
    else:
        assert isinstance(ours, np.ndarray) == isinstance(ref, np.ndarray)
        if not isinstance(ref, np.ndarray):
            assert type(ours) is float
        np.testing.assert_allclose(ours, ref, **TOL)
    return ours


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    t = rng.integers(0, 4, 200)
    p = np.where(rng.random(200) < 0.6, t, rng.integers(0, 4, 200))
    return t, p, rng.random(200), rng.dirichlet(np.ones(4), 200)


# ---- balanced accuracy, MCC, Cohen's kappa ------------------------------------------------

@pytest.mark.parametrize("name", ["balanced_accuracy_score", "matthews_corrcoef",
                                  "cohen_kappa_score"])
def test_confusion_scores_random(data, name):
    t, p, w, _ = data
    for n in (2, 4):
        tn, pn = t % n, p % n
        both(name, tn, pn)
        both(name, tn, pn, sample_weight=w)
        both(name, tn.tolist(), pn.tolist())
        both(name, np.array(["a", "c", "d", "e"])[tn], np.array(["a", "c", "d", "e"])[pn])
    both(name, nm.asarray(t), nm.asarray(p), ref_args=(t, p))


def test_confusion_scores_options_and_edges(data):
    t, p, w, _ = data
    both("balanced_accuracy_score", t, p, adjusted=True)
    both("balanced_accuracy_score", t, p, sample_weight=w, adjusted=True)
    both("balanced_accuracy_score", [0, 0, 1, 1], [0, 2, 1, 1])  # class 2 not in y_true
    both("balanced_accuracy_score", [1, 1, 1], [1, 1, 1])  # a single class
    with np.errstate(divide="ignore"):
        both("balanced_accuracy_score", [1, 1, 1], [1, 0, 1], adjusted=True)  # -inf
    w0 = w.copy()
    w0[t == 0] = 0  # a class whose samples all weigh 0
    both("balanced_accuracy_score", t, p, sample_weight=w0)
    for name in ("matthews_corrcoef", "cohen_kappa_score"):
        both(name, t, p, sample_weight=w0)
        both(name, t, t)  # perfect
        both(name, [1, 1, 1], [1, 1, 1])  # one class: MCC 0.0, kappa nan with a warning
        both(name, [0, 1, 0, 1], [1, 1, 1, 1])  # one predicted class
    for weights in (None, "linear", "quadratic"):
        both("cohen_kappa_score", t, p, weights=weights)
        both("cohen_kappa_score", t, p, weights=weights, sample_weight=w, labels=[3, 1, 0])
    both("cohen_kappa_score", [1, 1, 1], [1, 1, 1], replace_undefined_by=0.0)
    both("cohen_kappa_score", [0, 1, 2], [3, 3, 3], labels=[0, 1, 2])  # no pair in labels
    with pytest.raises(ValidationError, match="labels"):
        M.cohen_kappa_score(t, p, labels=[7, 8])
    with pytest.raises(ValidationError, match="weights"):
        M.cohen_kappa_score(t, p, weights="cubic")
    with pytest.raises(ShapeError, match="y1"):
        M.cohen_kappa_score([], [])
    for name in ("balanced_accuracy_score", "matthews_corrcoef"):
        with pytest.raises(ShapeError, match="y_true"):
            getattr(M, name)([], [])
        with pytest.raises(ValidationError, match="y_pred"):
            getattr(M, name)([0, 1], [0.5, 1.0])
        with pytest.raises(ShapeError, match="sample_weight"):
            getattr(M, name)([0, 1], [0, 1], sample_weight=[1.0])


# ---- Brier score ------------------------------------------------------------------------

def test_brier_score_loss(data):
    t, _, w, P = data
    rng = np.random.default_rng(1)
    tb, pb = (t > 1).astype(int), rng.random(t.shape[0])
    both("brier_score_loss", tb, pb)
    both("brier_score_loss", tb, pb, sample_weight=w)
    both("brier_score_loss", tb, pb, pos_label=0)
    both("brier_score_loss", tb * 2 - 1, pb)  # {-1, 1}
    both("brier_score_loss", tb + 3, pb)  # {3, 4}: the larger label is positive
    both("brier_score_loss", np.array(["no", "yes"])[tb], pb, pos_label="yes")
    both("brier_score_loss", np.zeros(5, int), np.linspace(0, 1, 5))  # one class
    both("brier_score_loss", tb, tb.astype(float))  # perfect
    both("brier_score_loss", nm.asarray(tb), nm.asarray(pb), ref_args=(tb, pb))
    both("brier_score_loss", tb.tolist(), pb[:, None].tolist())
    both("brier_score_loss", t, P)  # multi-class
    both("brier_score_loss", t, P, sample_weight=w, scale_by_half=True)
    both("brier_score_loss", tb, np.c_[1 - pb, pb])  # two columns: multi-class path, halved
    both("brier_score_loss", tb, np.c_[1 - pb, pb], scale_by_half=False)
    both("brier_score_loss", t % 3, P, labels=[0, 1, 2, 3])
    both("brier_score_loss", t, P * 0.9)  # rows not summing to 1: a warning
    both("brier_score_loss", t, P, labels=[3, 2, 1, 0])  # unsorted labels: a warning
    for bad in (pb + 0.5, pb - 0.5):  # outside [0, 1]: refused, as scikit-learn 1.9
        with pytest.raises(ValueError):
            skm.brier_score_loss(tb, bad)
        with pytest.raises(ValidationError, match="y_proba"):
            M.brier_score_loss(tb, bad)
    with pytest.raises(ValidationError, match="y_proba"):
        M.brier_score_loss(t, P * 2)
    with pytest.raises(ValidationError, match="y_true"):
        M.brier_score_loss(t, pb)  # 1-D scores for a multi-class y_true
    with pytest.raises(ValidationError, match="pos_label"):
        M.brier_score_loss(np.array(["no", "yes"])[tb], pb)
    with pytest.raises(ValidationError, match="y_true"):
        M.brier_score_loss(np.zeros(200, int), P)
    with pytest.raises(ShapeError, match="y_proba"):
        M.brier_score_loss(t % 3, P)  # 3 classes, 4 columns
    with pytest.raises(ShapeError, match="y_proba"):
        M.brier_score_loss([], [])


# ---- precision-recall curve and average precision -----------------------------------------

@pytest.mark.parametrize("n", [1, 7, 60])
def test_precision_recall_curve_random(n):
    rng = np.random.default_rng(n)
    y = rng.integers(0, 2, n)
    s = np.round(rng.random(n), 1)  # ties
    w = rng.random(n)
    w[::3] = 0  # zero weights drop their thresholds
    for kwargs in ({}, {"sample_weight": w}, {"drop_intermediate": True},
                   {"sample_weight": w, "drop_intermediate": True}, {"pos_label": 0}):
        if n == 1 and "sample_weight" in kwargs:
            continue
        both("precision_recall_curve", y, s, **kwargs)
        both("average_precision_score", y, s, **kwargs) if "drop_intermediate" not in kwargs \
            else None


def test_precision_recall_curve_edges():
    y, s = np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8])
    prec, rec, thr = both("precision_recall_curve", y, s)
    assert prec[-1] == 1.0 and rec[-1] == 0.0 and thr.shape[0] == prec.shape[0] - 1
    both("precision_recall_curve", [0, 0, 0], [0.2, 0.5, 0.1])  # no positives: a warning
    both("precision_recall_curve", [1, 1, 1], [0.2, 0.5, 0.1])
    both("precision_recall_curve", y, np.full(4, 0.5))  # all scores tied
    both("precision_recall_curve", ["a", "b", "b", "a"], s, pos_label="b")
    both("precision_recall_curve", [0, 1, 2, 2], s, pos_label=2)  # multi-class with pos_label
    both("precision_recall_curve", nm.asarray(y), nm.asarray(s), ref_args=(y, s))
    both("precision_recall_curve", y.tolist(), s.tolist(), drop_intermediate=True)
    for bad in ([0, 1, 2, 2], ["a", "b", "b", "a"], [2, 3, 3, 2]):
        with pytest.raises(ValidationError, match="pos_label"):
            M.precision_recall_curve(bad, s)
    with pytest.raises(ShapeError, match="y_true"):
        M.precision_recall_curve([], [])
    with pytest.raises(ValidationError, match="y_score"):
        M.precision_recall_curve(y, [0.1, np.nan, 0.2, 0.3])
    with pytest.raises(ValidationError, match="y_true"):
        M.precision_recall_curve([0.5, 1, 0, 1], s)


def test_average_precision_score(data):
    t, _, w, P = data
    tb = (t > 1).astype(int)
    both("average_precision_score", tb, P[:, 0])
    both("average_precision_score", tb, P[:, 0], pos_label=0)
    both("average_precision_score", tb, tb.astype(float))  # perfect
    both("average_precision_score", np.zeros(6, int), np.linspace(0, 1, 6))  # no positives
    both("average_precision_score", nm.asarray(tb), nm.asarray(P[:, 0]), ref_args=(tb, P[:, 0]))
    for average in ("macro", "micro", "weighted", "samples", None):
        both("average_precision_score", t, P, average=average)
        both("average_precision_score", t, P, average=average, sample_weight=w)
        # ties in the scores; lists (scikit-learn 1.9 needs an array y_score here)
        both("average_precision_score", t.tolist(), np.round(P, 1).tolist(), average=average,
             ref_args=(t, np.round(P, 1)))
    with pytest.raises(ValidationError, match="pos_label"):
        M.average_precision_score(tb, P[:, 0], pos_label=3)
    with pytest.raises(ValidationError, match="pos_label"):
        M.average_precision_score(t, P, pos_label=2)
    with pytest.raises(ShapeError, match="y_score"):
        M.average_precision_score(t, P[:, :3])
    with pytest.raises(ShapeError, match="y_true"):
        M.average_precision_score(np.eye(3, dtype=int), np.eye(3))  # multilabel indicator
    with pytest.raises(ValidationError, match="average"):
        M.average_precision_score(tb, P[:, 0], average="binary")
    with pytest.raises(ShapeError, match="y_true"):
        M.average_precision_score([], [])


# ---- regression ---------------------------------------------------------------------------

REG = ["median_absolute_error", "mean_absolute_percentage_error", "explained_variance_score",
       "mean_squared_log_error", "root_mean_squared_log_error", "mean_pinball_loss",
       "d2_absolute_error_score", "d2_pinball_score"]


@pytest.mark.parametrize("name", REG)
@pytest.mark.parametrize("shape", [(1,), (9,), (40, 1), (40, 3)])
def test_regression_random(name, shape):
    rng = np.random.default_rng(shape[0])
    t, p = rng.random(shape) * 3, rng.random(shape) * 3
    w = rng.random(shape[0])
    w[::4] = 0
    multi = ["raw_values", "uniform_average"] + \
        (["variance_weighted"] if name == "explained_variance_score" else [])
    if len(shape) == 2 and shape[1] == 3:
        multi.append([0.2, 0.5, 0.3])
    for multioutput in multi:
        both(name, t, p, multioutput=multioutput)
        if shape[0] > 1:
            both(name, t, p, multioutput=multioutput, sample_weight=w)
    both(name, t.tolist(), p.tolist())
    both(name, nm.asarray(t), nm.asarray(p), ref_args=(t, p))


def test_regression_options_and_edges():
    rng = np.random.default_rng(3)
    t, p = rng.normal(size=30), rng.normal(size=30)
    both("max_error", t, p)
    both("max_error", t[:, None], p[:, None])
    both("max_error", t.tolist(), t.tolist())  # perfect
    with pytest.raises(ShapeError, match="y_true"):
        M.max_error(np.c_[t, t], np.c_[p, p])
    for alpha in (0.0, 0.1, 0.9, 1.0):
        both("mean_pinball_loss", t, p, alpha=alpha)
        both("d2_pinball_score", t, p, alpha=alpha, sample_weight=np.abs(p))
    for bad in (-0.1, 1.5, "x"):
        with pytest.raises(ValidationError, match="alpha"):
            M.mean_pinball_loss(t, p, alpha=bad)
    ties = np.repeat([1.0, 2.0, 3.0], 4)
    both("median_absolute_error", ties, np.zeros(12), sample_weight=np.r_[np.ones(6),
                                                                           np.zeros(6)])
    both("median_absolute_error", ties, np.zeros(12), sample_weight=np.r_[0, 0, np.ones(10)])
    both("mean_absolute_percentage_error", [0.0, 1.0, 2.0], [0.5, 1.0, 2.5])  # zero target
    for force_finite in (True, False):
        with np.errstate(divide="ignore", invalid="ignore"):
            both("explained_variance_score", np.ones(5), np.ones(5), force_finite=force_finite)
            both("explained_variance_score", np.ones(5), p[:5], force_finite=force_finite)
            both("explained_variance_score", np.c_[np.ones(5), t[:5]], np.c_[p[:5], p[:5]],
                 force_finite=force_finite, multioutput="variance_weighted")
    both("d2_absolute_error_score", np.ones(5), np.ones(5))
    both("d2_absolute_error_score", [1.0], [2.0])  # one sample: nan with a warning
    both("d2_absolute_error_score", t, t)
    both("mean_squared_log_error", [-0.5, 0.0, 3.0], [0.0, 0.5, 2.0])  # in (-1, 0): accepted
    for name in ("mean_squared_log_error", "root_mean_squared_log_error"):
        with pytest.raises(ValidationError, match="y_true"):
            M.__dict__[name]([-1.0, 1.0], [0.0, 1.0])
        with pytest.raises(ValidationError, match="y_pred"):
            M.__dict__[name]([0.0, 1.0], [0.0, -2.0])
    for name in REG + ["max_error"]:
        with pytest.raises(ShapeError, match="y_true"):
            getattr(M, name)([], [])
    with pytest.raises(ValidationError, match="multioutput"):
        M.median_absolute_error(t, p, multioutput="variance_weighted")
