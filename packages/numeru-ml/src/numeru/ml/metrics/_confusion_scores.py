"""Scores computed from the confusion matrix, with scikit-learn's definitions: balanced
accuracy, Matthews' correlation coefficient and Cohen's kappa (unweighted, linear or
quadratic). Targets are validated as in ``_classification`` (the same checks and errors)."""

from __future__ import annotations

import warnings

import numpy as np

from numeru.core.errors import expected

from ._classification import UndefinedMetricWarning, _targets, confusion_matrix


def balanced_accuracy_score(y_true, y_pred, *, sample_weight=None, adjusted=False):
    """Mean of the per-class recalls; ``adjusted`` rescales so that chance scores 0.

    As scikit-learn: a class predicted but absent from y_true is left out of the mean with a
    ``UserWarning``, and ``adjusted`` with a single class left gives -inf (a division by 0).
    """
    C = confusion_matrix(y_true, y_pred, sample_weight=sample_weight)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_class = np.diag(C) / C.sum(axis=1)
    if np.isnan(per_class).any():
        warnings.warn("y_pred contains classes not in y_true", UserWarning, stacklevel=2)
        per_class = per_class[~np.isnan(per_class)]
    score = np.mean(per_class)
    if adjusted:
        chance = 1 / per_class.shape[0]
        score -= chance
        score /= 1 - chance
    return float(score)


def matthews_corrcoef(y_true, y_pred, *, sample_weight=None):
    """Matthews' correlation coefficient (its multi-class form, Gorodkin's R_K); 0.0 when the
    denominator is 0 (a single class in y_true or in y_pred), as scikit-learn."""
    C = confusion_matrix(y_true, y_pred, sample_weight=sample_weight)
    t_sum = C.sum(axis=1, dtype=np.float64)
    p_sum = C.sum(axis=0, dtype=np.float64)
    n_correct = np.trace(C, dtype=np.float64)
    n_samples = p_sum.sum()
    cov_ytyp = n_correct * n_samples - np.dot(t_sum, p_sum)
    cov_ypyp = n_samples ** 2 - np.dot(p_sum, p_sum)
    cov_ytyt = n_samples ** 2 - np.dot(t_sum, t_sum)
    if cov_ypyp * cov_ytyt == 0:
        return 0.0
    return float(cov_ytyp / np.sqrt(cov_ypyp * cov_ytyt))


def cohen_kappa_score(y1, y2, *, labels=None, weights=None, sample_weight=None,
                      replace_undefined_by=np.nan):
    """Cohen's kappa between two annotators; ``weights=None|"linear"|"quadratic"``.

    Undefined cases (no sample labelled with ``labels``, or a single label in common) return
    ``replace_undefined_by`` with an ``UndefinedMetricWarning``, as scikit-learn.
    """
    if weights not in (None, "linear", "quadratic"):
        raise expected("weights", "None, 'linear' or 'quadratic'", weights)
    undefined = float(replace_undefined_by)
    if not (np.isnan(undefined) or -1 <= undefined <= 1):
        raise expected("replace_undefined_by", "a number in [-1, 1] or nan", replace_undefined_by)
    t, p = _targets(y1, y2, names=("y1", "y2"))
    if labels is not None:
        given = np.asarray(labels)
        if given.size and not np.isin(t, given).any():
            raise expected("labels", "at least one label present in y1", given.tolist())
    confusion = confusion_matrix(t, p, labels=labels, sample_weight=sample_weight)
    confusion = confusion.astype(np.float64)
    n_classes = confusion.shape[0]
    sum0 = confusion.sum(axis=0)
    sum1 = confusion.sum(axis=1)
    total = sum0.sum()
    if total == 0:
        warnings.warn("`y2` contains no labels that are present in both `y1` and `labels`."
                      "`cohen_kappa_score` is undefined and set to the value defined by the "
                      f"`replace_undefined_by` param, which is set to {replace_undefined_by}.",
                      UndefinedMetricWarning, stacklevel=2)
        return undefined
    chance = np.outer(sum0, sum1) / total
    if weights is None:
        w_mat = 1.0 - np.eye(n_classes)
    else:
        grid = np.zeros((n_classes, n_classes)) + np.arange(n_classes)
        w_mat = np.abs(grid - grid.T) if weights == "linear" else (grid - grid.T) ** 2
    denominator = np.sum(w_mat * chance)
    if denominator == 0:
        warnings.warn("`y1`, `y2` and `labels` have only one label in common. "
                      "`cohen_kappa_score` is undefined and set to the value defined by the the "
                      f"`replace_undefined_by` param, which is set to {replace_undefined_by}.",
                      UndefinedMetricWarning, stacklevel=2)
        return undefined
    return float(1 - np.sum(w_mat * confusion) / denominator)
