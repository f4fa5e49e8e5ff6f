"""The exceptions numeru raises.

Each one also subclasses the built-in exception a Python user would already catch
(``ValueError``, ``TypeError``, ...), so ``except ValueError`` keeps working. Messages say which
argument was wrong, what was expected and what came.
"""

from __future__ import annotations


class NumeruError(Exception):
    """Base class of every numeru error."""


class ShapeError(NumeruError, ValueError):
    """A shape does not fit: broadcasting, reshape, matrix sizes, sample counts."""


class DTypeError(NumeruError, TypeError):
    """A dtype is not supported or does not match what the operation needs."""


class DeviceError(NumeruError, RuntimeError):
    """A device is unknown or unusable, or tensors on different devices meet in one op."""


class NotFittedError(NumeruError, AttributeError):
    """An estimator was used before ``fit``."""


class FormatError(NumeruError, ValueError):
    """A file is not a valid artifact (bad magic, bad header, bad checksum, truncated)."""


class PluginError(NumeruError, LookupError):
    """A registry look-up failed, a name was registered twice, or a plugin failed to load."""


class ValidationError(NumeruError, ValueError):
    """An argument has a value outside what the function accepts."""


class LinAlgError(NumeruError, ValueError):
    """A matrix is singular, not positive definite, or otherwise unfit for a factorization."""


class MissingDependencyError(NumeruError, ImportError):
    """An optional dependency is not installed; the message names the ``pip install``."""


class ConvergenceWarning(UserWarning):
    """An iterative solver stopped before it met its tolerance."""


def _show(value: object) -> str:
    """A short readable form of a received value for error messages."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def expected(argument: str, what: str, got: object, *, error: type[NumeruError] = ValidationError):
    """Build the standard error: ``argument``: expected ``what``, got ``got``."""
    return error(f"{argument}: expected {what}, got {_show(got)}")
