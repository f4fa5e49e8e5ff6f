"""Metrics with scikit-learn's definitions (classification, regression, ranking)."""

from ._classification import (
    UndefinedMetricWarning,
    accuracy_score,
    classification_report,
    confusion_matrix,
    f1_score,
    fbeta_score,
    log_loss,
    precision_recall_fscore_support,
    precision_score,
    recall_score,
)
from ._ranking import auc, roc_auc_score, roc_curve
from ._regression import mean_absolute_error, mean_squared_error, r2_score, root_mean_squared_error

__all__ = ["UndefinedMetricWarning", "accuracy_score", "auc", "classification_report",
           "confusion_matrix", "f1_score", "fbeta_score", "log_loss", "mean_absolute_error",
           "mean_squared_error", "precision_recall_fscore_support", "precision_score",
           "r2_score", "recall_score", "roc_auc_score", "roc_curve", "root_mean_squared_error"]
