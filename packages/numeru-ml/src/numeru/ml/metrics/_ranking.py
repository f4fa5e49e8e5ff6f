"""ROC AUC as scikit-learn computes it: binary (with optional ``max_fpr`` and McClish's
correction), and multi-class one-vs-rest or one-vs-one (Hand & Till) with macro or
prevalence-weighted averages. Also ``roc_curve``, the trapezoidal ``auc``,
``precision_recall_curve`` and ``average_precision_score`` (binary, or multi-class one-vs-rest
with one score column per class)."""

from __future__ import annotations

import warnings

import numpy as np

from numeru.core.errors import ShapeError, ValidationError, expected
from numeru.core.estimator import to_numpy

from ._classification import UndefinedMetricWarning, _check_classes


def _host(a, dtype=None):
    a = to_numpy(a) if not isinstance(a, (list, tuple)) else np.asarray(a)
    return np.asarray(a, dtype) if dtype is not None else np.asarray(a)


def _binary_clf_curve(y_true, y_score, pos_label, sample_weight):
    if sample_weight is not None:
        # As scikit-learn: samples of weight 0 are dropped, so they add no threshold.
        keep = sample_weight != 0
        y_true, y_score, sample_weight = y_true[keep], y_score[keep], sample_weight[keep]
    positive = y_true == pos_label
    order = np.argsort(y_score, kind="mergesort")[::-1]
    y_score = y_score[order]
    positive = positive[order]
    weight = 1.0 if sample_weight is None else sample_weight[order]
    distinct = np.where(np.diff(y_score))[0]
    thresholds = np.r_[distinct, positive.size - 1]
    tps = np.cumsum(positive * weight, dtype=np.float64)[thresholds]
    if sample_weight is not None:
        fps = np.cumsum((1 - positive) * weight, dtype=np.float64)[thresholds]
    else:
        fps = 1 + thresholds - tps
    return fps, tps, y_score[thresholds]


def roc_curve(y_true, y_score, *, pos_label=None, sample_weight=None, drop_intermediate=True):
    """(fpr, tpr, thresholds) of a binary problem, as scikit-learn's ``roc_curve``."""
    t, s, w = _curve_inputs(y_true, y_score, sample_weight)
    pos_label = _pos_label(t, pos_label)
    fps, tps, thr = _binary_clf_curve(t, s, pos_label, w)
    if drop_intermediate and fps.size > 2:
        keep = np.where(np.r_[True, np.logical_or(np.diff(fps, 2), np.diff(tps, 2)), True])[0]
        fps, tps, thr = fps[keep], tps[keep], thr[keep]
    tps = np.r_[0, tps]
    fps = np.r_[0, fps]
    thr = np.r_[np.inf, thr]
    if fps[-1] <= 0:
        warnings.warn("No negative samples in y_true, false positive value should be "
                      "meaningless", UndefinedMetricWarning, stacklevel=2)
        fpr = np.full(fps.shape, np.nan)
    else:
        fpr = fps / fps[-1]
    if tps[-1] <= 0:
        warnings.warn("No positive samples in y_true, true positive value should be "
                      "meaningless", UndefinedMetricWarning, stacklevel=2)
        tpr = np.full(tps.shape, np.nan)
    else:
        tpr = tps / tps[-1]
    return fpr, tpr, thr


def auc(x, y):
    """Area under a curve by the trapezoidal rule (x monotone, either direction)."""
    x, y = _host(x, np.float64), _host(y, np.float64)
    if x.shape[0] < 2:
        raise expected("x", "at least 2 points", x.shape[0], error=ShapeError)
    direction = 1
    dx = np.diff(x)
    if np.any(dx < 0):
        if np.all(dx <= 0):
            direction = -1
        else:
            raise expected("x", "monotonic values", "neither increasing nor decreasing")
    return float(direction * np.trapezoid(y, x))


def _binary_auc(y01, score, sample_weight, max_fpr):
    if np.unique(y01).size != 2:
        # As scikit-learn: undefined with one class, reported as nan with a warning (so that a
        # cross-validation fold without positives does not abort the whole run).
        warnings.warn("Only one class is present in y_true. ROC AUC score is not defined in "
                      "that case.", UndefinedMetricWarning, stacklevel=3)
        return float("nan")
    fpr, tpr, _ = roc_curve(y01, score, pos_label=1, sample_weight=sample_weight)
    if max_fpr is None or max_fpr == 1:
        return auc(fpr, tpr)
    stop = np.searchsorted(fpr, max_fpr, "right")
    tpr = np.append(tpr[:stop], np.interp(max_fpr, [fpr[stop - 1], fpr[stop]],
                                          [tpr[stop - 1], tpr[stop]]))
    fpr = np.append(fpr[:stop], max_fpr)
    partial = auc(fpr, tpr)
    min_area = 0.5 * max_fpr ** 2
    return float(0.5 * (1 + (partial - min_area) / (max_fpr - min_area)))


def _multiclass_classes(t, s, labels):
    """The classes that y_score's columns stand for (``labels``, checked, or y_true's)."""
    if labels is None:
        classes = np.unique(t)
        if s.shape[1] != classes.size:
            raise expected("y_score", f"{classes.size} columns (one per class in y_true; pass "
                           "labels= when y_true lacks some)", f"{s.shape[1]} columns",
                           error=ShapeError)
        return classes
    given = np.asarray(labels)
    classes = np.unique(given)
    if given.ndim != 1 or classes.size != given.size:
        raise expected("labels", "unique labels", given.tolist())
    if not np.array_equal(classes, given):
        raise expected("labels", "labels in sorted order (y_score's columns follow the "
                       "sorted classes)", given.tolist())
    if s.shape[1] != classes.size:
        raise expected("y_score", f"{classes.size} columns (one per label)",
                       f"{s.shape[1]} columns", error=ShapeError)
    outside = np.setdiff1d(t, classes)
    if outside.size:
        raise expected("y_true", f"labels among labels={classes.tolist()}",
                       outside.tolist(), error=ValidationError)
    return classes


def roc_auc_score(y_true, y_score, *, average="macro", sample_weight=None, max_fpr=None,
                  multi_class="raise", labels=None):
    """Area under the ROC curve: binary, or multi-class with ``multi_class='ovr'|'ovo'``.

    As scikit-learn: the problem is multi-class when y_true holds more than 2 classes or
    y_score more than 2 columns; ``labels`` only matters then (a binary y_true always takes
    its larger label as the positive class); a class with no sample gives nan with an
    ``UndefinedMetricWarning``.
    """
    t = _host(y_true)
    s = _host(y_score, np.float64)
    w = None if sample_weight is None else _host(sample_weight, np.float64)
    if max_fpr is not None and not 0 < max_fpr <= 1:
        raise expected("max_fpr", "a number in (0, 1]", max_fpr)
    present = np.unique(t)
    if present.size > 2 or (s.ndim == 2 and s.shape[1] > 2):
        if s.ndim != 2:
            raise expected("y_score", "a 2-D array (n_samples, n_classes) for a multi-class "
                           "y_true", f"shape {s.shape}", error=ShapeError)
        if multi_class not in ("ovr", "ovo"):
            raise expected("multi_class", "'ovr' or 'ovo' for multi-class scores", multi_class)
        allowed = ("micro", "macro", "weighted", None) if multi_class == "ovr" else \
            ("macro", "weighted")
        if average not in allowed:
            raise expected("average", f"one of {allowed} for multi_class={multi_class!r}",
                           average)
        if max_fpr is not None and max_fpr != 1:
            raise expected("max_fpr", "None for multi-class ROC AUC", max_fpr)
        classes = _multiclass_classes(t, s, labels)
        if not np.allclose(s.sum(axis=1), 1.0):
            raise expected("y_score", "probabilities that sum to 1 over classes for "
                           "multi-class ROC AUC", "rows that do not")
        y_index = np.searchsorted(classes, t)
        if multi_class == "ovr":
            Y = (y_index[:, None] == np.arange(classes.size)[None, :]).astype(int)
            if average == "micro":
                wm = None if w is None else np.repeat(w, classes.size)
                return _binary_auc(Y.ravel(), s.ravel(), wm, None)
            scores = np.array([_binary_auc(Y[:, c], s[:, c], w, None)
                               for c in range(classes.size)])
            if average is None:
                return scores
            if average == "macro":
                return float(np.mean(scores))
            prevalence = (Y * (1.0 if w is None else w[:, None])).sum(axis=0)
            if prevalence.sum() == 0:
                return 0.0
            return float(np.average(scores, weights=prevalence))
        if w is not None:
            raise expected("sample_weight", "None for multi_class='ovo'", "weights")
        pair_scores, prevalence = [], []
        seen = np.unique(y_index)  # pairs of the classes y_true holds, as scikit-learn
        for i, a in enumerate(seen):
            for b in seen[i + 1:]:
                mask = (y_index == a) | (y_index == b)
                ab = _binary_auc((y_index[mask] == a).astype(int), s[mask, a], None, None)
                ba = _binary_auc((y_index[mask] == b).astype(int), s[mask, b], None, None)
                pair_scores.append((ab + ba) / 2.0)
                prevalence.append(mask.mean())
        if average == "macro":
            return float(np.mean(pair_scores))
        return float(np.average(pair_scores, weights=prevalence))
    if average not in (None, "macro", "weighted", "micro", "samples"):
        raise expected("average", "'macro', 'weighted' or None", average)
    if s.ndim == 2:
        s = s[:, -1]
    y01 = (t == present[-1]).astype(int) if present.size else np.zeros(t.shape, int)
    return _binary_auc(y01, s, w, max_fpr)


def _curve_inputs(y_true, y_score, sample_weight):
    """scikit-learn's checks for a binary curve: 1-D (or one-column) y_true and y_score of one
    length, at least one sample, finite scores and weights, class labels in y_true."""
    t = _host(y_true)
    s = _host(y_score)
    for name, a in (("y_true", t), ("y_score", s)):
        if a.ndim == 2 and a.shape[1] == 1:
            a = a.ravel()
        if a.ndim != 1:
            raise expected(name, "a 1-D array", f"shape {a.shape}", error=ShapeError)
        if a.shape[0] == 0:
            raise expected(name, "at least 1 sample", "an empty array", error=ShapeError)
        if name == "y_true":
            t = a
        else:
            s = np.asarray(a, np.float64)
    if s.shape[0] != t.shape[0]:
        raise expected("y_score", f"{t.shape[0]} scores (as many as y_true)", s.shape[0],
                       error=ShapeError)
    _check_classes("y_true", t)
    if not np.isfinite(s).all():
        raise expected("y_score", "finite scores", "NaN or infinity")
    w = None
    if sample_weight is not None:
        w = _host(sample_weight, np.float64)
        if w.shape != t.shape:
            raise expected("sample_weight", f"{t.shape[0]} weights (one per sample)",
                           f"shape {w.shape}", error=ShapeError)
        if not np.isfinite(w).all():
            raise expected("sample_weight", "finite weights", "NaN or infinity")
    return t, s, w


def _pos_label(t, pos_label):
    """scikit-learn's rule: a binary y_true, or a multi-class one with ``pos_label`` given;
    without ``pos_label`` the labels must be {0, 1} or {-1, 1} (or one of them) and 1 is
    positive."""
    classes = np.unique(t)
    if pos_label is None:
        if t.dtype.kind in "OUS" or classes.tolist() not in ([0, 1], [-1, 1], [0], [-1], [1]):
            raise expected("pos_label", "a label (y_true takes values "
                           f"{classes.tolist()}, not {{0, 1}} or {{-1, 1}})", None)
        return 1
    return pos_label


def precision_recall_curve(y_true, y_score, *, pos_label=None, sample_weight=None,
                           drop_intermediate=False):
    """(precision, recall, thresholds) of a binary problem, as scikit-learn's: thresholds
    increase (each distinct score, samples of weight 0 dropped), and the last point
    (precision 1, recall 0) has no threshold. Without positive samples recall is 1 everywhere
    (with a warning); precision at a threshold no sample reaches is 0."""
    t, s, w = _curve_inputs(y_true, y_score, sample_weight)
    pos_label = _pos_label(t, pos_label)
    fps, tps, thr = _binary_clf_curve(t, s, pos_label, w)
    if drop_intermediate and fps.shape[0] > 2:
        keep = np.where(np.r_[True, np.logical_or(np.diff(tps[:-1]), np.diff(tps[1:])),
                              True])[0]
        fps, tps, thr = fps[keep], tps[keep], thr[keep]
    ps = tps + fps
    precision = np.divide(tps, ps, out=np.zeros_like(tps), where=ps != 0)
    if tps[-1] == 0:
        warnings.warn("No positive class found in y_true, recall is set to one for all "
                      "thresholds.", UserWarning, stacklevel=2)
        recall = np.ones_like(tps)
    else:
        recall = tps / tps[-1]
    return np.r_[precision[::-1], 1.0], np.r_[recall[::-1], 0.0], thr[::-1]


def _average_precision(y, s, pos_label, w):
    precision, recall, _ = precision_recall_curve(y, s, pos_label=pos_label, sample_weight=w)
    return float(max(0.0, -np.sum(np.diff(recall) * precision[:-1])))


def average_precision_score(y_true, y_score, *, average="macro", pos_label=1,
                            sample_weight=None):
    """Average precision: sum over thresholds of (R_n - R_{n-1}) P_n (no interpolation).

    Binary y_true with 1-D scores, or multi-class y_true with y_score of shape
    (n_samples, n_classes) (columns in sorted class order), scored one-vs-rest and averaged
    with ``average="macro"|"weighted"|"micro"|"samples"|None`` as scikit-learn. Multilabel
    indicator targets are not supported.
    """
    if average not in ("micro", "samples", "weighted", "macro", None):
        raise expected("average", "'micro', 'samples', 'weighted', 'macro' or None", average)
    t = _host(y_true)
    if t.ndim == 2 and t.shape[1] > 1:
        raise expected("y_true", "a 1-D array of labels (multilabel indicator targets are not "
                       "supported)", f"shape {t.shape}", error=ShapeError)
    t = t.ravel() if t.ndim == 2 else t
    if t.ndim == 1 and t.shape[0]:
        _check_classes("y_true", t)
    present = np.unique(t)
    w = None if sample_weight is None else _host(sample_weight, np.float64)
    if present.size <= 2:
        if present.size == 2 and pos_label not in present.tolist():
            raise expected("pos_label", f"one of {present.tolist()}", pos_label)
        return _average_precision(t, y_score, pos_label, w)
    if pos_label != 1:
        raise expected("pos_label", "1 (fixed for multi-class y_true)", pos_label)
    s = _host(y_score, np.float64)
    if s.shape != (t.shape[0], present.size):
        raise expected("y_score", f"shape {(t.shape[0], present.size)} (n_samples, n_classes) "
                       "since y_true holds several classes", f"shape {s.shape}",
                       error=ShapeError)
    if not np.isfinite(s).all():
        raise expected("y_score", "finite scores", "NaN or infinity")
    if w is not None and w.shape != t.shape:
        raise expected("sample_weight", f"{t.shape[0]} weights (one per sample)",
                       f"shape {w.shape}", error=ShapeError)
    Y = (t[:, None] == present[None, :]).astype(np.int64)
    score_weight, average_weight = w, None
    if average == "micro":
        wm = None if w is None else np.repeat(w, present.size)
        return _average_precision(Y.ravel(), s.ravel(), 1, wm)
    if average == "weighted":
        average_weight = Y.sum(axis=0) if w is None else (Y * w[:, None]).sum(axis=0)
        if np.isclose(average_weight.sum(), 0.0):
            return 0.0
    if average == "samples":
        average_weight, score_weight = w, None
        Y, s = Y.T, s.T
    scores = np.array([_average_precision(Y[:, c], s[:, c], 1, score_weight)
                       for c in range(Y.shape[1])])
    if average is None:
        return scores
    if average_weight is not None:
        scores[average_weight == 0] = 0
    return float(np.average(scores, weights=average_weight))
