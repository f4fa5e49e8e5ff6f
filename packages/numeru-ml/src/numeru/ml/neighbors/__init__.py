"""Nearest neighbours: brute force as blocked GEMM (any backend) and a Numba KD-tree."""

from ._classes import (
    KNeighborsClassifier,
    KNeighborsRegressor,
    NearestNeighbors,
    RadiusNeighborsClassifier,
    RadiusNeighborsRegressor,
)

__all__ = ["KNeighborsClassifier", "KNeighborsRegressor", "NearestNeighbors",
           "RadiusNeighborsClassifier", "RadiusNeighborsRegressor"]
