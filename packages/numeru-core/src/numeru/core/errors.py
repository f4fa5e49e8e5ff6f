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


class SerializationError(NumeruError, TypeError):
    """An object numeru refuses to serialize: numeru never pickles (``nm.save`` writes .nmr)."""


class IndexOutOfRangeError(ShapeError, IndexError):
    """An index past the end of an axis: a ``ShapeError`` that ``except IndexError`` catches."""


class ValidationError(NumeruError, ValueError):
    """An argument has a value outside what the function accepts."""


class OutOfBoundsError(ValidationError, OverflowError):
    """A Python integer outside the range of the dtype it is converted to or meets in an op
    (``uint8_tensor + 300``, ``asarray(300, dtype=int8)``): NumPy 2 raises ``OverflowError``
    there, so this is one too (and a ``ValueError``, as every ``ValidationError``)."""


class LinAlgError(NumeruError, ValueError):
    """A matrix is singular, not positive definite, or otherwise unfit for a factorization.

    The constructors below give the messages every backend's linalg kernels raise (CPU and GPU
    alike): they name the matrix of a stack (``batch_index``) and the zero pivot (``pivot``)
    or the failing leading minor (``minor``), which are also kept as attributes.
    """

    batch_index: tuple[int, ...] = ()
    pivot: int | None = None
    minor: int | None = None

    @classmethod
    def singular(cls, func: str, batch_shape: tuple[int, ...], flat: int, pivot: int,
                 name: str = "a") -> LinAlgError:
        """Matrix ``flat`` of a stack of ``batch_shape`` has an exactly zero LU pivot."""
        where, index = _matrix_at(name, batch_shape, flat)
        error = cls(f"{func}: {where} is singular: the pivot U[{pivot}, {pivot}] of its LU "
                    f"factorization is exactly zero (batch index {index}, zero pivot index "
                    f"{pivot})")
        error.batch_index, error.pivot = index, pivot
        return error

    @classmethod
    def singular_triangular(cls, func: str, batch_shape: tuple[int, ...], flat: int,
                            pivot: int, name: str = "a") -> LinAlgError:
        """A triangular matrix of the stack has an exactly zero diagonal element."""
        where, index = _matrix_at(name, batch_shape, flat)
        error = cls(f"{func}: {where} is singular: its diagonal element [{pivot}, {pivot}] is "
                    f"exactly zero (batch index {index}, zero pivot index {pivot})")
        error.batch_index, error.pivot = index, pivot
        return error

    @classmethod
    def not_positive_definite(cls, func: str, batch_shape: tuple[int, ...], flat: int,
                              order: int, name: str = "a") -> LinAlgError:
        """A Cholesky factorization failed at the leading minor of ``order``."""
        where, index = _matrix_at(name, batch_shape, flat)
        error = cls(f"{func}: {where} is not positive definite: its leading minor of order "
                    f"{order} is not positive (batch index {index})")
        error.batch_index, error.minor = index, order
        return error


def _matrix_at(name: str, batch_shape: tuple[int, ...], flat: int) -> tuple[str, tuple[int, ...]]:
    """(``"a[1, 0]"``-style name, multi-index) of the ``flat``-th matrix of a stack."""
    index = []
    for size in reversed(batch_shape):
        flat, position = divmod(flat, size)
        index.append(int(position))
    index_tuple = tuple(reversed(index))
    if not batch_shape:
        return name, ()
    return f"{name}[{', '.join(map(str, index_tuple))}]", index_tuple


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
