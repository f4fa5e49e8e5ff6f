"""Classification metrics with scikit-learn's definitions: accuracy, confusion matrix,
precision / recall / F-beta with every average, log loss and the classification report.

Inputs may be lists, NumPy arrays or Tensors on any device; metrics are computed on the host
(they reduce to a few numbers). Multilabel indicator targets are not supported (average
"samples" therefore is not offered).
"""

from __future__ import annotations

import warnings

import numpy as np

from numeru.core.errors import ShapeError, ValidationError, expected
from numeru.core.estimator import to_numpy

AVERAGES = (None, "binary", "micro", "macro", "weighted")


class UndefinedMetricWarning(UserWarning):
    """A metric is ill-defined (a zero denominator) and was set by ``zero_division``."""


def _labels_1d(name, y):
    a = to_numpy(y) if not isinstance(y, (list, tuple)) else np.asarray(y)
    if a.ndim == 2 and a.shape[1] == 1:
        a = a.ravel()
    if a.ndim != 1:
        raise expected(name, "a 1-D array of labels", f"shape {a.shape}", error=ShapeError)
    return a


def _is_text(a):
    """True for string labels (str dtype, or an object array holding only strings)."""
    if a.dtype.kind in "US":
        return True
    return a.dtype.kind == "O" and a.size > 0 and all(isinstance(v, str) for v in a)


def _check_classes(name, a):
    """scikit-learn's target checks: at least one sample, no NaN, no continuous values and no
    mix of strings and numbers within one array."""
    if a.shape[0] == 0:
        raise expected(name, "at least 1 sample", "an empty array", error=ShapeError)
    if a.dtype.kind == "O" and not _is_text(a) and any(isinstance(v, str) for v in a):
        raise expected(name, "labels of one kind (strings or numbers)",
                       "a mix of strings and numbers")
    if a.dtype.kind in "fc":
        if not np.isfinite(a).all():
            raise expected(name, "finite class labels", "NaN or infinity")
        if np.any(a != np.round(a)):
            raise expected(name, "class labels (integers or strings), not continuous values",
                           float(a[a != np.round(a)][0]))


def _targets(y_true, y_pred, names=("y_true", "y_pred")):
    first, second = names
    t, p = _labels_1d(first, y_true), _labels_1d(second, y_pred)
    if t.shape[0] != p.shape[0]:
        raise expected(second, f"{t.shape[0]} labels (as many as {first})",
                       f"{p.shape[0]} labels", error=ShapeError)
    _check_classes(first, t)
    _check_classes(second, p)
    if _is_text(t) != _is_text(p):
        raise expected(second, f"labels of the same kind as {first} (strings or numbers)",
                       f"dtype {p.dtype} with {first} dtype {t.dtype}")
    return t, p


def _weights(sample_weight, n):
    if sample_weight is None:
        return None
    w = np.asarray(to_numpy(sample_weight), np.float64)
    if w.shape != (n,):
        raise expected("sample_weight", f"{n} weights (one per sample)", f"shape {w.shape}",
                       error=ShapeError)
    return w


def accuracy_score(y_true, y_pred, *, normalize=True, sample_weight=None):
    """Fraction (or weighted count with ``normalize=False``) of exactly right labels."""
    t, p = _targets(y_true, y_pred)
    w = _weights(sample_weight, t.shape[0])
    right = (t == p).astype(np.float64)
    if normalize:
        return float(np.average(right, weights=w))
    return float(right @ w) if w is not None else float(right.sum())


def _label_space(t, p, labels):
    present = np.unique(np.concatenate([t, p]))
    if labels is None:
        return present, False
    labels = np.asarray(labels)
    if labels.size == 0:
        raise expected("labels", "at least one label", labels.tolist())
    return labels, True


def confusion_matrix(y_true, y_pred, *, labels=None, sample_weight=None, normalize=None):
    """C[i, j] = (weighted) count of samples of true label i predicted as j."""
    if normalize not in (None, "true", "pred", "all"):
        raise expected("normalize", "None, 'true', 'pred' or 'all'", normalize)
    t, p = _targets(y_true, y_pred)
    labels, given = _label_space(t, p, labels)
    if given and not np.isin(t, labels).any():
        raise expected("labels", "at least one label present in y_true", labels.tolist())
    w = _weights(sample_weight, t.shape[0])
    w = np.ones(t.shape[0]) if w is None else w
    n = labels.size
    order = np.argsort(labels, kind="stable")
    ti = _index_in(labels, order, t)
    pi = _index_in(labels, order, p)
    keep = (ti >= 0) & (pi >= 0)
    cm = np.zeros((n, n))
    np.add.at(cm, (ti[keep], pi[keep]), w[keep])
    if sample_weight is None or np.asarray(to_numpy(sample_weight)).dtype.kind in "iub":
        cm = cm.astype(np.int64)  # integer and boolean weights count, as scikit-learn
    if normalize is not None:
        with np.errstate(all="ignore"):
            if normalize == "true":
                cm = cm / cm.sum(axis=1, keepdims=True)
            elif normalize == "pred":
                cm = cm / cm.sum(axis=0, keepdims=True)
            else:
                cm = cm / cm.sum()
        cm = np.nan_to_num(cm)
    if cm.shape == (1, 1):
        warnings.warn("A single label was found in 'y_true' and 'y_pred'. For the confusion "
                      "matrix to have the correct shape, use the 'labels' parameter to pass "
                      "all known labels.", UserWarning, stacklevel=2)
    return cm


def _index_in(labels, order, values):
    """Position of each value in ``labels`` (-1 when absent)."""
    sorted_labels = labels[order]
    pos = np.searchsorted(sorted_labels, values)
    pos = np.clip(pos, 0, sorted_labels.size - 1)
    found = sorted_labels[pos] == values
    return np.where(found, order[pos], -1)


def _zero_division_value(zero_division):
    if isinstance(zero_division, str):
        if zero_division != "warn":
            raise expected("zero_division", '"warn", 0.0, 1.0 or nan', zero_division)
        return 0.0
    if zero_division in (0, 1) or (isinstance(zero_division, float) and np.isnan(zero_division)):
        return float(zero_division)
    raise expected("zero_division", '"warn", 0.0, 1.0 or nan', zero_division)


def _divide(num, den, metric, modifier, zero_division, warn):
    value = _zero_division_value(zero_division)
    mask = den == 0
    out = num / np.where(mask, 1.0, den)
    if mask.any():
        out[mask] = value
        if zero_division == "warn" and warn:
            where = "due to" if out.size == 1 else "in labels with"
            warnings.warn(f"{metric} is ill-defined and being set to 0.0 {where} no {modifier} "
                          "samples. Use `zero_division` parameter to control this behavior.",
                          UndefinedMetricWarning, stacklevel=4)
    return out


def _class_sums(t, p, labels, w):
    """Weighted true positives, predicted and true counts for each of ``labels`` (0 for a
    label absent from both arrays, or of the other kind, string or number), summed with
    ``bincount`` in sample order as scikit-learn does, so that sums agree to the last bit."""
    present, index = np.unique(np.concatenate([t, p]), return_inverse=True)
    index = index.reshape(-1)
    ti, pi = index[:t.shape[0]], index[t.shape[0]:]
    right = ti == pi
    tp = np.bincount(ti[right], weights=None if w is None else w[right], minlength=present.size)
    pred = np.bincount(pi, weights=w, minlength=present.size)
    true = np.bincount(ti, weights=w, minlength=present.size)
    if _is_text(labels) != _is_text(present):
        pos = np.full(labels.shape[0], -1)
    else:
        pos = np.clip(np.searchsorted(present, labels), 0, present.size - 1)
        pos = np.where(present[pos] == labels, pos, -1)
    found = pos >= 0
    return tuple(np.where(found, s[np.maximum(pos, 0)], 0) for s in (tp, pred, true))


def precision_recall_fscore_support(y_true, y_pred, *, beta=1.0, labels=None, pos_label=1,
                                    average=None, sample_weight=None, zero_division="warn",
                                    warn_for=("precision", "recall", "f-score")):
    """Per-label (``average=None``) or averaged precision, recall, F-beta and support."""
    if average not in AVERAGES:
        raise expected("average", "None, 'binary', 'micro', 'macro' or 'weighted'", average)
    if beta < 0:
        raise expected("beta", "a non-negative number", beta)
    _zero_division_value(zero_division)
    t, p = _targets(y_true, y_pred)
    w = _weights(sample_weight, t.shape[0])
    present = np.unique(np.concatenate([t, p]))
    if average == "binary":
        if present.size > 2:
            raise expected("average", "a multiclass average ('micro', 'macro', 'weighted' or "
                           f"None) for {present.size} classes", "binary")
        if present.size > 0 and pos_label not in present.tolist():
            if present.size >= 2:
                raise expected("pos_label", f"one of {present.tolist()}", pos_label)
        labels = [pos_label]
    elif pos_label not in (None, 1):
        warnings.warn(f"Note that pos_label (set to {pos_label!r}) is ignored when average != "
                      f"'binary' (got {average!r}). You may use labels=[pos_label] to specify "
                      "a single positive class.", UserWarning, stacklevel=3)
    labels, _ = _label_space(t, p, labels)
    tp, pred_sum, true_sum = _class_sums(t, p, labels, w)
    if average == "micro":
        tp, pred_sum, true_sum = np.array([tp.sum()]), np.array([pred_sum.sum()]), \
            np.array([true_sum.sum()])
    tp, pred_sum = tp.astype(np.float64), pred_sum.astype(np.float64)
    precision = _divide(tp, pred_sum, "Precision", "predicted", zero_division,
                        "precision" in warn_for)
    recall = _divide(tp, true_sum.astype(np.float64), "Recall", "true", zero_division,
                     "recall" in warn_for)
    if np.isposinf(beta):
        f = recall
    elif beta == 0:
        f = precision
    else:
        b2 = beta * beta
        f = _divide((1 + b2) * tp, b2 * true_sum + pred_sum, "F-score", "true nor predicted",
                    zero_division, "f-score" in warn_for)
    if average is None:
        return precision, recall, f, true_sum
    weights = true_sum if average == "weighted" else None
    return (_nanaverage(precision, weights), _nanaverage(recall, weights),
            _nanaverage(f, weights), None)


def _nanaverage(a, weights):
    mask = np.isnan(a)
    if a.size == 0 or mask.all():
        return float("nan")
    if weights is None:
        return float(np.mean(a[~mask]))
    w = weights[~mask]
    if w.sum() == 0:
        return float(np.mean(a[~mask]))
    return float(np.average(a[~mask], weights=w))


def precision_score(y_true, y_pred, *, labels=None, pos_label=1, average="binary",
                    sample_weight=None, zero_division="warn"):
    return precision_recall_fscore_support(y_true, y_pred, labels=labels, pos_label=pos_label,
                                           average=average, sample_weight=sample_weight,
                                           zero_division=zero_division,
                                           warn_for=("precision",))[0]


def recall_score(y_true, y_pred, *, labels=None, pos_label=1, average="binary",
                 sample_weight=None, zero_division="warn"):
    return precision_recall_fscore_support(y_true, y_pred, labels=labels, pos_label=pos_label,
                                           average=average, sample_weight=sample_weight,
                                           zero_division=zero_division,
                                           warn_for=("recall",))[1]


def fbeta_score(y_true, y_pred, *, beta, labels=None, pos_label=1, average="binary",
                sample_weight=None, zero_division="warn"):
    return precision_recall_fscore_support(y_true, y_pred, beta=beta, labels=labels,
                                           pos_label=pos_label, average=average,
                                           sample_weight=sample_weight,
                                           zero_division=zero_division,
                                           warn_for=("f-score",))[2]


def f1_score(y_true, y_pred, *, labels=None, pos_label=1, average="binary", sample_weight=None,
             zero_division="warn"):
    return fbeta_score(y_true, y_pred, beta=1.0, labels=labels, pos_label=pos_label,
                       average=average, sample_weight=sample_weight,
                       zero_division=zero_division)


def log_loss(y_true, y_proba, *, normalize=True, sample_weight=None, labels=None):
    """Cross-entropy of predicted probabilities; probabilities clipped to [eps, 1 - eps]."""
    t = _labels_1d("y_true", y_true)
    raw = np.asarray(to_numpy(y_proba) if not isinstance(y_proba, (list, tuple))
                     else np.asarray(y_proba))
    # As scikit-learn, the clipping eps is the one of the given floating dtype (float32
    # probabilities are clipped at 1.2e-7, not 2.2e-16); the loss is summed in float64.
    eps = float(np.finfo(raw.dtype if raw.dtype in (np.float16, np.float32)
                         else np.float64).eps)
    P = raw.astype(np.float64)
    if P.shape[0] != t.shape[0]:
        raise expected("y_proba", f"{t.shape[0]} rows (as many as y_true)",
                       f"{P.shape[0]} rows", error=ShapeError)
    if P.size and (P.max() > 1 or P.min() < 0):
        raise expected("y_proba", "probabilities in [0, 1]",
                       float(P.max() if P.max() > 1 else P.min()))
    _check_classes("y_true", t)
    classes = np.unique(t) if labels is None else np.unique(np.asarray(labels))
    if labels is not None and not np.array_equal(classes, np.asarray(labels)):
        warnings.warn(f"Labels passed were {np.asarray(labels).tolist()}. But this function "
                      "assumes labels are ordered lexicographically. Pass the ordered "
                      f"labels={classes.tolist()} and ensure that the columns of y_prob "
                      "correspond to this ordering.", UserWarning, stacklevel=2)
    if classes.size < 2:
        raise expected("y_true" if labels is None else "labels", "at least 2 classes (pass "
                       "labels= when y_true holds only one)", classes.tolist())
    unknown = np.setdiff1d(t, classes) if _is_text(t) == _is_text(classes) else np.unique(t)
    if unknown.size:
        raise expected("y_true", f"labels among labels={classes.tolist()}", unknown.tolist())
    if P.ndim == 1:
        P = P[:, None]
    if P.shape[1] == 1:
        P = np.concatenate([1 - P, P], axis=1)
    if P.shape[1] != classes.size:
        raise expected("y_proba", f"{classes.size} columns (one per class)",
                       f"{P.shape[1]} columns", error=ShapeError)
    # scikit-learn's test: rtol sqrt(eps) with array-api-extra's default atol of 1e-8.
    if not np.allclose(P.sum(axis=1), 1.0, rtol=np.sqrt(eps), atol=1e-8):
        warnings.warn("The y_prob values do not sum to one. Make sure to pass probabilities.",
                      UserWarning, stacklevel=2)
    P = np.clip(P, eps, 1 - eps)
    Y = (t[:, None] == classes[None, :]).astype(np.float64)
    loss = -np.sum(np.where(Y > 0, Y * np.log(P), 0.0), axis=1)
    w = _weights(sample_weight, t.shape[0])
    if normalize:
        return float(np.average(loss, weights=w))
    return float(np.sum(loss * w) if w is not None else np.sum(loss))


def classification_report(y_true, y_pred, *, labels=None, target_names=None,
                          sample_weight=None, digits=2, output_dict=False,
                          zero_division="warn"):
    """Per-class precision, recall, F1 and support with micro/macro/weighted averages,
    formatted exactly as scikit-learn's report (or as a dict with ``output_dict``)."""
    t, p = _targets(y_true, y_pred)
    present = np.unique(np.concatenate([t, p]))
    given = labels is not None
    labels = present if labels is None else np.asarray(labels)
    micro_is_accuracy = not given or set(labels.tolist()) >= set(present.tolist())
    if target_names is not None and len(labels) != len(target_names):
        if given:
            warnings.warn(f"labels size, {len(labels)}, does not match size of target_names, "
                          f"{len(target_names)}", UserWarning, stacklevel=2)
        else:
            raise expected("target_names", f"{len(labels)} names (one per class)",
                           len(target_names), error=ValidationError)
    if target_names is None:
        target_names = [f"{label}" for label in labels]
    headers = ["precision", "recall", "f1-score", "support"]
    pr, rc, f1, support = precision_recall_fscore_support(
        t, p, labels=labels, average=None, sample_weight=sample_weight,
        zero_division=zero_division)
    # Like scikit-learn, a names/labels length mismatch (warned above) truncates.
    rows = list(zip(target_names, pr, rc, f1, support, strict=False))
    if output_dict:
        report = {name: dict(zip(headers, [float(v) for v in values], strict=True))
                  for name, *values in rows}
    else:
        width = max(max(len(n) for n in target_names), len("weighted avg"), digits)
        text = ("{:>{width}s} " + " {:>9}" * 4).format("", *headers, width=width) + "\n\n"
        row_fmt = "{:>{width}s} " + " {:>9.{digits}f}" * 3 + " {:>9}\n"
        for row in rows:
            text += row_fmt.format(*row, width=width, digits=digits)
        text += "\n"
    for average in ("micro", "macro", "weighted"):
        heading = "accuracy" if average == "micro" and micro_is_accuracy else average + " avg"
        ap, ar, af, _ = precision_recall_fscore_support(
            t, p, labels=labels, average=average, sample_weight=sample_weight,
            zero_division=zero_division)
        values = [ap, ar, af, np.sum(support)]
        if output_dict:
            report[heading] = dict(zip(headers, [float(v) for v in values], strict=True))
        elif heading == "accuracy":
            fmt = "{:>{width}s} " + " {:>9.{digits}}" * 2 + " {:>9.{digits}f}" + " {:>9}\n"
            text += fmt.format(heading, "", "", *values[2:], width=width, digits=digits)
        else:
            text += row_fmt.format(heading, *values, width=width, digits=digits)
    if output_dict:
        if "accuracy" in report:
            report["accuracy"] = report["accuracy"]["precision"]
        return report
    return text


def brier_score_loss(y_true, y_proba, *, sample_weight=None, pos_label=None, labels=None,
                     scale_by_half="auto"):
    """Mean squared difference between predicted probabilities and the one-hot targets.

    Binary with a 1-D y_proba (the probability of ``pos_label``), multi-class with one column
    per class (``labels`` sorted, or y_true's classes). ``scale_by_half="auto"`` halves the
    score for two classes, so that the binary score is scikit-learn's classic one. As
    scikit-learn 1.9: probabilities outside [0, 1] are refused; a 1-D y_proba needs a binary
    y_true; without ``pos_label`` the positive class is 1 for {0, 1} or {-1, 1} targets,
    otherwise the larger label (string targets need ``pos_label``).
    """
    if not (isinstance(scale_by_half, (bool, np.bool_)) or scale_by_half == "auto"):
        raise expected("scale_by_half", "True, False or 'auto'", scale_by_half)
    P = np.asarray(to_numpy(y_proba) if not isinstance(y_proba, (list, tuple))
                   else np.asarray(y_proba), np.float64)
    if P.ndim not in (1, 2):
        raise expected("y_proba", "a 1-D or 2-D array", f"shape {P.shape}", error=ShapeError)
    if P.shape[0] == 0:
        raise expected("y_proba", "at least 1 sample", "an empty array", error=ShapeError)
    if not np.isfinite(P).all():
        raise expected("y_proba", "finite probabilities", "NaN or infinity")
    t = _labels_1d("y_true", y_true)
    _check_classes("y_true", t)
    if P.shape[0] != t.shape[0]:
        raise expected("y_proba", f"{t.shape[0]} rows (as many as y_true)",
                       f"{P.shape[0]} rows", error=ShapeError)
    w = _weights(sample_weight, t.shape[0])
    if P.max() > 1:
        raise expected("y_proba", "probabilities in [0, 1]", float(P.max()))
    if P.min() < 0:
        raise expected("y_proba", "probabilities in [0, 1]", float(P.min()))
    if P.ndim == 1 or P.shape[1] == 1:
        P = P.ravel()
        classes = np.unique(t)
        if classes.size > 2:
            raise expected("y_true", "binary labels (y_proba has one column; pass one column "
                           "per class for multi-class targets)", f"{classes.size} classes")
        if pos_label is None:
            if classes.tolist() not in ([0, 1], [-1, 1], [0], [-1], [1]):
                if t.dtype.kind in "OUS":
                    raise expected("pos_label", "a label (y_true is not in {0, 1} or {-1, 1})",
                                   None)
                pos_label = classes[-1]
            else:
                pos_label = 1
        y = (t == pos_label).astype(np.float64)
        Y = np.stack([1 - y, y], axis=1)
        P = np.stack([1 - P, P], axis=1)
    else:
        if labels is not None:
            given = np.asarray(labels)
            classes = np.unique(given)
            if not np.array_equal(classes, given):
                warnings.warn(f"Labels passed were {labels}. But this function assumes labels "
                              "are ordered lexicographically. Pass the ordered "
                              f"labels={classes.tolist()} and ensure that the columns of "
                              "y_prob correspond to this ordering.", UserWarning, stacklevel=2)
            outside = np.setdiff1d(t, classes) if _is_text(t) == _is_text(classes) \
                else np.unique(t)
            if outside.size:
                raise expected("y_true", f"labels among labels={classes.tolist()}",
                               outside.tolist())
        else:
            classes = np.unique(t)
        if classes.size == 1:
            raise expected("y_true" if labels is None else "labels", "at least 2 classes (pass "
                           "labels= when y_true holds only one)", classes.tolist())
        eps = np.finfo(np.float64).eps
        if not np.allclose(P.sum(axis=1), 1.0, rtol=np.sqrt(eps), atol=1e-8):
            warnings.warn("The y_prob values do not sum to one. Make sure to pass "
                          "probabilities.", UserWarning, stacklevel=2)
        if classes.size != P.shape[1]:
            raise expected("y_proba", f"{classes.size} columns (one per class; pass labels= "
                           "when y_true lacks some)", f"{P.shape[1]} columns", error=ShapeError)
        Y = (t[:, None] == classes[None, :]).astype(np.float64)
    score = np.average(((Y - P) ** 2).sum(axis=1), weights=w)
    if scale_by_half == "auto":
        scale_by_half = P.shape[1] < 3
    return float(score * 0.5 if scale_by_half else score)
