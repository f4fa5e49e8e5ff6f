"""Support vector machines: libsvm-quality SMO (``SVC``, ``SVR``) and liblinear's dual
coordinate descent (``LinearSVC``, ``LinearSVR``)."""

from ._classes import SVC, SVR
from ._linear import LinearSVC, LinearSVR

__all__ = ["SVC", "SVR", "LinearSVC", "LinearSVR"]
