"""Metrics with scikit-learn's definitions (classification, regression, ranking)."""

from ._classification import (
    UndefinedMetricWarning,
    accuracy_score,
    brier_score_loss,
    classification_report,
    confusion_matrix,
    f1_score,
    fbeta_score,
    log_loss,
    precision_recall_fscore_support,
    precision_score,
    recall_score,
)
from ._confusion_scores import balanced_accuracy_score, cohen_kappa_score, matthews_corrcoef
from ._ranking import (
    auc,
    average_precision_score,
    precision_recall_curve,
    roc_auc_score,
    roc_curve,
)
from ._regression import (
    d2_absolute_error_score,
    d2_pinball_score,
    explained_variance_score,
    max_error,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_pinball_loss,
    mean_squared_error,
    mean_squared_log_error,
    median_absolute_error,
    r2_score,
    root_mean_squared_error,
    root_mean_squared_log_error,
)

__all__ = ["UndefinedMetricWarning", "accuracy_score", "auc", "average_precision_score",
           "balanced_accuracy_score", "brier_score_loss", "classification_report",
           "cohen_kappa_score", "confusion_matrix", "d2_absolute_error_score",
           "d2_pinball_score", "explained_variance_score", "f1_score", "fbeta_score",
           "log_loss", "matthews_corrcoef", "max_error", "mean_absolute_error",
           "mean_absolute_percentage_error", "mean_pinball_loss", "mean_squared_error",
           "mean_squared_log_error", "median_absolute_error", "precision_recall_curve",
           "precision_recall_fscore_support", "precision_score", "r2_score", "recall_score",
           "roc_auc_score", "roc_curve", "root_mean_squared_error",
           "root_mean_squared_log_error"]
