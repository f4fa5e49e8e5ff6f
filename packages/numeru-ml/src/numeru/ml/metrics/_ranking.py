"""ROC AUC as scikit-learn computes it: binary (with optional ``max_fpr`` and McClish's
correction), and multi-class one-vs-rest or one-vs-one (Hand & Till) with macro or
prevalence-weighted averages. Also ``roc_curve`` and the trapezoidal ``auc``."""

from __future__ import annotations

import numpy as np

from numeru.core.errors import ShapeError, ValidationError, expected
from numeru.core.estimator import to_numpy


def _host(a, dtype=None):
    a = to_numpy(a) if not isinstance(a, (list, tuple)) else np.asarray(a)
    return np.asarray(a, dtype) if dtype is not None else np.asarray(a)


def _binary_clf_curve(y_true, y_score, pos_label, sample_weight):
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
    t = _host(y_true)
    s = _host(y_score, np.float64)
    w = None if sample_weight is None else _host(sample_weight, np.float64)
    classes = np.unique(t)
    if pos_label is None:
        if classes.size > 2 or not (set(classes.tolist()) <= {0, 1} or
                                    set(classes.tolist()) <= {-1, 1}):
            raise expected("pos_label", "a label (y_true is not in {0, 1} or {-1, 1})", None)
        pos_label = 1
    fps, tps, thr = _binary_clf_curve(t, s, pos_label, w)
    if drop_intermediate and fps.size > 2:
        keep = np.where(np.r_[True, np.logical_or(np.diff(fps, 2), np.diff(tps, 2)), True])[0]
        fps, tps, thr = fps[keep], tps[keep], thr[keep]
    tps = np.r_[0, tps]
    fps = np.r_[0, fps]
    thr = np.r_[np.inf, thr]
    with np.errstate(invalid="ignore", divide="ignore"):
        fpr = fps / fps[-1] if fps[-1] > 0 else np.full(fps.shape, np.nan)
        tpr = tps / tps[-1] if tps[-1] > 0 else np.full(tps.shape, np.nan)
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
        raise expected("y_true", "both classes present (ROC AUC is undefined with one class)",
                       np.unique(y01).tolist(), error=ValidationError)
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


def roc_auc_score(y_true, y_score, *, average="macro", sample_weight=None, max_fpr=None,
                  multi_class="raise", labels=None):
    """Area under the ROC curve: binary, or multi-class with ``multi_class='ovr'|'ovo'``."""
    t = _host(y_true)
    s = _host(y_score, np.float64)
    w = None if sample_weight is None else _host(sample_weight, np.float64)
    if max_fpr is not None and not 0 < max_fpr <= 1:
        raise expected("max_fpr", "a number in (0, 1]", max_fpr)
    classes = np.unique(t) if labels is None else np.asarray(labels)
    if s.ndim == 2 and s.shape[1] > 2 or (s.ndim == 2 and classes.size > 2):
        if multi_class not in ("ovr", "ovo"):
            raise expected("multi_class", "'ovr' or 'ovo' for multi-class scores", multi_class)
        if average not in ("macro", "weighted"):
            raise expected("average", "'macro' or 'weighted' for multi-class ROC AUC", average)
        if max_fpr is not None and max_fpr != 1:
            raise expected("max_fpr", "None for multi-class ROC AUC", max_fpr)
        if s.shape[1] != classes.size:
            raise expected("y_score", f"{classes.size} columns (one per class)",
                           f"{s.shape[1]} columns", error=ShapeError)
        if not np.allclose(s.sum(axis=1), 1.0):
            raise expected("y_score", "probabilities that sum to 1 over classes for "
                           "multi-class ROC AUC", "rows that do not")
        y_index = np.searchsorted(classes, t)
        if multi_class == "ovr":
            scores = np.array([_binary_auc((y_index == c).astype(int), s[:, c], w, None)
                               for c in range(classes.size)])
            if average == "macro":
                return float(np.mean(scores))
            prevalence = np.array([np.sum((y_index == c) * (1.0 if w is None else w))
                                   for c in range(classes.size)])
            return float(np.average(scores, weights=prevalence))
        if w is not None:
            raise expected("sample_weight", "None for multi_class='ovo'", "weights")
        pair_scores, prevalence = [], []
        for a in range(classes.size):
            for b in range(a + 1, classes.size):
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
    if classes.size > 2:
        raise expected("y_true", "2 classes for a 1-D y_score", classes.tolist())
    y01 = (t == classes[-1]).astype(int)
    return _binary_auc(y01, s, w, max_fpr)
