"""numeru.ml.metrics against sklearn.metrics (equal to 1e-12)."""

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


@pytest.fixture(scope="module")
def labels():
    rng = np.random.default_rng(0)
    t = rng.integers(0, 4, 300)
    p = np.where(rng.random(300) < 0.6, t, rng.integers(0, 4, 300))
    return t, p, rng.random(300), rng.dirichlet(np.ones(4), 300)


def test_accuracy_and_confusion_matrix(labels):
    t, p, w, _ = labels
    assert M.accuracy_score(t, p) == pytest.approx(skm.accuracy_score(t, p), abs=1e-12)
    assert M.accuracy_score(t, p, sample_weight=w) == pytest.approx(
        skm.accuracy_score(t, p, sample_weight=w), abs=1e-12)
    assert M.accuracy_score(t, p, normalize=False) == skm.accuracy_score(t, p, normalize=False)
    np.testing.assert_array_equal(M.confusion_matrix(t, p), skm.confusion_matrix(t, p))
    np.testing.assert_allclose(M.confusion_matrix(t, p, sample_weight=w),
                               skm.confusion_matrix(t, p, sample_weight=w), **TOL)
    for norm in ["true", "pred", "all"]:
        np.testing.assert_allclose(M.confusion_matrix(t, p, normalize=norm),
                                   skm.confusion_matrix(t, p, normalize=norm), **TOL)
    np.testing.assert_array_equal(M.confusion_matrix(t, p, labels=[3, 0, 9]),
                                  skm.confusion_matrix(t, p, labels=[3, 0, 9]))


@pytest.mark.parametrize("average", [None, "micro", "macro", "weighted"])
@pytest.mark.parametrize("metric", ["precision_score", "recall_score", "f1_score"])
def test_precision_recall_f1_every_average(labels, average, metric):
    t, p, w, _ = labels
    for kwargs in [{}, {"sample_weight": w}, {"labels": [0, 2, 7]}]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ours = getattr(M, metric)(t, p, average=average, **kwargs)
            ref = getattr(skm, metric)(t, p, average=average, **kwargs)
        np.testing.assert_allclose(ours, ref, **TOL)


def test_binary_fbeta_zero_division_and_strings(labels):
    t, p, w, _ = labels
    tb, pb = (t > 1).astype(int), (p > 1).astype(int)
    assert M.f1_score(tb, pb) == pytest.approx(skm.f1_score(tb, pb), abs=1e-12)
    assert M.precision_score(tb, pb, pos_label=0) == pytest.approx(
        skm.precision_score(tb, pb, pos_label=0), abs=1e-12)
    for beta in [0.5, 2.0]:
        np.testing.assert_allclose(M.fbeta_score(t, p, beta=beta, average=None),
                                   skm.fbeta_score(t, p, beta=beta, average=None), **TOL)
    for zd in [0.0, 1.0, np.nan]:
        a = M.precision_recall_fscore_support([0, 1, 1], [1, 1, 1], average=None,
                                              zero_division=zd)
        b = skm.precision_recall_fscore_support([0, 1, 1], [1, 1, 1], average=None,
                                                zero_division=zd)
        for x, y in zip(a, b, strict=True):
            np.testing.assert_allclose(x, y, **TOL)
    with pytest.warns(M.UndefinedMetricWarning):
        M.precision_score([0, 1, 1], [1, 1, 1], average=None)
    ts = np.array(["cat", "dog", "eel", "fox"])[t]
    ps = np.array(["cat", "dog", "eel", "fox"])[p]
    assert M.f1_score(ts, ps, average="weighted") == pytest.approx(
        skm.f1_score(ts, ps, average="weighted"), abs=1e-12)
    with pytest.raises(ValidationError, match="average"):
        M.f1_score(t, p)  # binary average on 4 classes
    with pytest.raises(ShapeError, match="y_pred"):
        M.accuracy_score(t, p[:-1])


def test_classification_report_text_and_dict(labels):
    t, p, w, _ = labels
    assert M.classification_report(t, p, digits=4) == skm.classification_report(t, p, digits=4)
    names = ["a", "b", "c"]
    assert M.classification_report(t, p, labels=[0, 1, 2], target_names=names) == \
        skm.classification_report(t, p, labels=[0, 1, 2], target_names=names)
    ours = M.classification_report(t, p, output_dict=True, sample_weight=w)
    ref = skm.classification_report(t, p, output_dict=True, sample_weight=w)
    assert ours.keys() == ref.keys()
    for key in ref:
        if isinstance(ref[key], dict):
            for k2 in ref[key]:
                assert ours[key][k2] == pytest.approx(ref[key][k2], rel=1e-12)
        else:
            assert ours[key] == pytest.approx(ref[key], rel=1e-12)


def test_log_loss(labels):
    t, _, w, P = labels
    assert M.log_loss(t, P) == pytest.approx(skm.log_loss(t, P), rel=1e-12)
    assert M.log_loss(t, P, sample_weight=w) == pytest.approx(
        skm.log_loss(t, P, sample_weight=w), rel=1e-12)
    assert M.log_loss(t, P, normalize=False) == pytest.approx(
        skm.log_loss(t, P, normalize=False), rel=1e-12)
    tb = (t > 1).astype(int)
    assert M.log_loss(tb, P[:, 0]) == pytest.approx(skm.log_loss(tb, P[:, 0]), rel=1e-12)
    assert M.log_loss([1, 1], [[0.0, 1.0], [0.3, 0.7]], labels=[0, 1]) == pytest.approx(
        skm.log_loss([1, 1], [[0.0, 1.0], [0.3, 0.7]], labels=[0, 1]), rel=1e-12)
    with pytest.raises(ShapeError, match="y_proba"):
        M.log_loss(t, P[:, :3])


def test_roc_auc_binary_and_multiclass(labels):
    t, _, w, P = labels
    tb = (t > 1).astype(int)
    s = np.random.default_rng(3).random(t.size) + 0.3 * tb
    s[::7] = 0.5  # ties
    assert M.roc_auc_score(tb, s) == pytest.approx(skm.roc_auc_score(tb, s), abs=1e-12)
    assert M.roc_auc_score(tb, s, sample_weight=w) == pytest.approx(
        skm.roc_auc_score(tb, s, sample_weight=w), abs=1e-12)
    assert M.roc_auc_score(tb, s, max_fpr=0.3) == pytest.approx(
        skm.roc_auc_score(tb, s, max_fpr=0.3), abs=1e-12)
    for a, b in zip(M.roc_curve(tb, s), skm.roc_curve(tb, s), strict=True):
        np.testing.assert_allclose(a, b, **TOL)
    for multi in ["ovr", "ovo"]:
        for average in ["macro", "weighted"]:
            assert M.roc_auc_score(t, P, multi_class=multi, average=average) == pytest.approx(
                skm.roc_auc_score(t, P, multi_class=multi, average=average), abs=1e-12)
    assert M.roc_auc_score(t, P, multi_class="ovr", sample_weight=w) == pytest.approx(
        skm.roc_auc_score(t, P, multi_class="ovr", sample_weight=w), abs=1e-12)
    with pytest.raises(ValidationError, match="multi_class"):
        M.roc_auc_score(t, P)


def test_roc_auc_labels_and_undefined_classes_as_sklearn(labels):
    t, _, w, P = labels
    # A binary y_true ignores labels= (the larger label is positive): [1, 0] flipped the AUC.
    tb = (t > 1).astype(int)
    s = np.random.default_rng(4).random(t.size) + 0.2 * tb
    assert M.roc_auc_score(tb, s, labels=[1, 0]) == pytest.approx(
        skm.roc_auc_score(tb, s, labels=[1, 0]), abs=1e-12)
    # ovr averages None and micro; ovo over the pairs of classes present in y_true.
    for average in [None, "micro"]:
        np.testing.assert_allclose(
            M.roc_auc_score(t, P, multi_class="ovr", average=average, sample_weight=w),
            skm.roc_auc_score(t, P, multi_class="ovr", average=average, sample_weight=w), **TOL)
    t3, P5 = t[t < 3], np.random.default_rng(5).dirichlet(np.ones(5), int((t < 3).sum()))
    for average in ["macro", "weighted"]:
        assert M.roc_auc_score(t3, P5, multi_class="ovo", average=average,
                               labels=[0, 1, 2, 3, 4]) == pytest.approx(
            skm.roc_auc_score(t3, P5, multi_class="ovo", average=average,
                              labels=[0, 1, 2, 3, 4]), abs=1e-12)
    # A class without samples is undefined: nan with a warning (ovr, and binary y_true).
    with pytest.warns(M.UndefinedMetricWarning, match="one class"):
        assert np.isnan(M.roc_auc_score(t3, P5, multi_class="ovr", labels=[0, 1, 2, 3, 4]))
    with pytest.warns(M.UndefinedMetricWarning, match="one class"):
        assert np.isnan(M.roc_auc_score(np.ones(5), np.arange(5.0)))
    # labels must be sorted and cover y_true (a silent wrong score before).
    with pytest.raises(ValidationError, match="labels"):
        M.roc_auc_score(t, P, multi_class="ovr", labels=[3, 2, 1, 0])
    with pytest.raises(ValidationError, match="y_true"):
        M.roc_auc_score(np.r_[t[:-1], 4], P, multi_class="ovr", labels=[0, 1, 2, 3])


def test_log_loss_clips_with_the_input_dtype_eps():
    proba = np.array([[1.0, 0.0], [0.3, 0.7], [1e-9, 1 - 1e-9]], np.float32)
    ours = M.log_loss([1, 1, 0], proba, labels=[0, 1])
    assert ours == pytest.approx(skm.log_loss([1, 1, 0], proba, labels=[0, 1]), rel=1e-6)
    assert ours < 11.0  # float64's eps clipped -log(2.2e-16) = 36 for the first row


def test_r2_constant_targets_and_single_sample():
    y = np.array([[1.0, 2.0], [1.0, 2.0], [1.0, 2.0]])
    yp = np.array([[1.0, 2.0], [1.0, 2.5], [1.0, 2.0]])
    for force_finite in [True, False]:
        np.testing.assert_allclose(
            M.r2_score(y, yp, multioutput="variance_weighted", force_finite=force_finite),
            skm.r2_score(y, yp, multioutput="variance_weighted", force_finite=force_finite))
    assert M.r2_score(y, yp, multioutput="variance_weighted") == 0.5
    with pytest.warns(M.UndefinedMetricWarning, match="two samples"):
        assert np.isnan(M.r2_score([1.0], [2.0]))


@pytest.mark.parametrize("metric", ["mean_squared_error", "mean_absolute_error", "r2_score",
                                    "root_mean_squared_error"])
def test_regression_metrics(metric):
    rng = np.random.default_rng(1)
    y = rng.normal(size=(100, 3))
    yp = y + rng.normal(size=(100, 3))
    w = rng.random(100)
    options = ["raw_values", "uniform_average", [0.2, 0.3, 0.5]]
    if metric == "r2_score":
        options.append("variance_weighted")
    for multioutput in options:
        for sw in [None, w]:
            np.testing.assert_allclose(
                getattr(M, metric)(y, yp, multioutput=multioutput, sample_weight=sw),
                getattr(skm, metric)(y, yp, multioutput=multioutput, sample_weight=sw), **TOL)
    np.testing.assert_allclose(getattr(M, metric)(y[:, 0], yp[:, 0]),
                               getattr(skm, metric)(y[:, 0], yp[:, 0]), **TOL)
    assert M.r2_score([1, 1, 1], [1, 1, 2]) == skm.r2_score([1, 1, 1], [1, 1, 2])
    with pytest.raises(ShapeError, match="y_pred"):
        getattr(M, metric)(y, yp[:, :2])


def test_metrics_accept_tensors(labels):
    t, p, _, _ = labels
    assert M.accuracy_score(nm.asarray(t), nm.asarray(p)) == pytest.approx(
        skm.accuracy_score(t, p), abs=1e-12)
    y = np.linspace(0, 1, 20)
    assert M.mean_squared_error(nm.asarray(y), nm.asarray(y ** 2)) == pytest.approx(
        skm.mean_squared_error(y, y ** 2), abs=1e-15)


# -- a review against scikit-learn: each test below failed before its fix -------------------

def _caught(f, *args, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = f(*args, **kwargs)
    return out, [str(w.message) for w in caught]


def test_weighted_support_is_summed_as_sklearn(labels):
    # Supports are bincounts in sample order (as scikit-learn's), not row sums of the
    # confusion matrix: the weighted report prints them to the last digit.
    t, p, w, _ = labels
    assert M.classification_report(t, p, sample_weight=w) == \
        skm.classification_report(t, p, sample_weight=w)
    np.testing.assert_array_equal(M.precision_recall_fscore_support(t, p, sample_weight=w)[3],
                                  skm.precision_recall_fscore_support(t, p, sample_weight=w)[3])


def test_labels_of_the_other_kind_count_as_absent(labels):
    t, p, _, _ = labels
    for average in (None, "macro", "micro"):
        for zero_division in (0.0, 1.0):
            ours = M.precision_recall_fscore_support(t, p, labels=["a", "c"], average=average,
                                                     zero_division=zero_division)
            ref = skm.precision_recall_fscore_support(t, p, labels=["a", "c"], average=average,
                                                      zero_division=zero_division)
            for a, b in zip(ours, ref, strict=True):
                np.testing.assert_array_equal(a, b)


def test_warnings_match_sklearn():
    t, p = np.array([0, 0, 1, 1]), np.array([0, 0, 0, 0])
    for average in ("binary", "macro", "micro", None):
        for f in ("precision_recall_fscore_support", "f1_score", "precision_score"):
            kw = {"average": average, "labels": [0, 1, 2]} if average != "binary" else {}
            ours = _caught(getattr(M, f), t, p, **kw)[1]
            ref = _caught(getattr(skm, f), t, p, **kw)[1]
            assert ours == ref
    assert _caught(M.f1_score, t, p, average="macro", pos_label=0)[1] == \
        _caught(skm.f1_score, t, p, average="macro", pos_label=0)[1]
    assert _caught(M.confusion_matrix, t, p, labels=[0])[1] == \
        _caught(skm.confusion_matrix, t, p, labels=[0])[1]


@pytest.mark.parametrize(("y_true", "y_pred", "message"), [
    ([], [], "y_true: expected at least 1 sample"),
    ([0.5, 1.0, 2.0], [0.5, 1.0, 2.0], "y_true: expected class labels .*not continuous"),
    ([0.0, 1.0, np.nan], [0, 1, 1], "y_true: expected finite class labels"),
    (np.array(["a", 1, "b"], dtype=object), np.array(["a", 1, "a"], dtype=object),
     "y_true: expected labels of one kind"),
])
def test_invalid_class_targets_raise_as_sklearn(y_true, y_pred, message):
    for f in ("accuracy_score", "confusion_matrix", "f1_score", "classification_report"):
        kw = {"average": "macro"} if f == "f1_score" else {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises((ValueError, TypeError)):
                getattr(skm, f)(y_true, y_pred, **kw)
        with pytest.raises((ShapeError, ValidationError), match=message):
            getattr(M, f)(y_true, y_pred, **kw)


def test_confusion_matrix_boolean_weights_count_as_integers():
    t, p, w = [0, 1, 1, 0], [0, 1, 0, 0], [True, False, True, True]
    ours, ref = M.confusion_matrix(t, p, sample_weight=w), skm.confusion_matrix(t, p,
                                                                               sample_weight=w)
    assert ours.dtype == ref.dtype == np.int64
    np.testing.assert_array_equal(ours, ref)


def test_log_loss_unsorted_labels_warn_and_unknown_labels_are_named():
    t, P = [0, 1, 1, 0], [[0.8, 0.2], [0.3, 0.7], [0.4, 0.6], [0.9, 0.1]]
    ours, caught = _caught(M.log_loss, t, P, labels=[1, 0])
    ref, ref_caught = _caught(skm.log_loss, t, P, labels=[1, 0])
    assert ours == pytest.approx(ref, rel=1e-12) and len(caught) == len(ref_caught) == 1
    with pytest.raises(ValidationError, match=r"y_true: expected labels among .*got \[2\]"):
        M.log_loss([0, 1, 2, 0], P, labels=[0, 1])


def test_roc_curve_drops_zero_weights_and_warns_as_sklearn():
    rng = np.random.default_rng(2)
    y, s, w = rng.integers(0, 2, 40), rng.random(40), rng.integers(0, 3, 40)
    for drop in (True, False):
        for a, b in zip(M.roc_curve(y, s, sample_weight=w, drop_intermediate=drop),
                        skm.roc_curve(y, s, sample_weight=w, drop_intermediate=drop),
                        strict=True):
            np.testing.assert_allclose(a, b, **TOL)
    assert M.roc_auc_score(y, s, sample_weight=w) == pytest.approx(
        skm.roc_auc_score(y, s, sample_weight=w), rel=1e-12)
    for y_one in (np.zeros(5, int), np.ones(5, int)):
        ours, caught = _caught(M.roc_curve, y_one, s[:5])
        ref, ref_caught = _caught(skm.roc_curve, y_one, s[:5])
        assert caught == ref_caught and len(caught) == 1
        for a, b in zip(ours, ref, strict=True):
            np.testing.assert_array_equal(a, b)
    with pytest.raises(ValidationError, match="y_score: expected finite scores"):
        M.roc_curve([1, 0, 0], [np.inf, 0.2, 0.3])


@pytest.mark.parametrize("metric", ["mean_squared_error", "root_mean_squared_error",
                                    "mean_absolute_error", "r2_score"])
@pytest.mark.parametrize(("y_true", "y_pred", "error", "message"), [
    ([], [], ShapeError, "y_true: expected at least 1 sample"),
    ([1.0, 2.0, np.nan], [1, 2, 3], ValidationError, "y_true: expected finite values"),
    ([1, 2, 3], [1, 2, np.inf], ValidationError, "y_pred: expected finite values"),
    (np.zeros((3, 2, 2)), np.zeros((3, 2, 2)), ShapeError, "y_true: expected a 1-D or 2-D"),
])
def test_invalid_regression_targets_raise_as_sklearn(metric, y_true, y_pred, error, message):
    with pytest.raises(ValueError):
        getattr(skm, metric)(y_true, y_pred)
    with pytest.raises(error, match=message):
        getattr(M, metric)(y_true, y_pred)


def test_roc_curve_refuses_empty_and_continuous_targets_as_scikit_learn():
    for y_true, y_score in (([], []), ([0.5, 1.5, 0.25], [0.1, 0.4, 0.3])):
        with pytest.raises(ValueError):
            skm.roc_curve(y_true, y_score)
        with pytest.raises((ShapeError, ValidationError), match="y_true"):
            M.roc_curve(y_true, y_score)
    for args in (([0, 1, 1, 0], [0.1, 0.8, 0.4, 0.3]), ([[0], [1], [1]], [0.2, 0.7, 0.9])):
        for mine, theirs in zip(M.roc_curve(*args), skm.roc_curve(*args),
                                strict=True):
            np.testing.assert_allclose(mine, theirs)
