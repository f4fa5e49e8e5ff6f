"""The public linear-model names (imported lazily by ``numeru.ml``)."""

from ._coordinate import ElasticNet, Lasso, enet_path, lasso_path
from ._least_squares import LinearRegression, Ridge
from ._logistic import LogisticRegression
from ._sgd import SGDClassifier, SGDRegressor

__all__ = ["ElasticNet", "Lasso", "LinearRegression", "LogisticRegression", "Ridge",
           "SGDClassifier", "SGDRegressor", "enet_path", "lasso_path"]
