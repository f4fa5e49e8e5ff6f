"""numeru.ml: see README.md."""

from ._version import __version__

__all__ = ["__version__"]

# Linear models, optimizers, data and training (numeru.ml.optim, .data, .train are subpackages).
# Loaded on first use so that ``import numeru.ml`` stays cheap (the solvers import Numba).
_LINEAR = {"ElasticNet", "Lasso", "LinearRegression", "LogisticRegression", "Ridge",
           "SGDClassifier", "SGDRegressor", "enet_path", "lasso_path"}

# SVM, neighbours, naive Bayes and pipelines, also loaded on first use (name -> submodule).
_CLASSIC = {
    **dict.fromkeys(["SVC", "SVR", "LinearSVC", "LinearSVR"], "svm"),
    **dict.fromkeys(["NearestNeighbors", "KNeighborsClassifier", "KNeighborsRegressor",
                     "RadiusNeighborsClassifier", "RadiusNeighborsRegressor"], "neighbors"),
    **dict.fromkeys(["GaussianNB", "MultinomialNB", "BernoulliNB", "ComplementNB",
                     "CategoricalNB"], "naive_bayes"),
    **dict.fromkeys(["Pipeline", "make_pipeline"], "pipeline"),
    **dict.fromkeys(["GridSearchCV", "RandomizedSearchCV", "cross_val_predict",
                     "cross_val_score", "cross_validate"], "data"),
}


def __getattr__(name: str):
    if name in _LINEAR:
        from ._linear import api

        return getattr(api, name)
    if name in _CLASSIC:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_CLASSIC[name]}"), name)
    raise AttributeError(f"module 'numeru.ml' has no attribute {name!r}")


__all__ += sorted(_LINEAR) + sorted(_CLASSIC)
