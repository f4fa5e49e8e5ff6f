"""Input validation shared by every numeru estimator.

Each ``fit`` starts with one ``validate_data`` call, each ``predict`` with another
(``reset=False``). Inputs may be NumPy arrays, nested lists or numeru Tensors on any device;
the helpers hand back backend arrays (NumPy on the CPU, CuPy on CUDA) so that model code asks
``get_namespace`` for ``xp`` and never names NumPy. Errors come from ``numeru.core.errors``
and name the argument, what was expected and what came.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .devices import CPU, Device
from .errors import DeviceError, DTypeError, NotFittedError, ShapeError, ValidationError
from .errors import expected as _expected_value
from .tensor import Tensor

# The device a fitted estimator records (a string, so that it is JSON-safe in .nmr files).
FIT_DEVICE = "fit_device_"


def expected(argument: str, what: str, got: object, *,
             error: type[Exception] = ValidationError) -> Exception:
    """``errors.expected`` where ``got`` may be a description (a str, shown without quotes)."""
    if isinstance(got, str):
        return error(f"{argument}: expected {what}, got {got}")
    return _expected_value(argument, what, got, error=error)  # type: ignore[arg-type]


# -- namespaces and devices ----------------------------------------------------------------------
def get_namespace(array: Any) -> Any:
    """The Array API namespace ``xp`` of a Tensor or backend array (NumPy for host data)."""
    if isinstance(array, Tensor):
        return array.device.backend.xp
    if isinstance(array, np.ndarray) or np.isscalar(array) or isinstance(array, (list, tuple)):
        return np
    namespace = getattr(array, "__array_namespace__", None)
    if namespace is not None:
        return namespace()
    return np


def _device_of(obj: Any) -> Device:
    return obj.device if isinstance(obj, Tensor) else CPU


def _is_sparse(obj: Any) -> bool:
    return hasattr(obj, "tocsr") and hasattr(obj, "nnz") and hasattr(obj, "format")


def _to_backend(argument: str, obj: Any) -> Any:
    """A backend array from user input; lists and scalars become NumPy arrays."""
    if isinstance(obj, Tensor):
        return obj.data
    if obj is None:
        raise expected(argument, "an array-like (NumPy array, list or Tensor)", obj)
    if isinstance(obj, np.ndarray):
        array = obj
    elif isinstance(obj, (str, bytes, dict, set)):
        raise expected(argument, "an array-like (NumPy array, list or Tensor)",
                       type(obj).__name__, error=DTypeError)
    else:
        try:
            array = np.asarray(obj)
        except (ValueError, TypeError) as exc:  # ragged nested lists
            raise expected(argument, "a rectangular array-like (equal-length rows)",
                           f"{type(obj).__name__} that NumPy cannot convert ({exc})",
                           error=ShapeError) from None
    if array.dtype.byteorder == ">":
        array = array.astype(array.dtype.newbyteorder("="))
    return array


def _dtype_of(array: Any) -> np.dtype:
    """The numeru (NumPy) dtype of a backend array, also for namespaces with their own dtypes."""
    found = array.dtype
    if isinstance(found, np.dtype):
        return found
    return _device_of_backend(array).backend.dtype_of(array)


def _cast(xp: Any, array: Any, dtype: np.dtype) -> Any:
    """``array`` as ``dtype`` in its own namespace (``xp.astype`` with the native dtype)."""
    if isinstance(array, np.ndarray):
        return array.astype(dtype, copy=False)
    return xp.astype(array, _device_of_backend(array).backend.native_dtype(dtype))


def _check_numeric(argument: str, array: Any) -> None:
    dt = _dtype_of(array)
    if dt.kind == "c":
        raise expected(argument, "real numeric data (complex values are not supported)",
                       f"dtype {dt}", error=DTypeError)
    if dt.kind not in "biuf" and dt.name != "bfloat16":
        raise expected(argument, "numeric data (bool, integer or floating)",
                       f"dtype {dt}", error=DTypeError)


def _as_float(xp: Any, array: Any) -> Any:
    """float32 and float64 stay as they are; every other numeric dtype becomes float64."""
    if _dtype_of(array) in (np.dtype(np.float32), np.dtype(np.float64)):
        return array
    return _cast(xp, array, np.dtype(np.float64))


def _check_finite(argument: str, xp: Any, array: Any, allow_nan: bool) -> None:
    if _dtype_of(array).kind != "f" and _dtype_of(array).name != "bfloat16":
        return  # integers and bools cannot hold NaN or infinity
    if bool(xp.all(xp.isfinite(array))):
        return
    has_inf = bool(xp.any(xp.isinf(array)))
    if allow_nan and not has_inf:
        return
    if has_inf:
        got = "infinity" if allow_nan else "NaN or infinity"
        what = "finite values or NaN (missing values)" if allow_nan else "finite values"
        raise expected(argument, what, f"an array containing {got}")
    raise expected(argument, "finite values (this model does not accept NaN; impute missing "
                   "values first or use a model that supports them)", "an array containing NaN")


def _check_sparse(argument: str, obj: Any, accept_sparse: bool, allow_nan: bool) -> Any:
    if not accept_sparse:
        raise expected(argument, "a dense array (this model does not accept sparse input; "
                       "convert with .toarray())", type(obj).__name__)
    if obj.ndim != 2 or obj.shape[0] == 0 or obj.shape[1] == 0:
        raise expected(argument, "a non-empty 2-D sparse matrix", f"shape {obj.shape}",
                       error=ShapeError)
    _check_numeric(argument, obj.data)
    _check_finite(argument, np, obj.data, allow_nan)
    return obj


# -- X and y ----------------------------------------------------------------------------------
def check_array(obj: Any, argument: str = "X", *, allow_nan: bool = False,
                ensure_2d: bool = True, dtype: str | None = "numeric",
                accept_sparse: bool = False) -> Any:
    """Validate one array: numeric, non-empty, 2-D when asked, finite unless ``allow_nan``.

    ``dtype``: ``"numeric"`` keeps the dtype, ``"float"`` converts all but float32/float64 to
    float64, ``None`` skips the numeric check (only shape and emptiness are checked).
    """
    if _is_sparse(obj):
        return _check_sparse(argument, obj, accept_sparse, allow_nan)
    array = _to_backend(argument, obj)
    xp = get_namespace(obj)
    if dtype is not None:
        _check_numeric(argument, array)
    if ensure_2d:
        if array.ndim != 2:
            hint = " (reshape a single feature with X.reshape(-1, 1))" if array.ndim == 1 else ""
            raise expected(argument, f"a 2-D array (n_samples, n_features){hint}",
                           f"a {array.ndim}-D array of shape {tuple(array.shape)}",
                           error=ShapeError)
        if array.shape[1] == 0:
            raise expected(argument, "at least 1 feature", f"shape {tuple(array.shape)}")
    elif array.ndim == 0:
        raise expected(argument, "an array with at least 1 dimension", "a 0-D (scalar) array",
                       error=ShapeError)
    if array.shape[0] == 0:
        raise expected(argument, "at least 1 sample", f"shape {tuple(array.shape)}")
    if dtype == "float":
        array = _as_float(xp, array)
    elif dtype is not None and dtype != "numeric":
        raise _expected_value("dtype", "'numeric', 'float' or None", dtype)
    if dtype is not None:
        _check_finite(argument, xp, array, allow_nan)
    return array


def _check_target(obj: Any, n_samples: int, *, y_numeric: bool, multi_output: bool) -> Any:
    array = _to_backend("y", obj)
    if isinstance(array, np.ndarray) and array.dtype.kind == "O":
        # Object labels are fine for classifiers when they are all strings (or all numbers).
        try:
            array = array.astype(np.float64) if y_numeric else _labels_from_objects(array)
        except (TypeError, ValueError):
            raise expected("y", "numeric targets" if y_numeric else
                           "labels of one kind (all numbers or all strings)",
                           "an object array of mixed values", error=DTypeError) from None
    dt = _dtype_of(array)
    if dt.kind not in "biufcUS" and dt.name != "bfloat16":
        raise expected("y", "numbers, or string labels for a classifier", f"dtype {dt}",
                       error=DTypeError)
    if dt.kind == "c":
        raise expected("y", "real targets (complex values are not supported)", f"dtype {dt}",
                       error=DTypeError)
    if dt.kind in "US" and y_numeric:
        raise expected("y", "numeric targets (this is a regressor)", f"dtype {dt}",
                       error=DTypeError)
    if array.ndim == 0:
        raise expected("y", "a 1-D array of targets", "a 0-D (scalar) value", error=ShapeError)
    if array.ndim == 2 and array.shape[1] == 1 and not multi_output:
        array = array.reshape(-1)
    if array.ndim != 1 and not (multi_output and array.ndim == 2):
        what = "a 1-D array or a 2-D array (n_samples, n_outputs)" if multi_output else \
            "a 1-D array of targets (this model has one output)"
        raise expected("y", what, f"shape {tuple(array.shape)}", error=ShapeError)
    if array.shape[0] != n_samples:
        raise expected("y", f"{n_samples} samples (as many as X has)",
                       f"{array.shape[0]} samples", error=ShapeError)
    if dt.kind in "US":
        return array
    if y_numeric and dt.kind in "biu":
        xp = get_namespace(obj)
        array = _cast(xp, array, np.dtype(np.float64))
    _check_finite("y", get_namespace(obj), array, allow_nan=False)
    return array


def _labels_from_objects(array: np.ndarray) -> np.ndarray:
    flat = array.ravel().tolist()
    if all(isinstance(v, str) for v in flat):
        return array.astype(str)
    if all(isinstance(v, (bool, int, float, np.number)) for v in flat):
        return array.astype(np.float64)
    raise TypeError("mixed labels")


def validate_data(estimator: Any, X: Any, y: Any = None, *, reset: bool = True,
                  allow_nan: bool = False, ensure_2d: bool = True,
                  dtype: str | None = "numeric", y_numeric: bool = False,
                  multi_output: bool = False, accept_sparse: bool = False) -> tuple[Any, Any]:
    """Validate ``X`` (and ``y``) for ``estimator``; return backend arrays ``(X, y)``.

    ``reset=True`` (in ``fit``) records ``n_features_in_`` and the fit device (``fit_device_``);
    ``reset=False`` (in ``predict``/``transform``) checks that the estimator is fitted, that
    ``X`` has the same number of features and that it lives on the device the model was
    fitted on (a ``DeviceError`` rather than a silent copy).
    """
    if not reset:
        check_is_fitted(estimator)
        _check_device(estimator, "X", _device_of(X))
    array = check_array(X, "X", allow_nan=allow_nan, ensure_2d=ensure_2d, dtype=dtype,
                        accept_sparse=accept_sparse)
    n_features = array.shape[1] if array.ndim >= 2 else 1
    if reset:
        estimator.n_features_in_ = int(n_features)
        setattr(estimator, FIT_DEVICE, str(_device_of(X)))
    elif ensure_2d or array.ndim >= 2:
        fitted = getattr(estimator, "n_features_in_", None)
        if fitted is not None and fitted != n_features:
            raise expected("X", f"{fitted} features (as in fit)", f"{n_features} features",
                           error=ShapeError)
    target = None
    if y is not None:
        if _device_of(y) is not _device_of(X):
            raise expected("y", f"data on the same device as X ({_device_of(X)})",
                           f"device {_device_of(y)}", error=DeviceError)
        target = _check_target(y, array.shape[0], y_numeric=y_numeric, multi_output=multi_output)
        if getattr(estimator, "_estimator_type", None) == "classifier":
            _check_discrete(get_namespace(y), target)
    return array, target


def _check_discrete(xp: Any, target: Any) -> None:
    """A classifier's float labels must be whole numbers (scikit-learn's "Unknown label type:
    continuous"): 0.5 as a class is almost always a regression target given to a classifier."""
    if _dtype_of(target).kind != "f":
        return
    fractional = target != xp.round(target)
    if bool(xp.any(fractional)):
        example = to_numpy(target[fractional]).ravel()[0].item()
        raise expected("y", "class labels (whole numbers or strings; continuous targets are "
                       "for a regressor)", f"continuous values such as {example}")


def _check_device(estimator: Any, argument: str, found: Device) -> None:
    fitted = getattr(estimator, FIT_DEVICE, None)
    if fitted is not None and fitted != str(found):
        raise expected(argument, f"data on device '{fitted}' (the model was fitted there; move "
                       f"the data with .to('{fitted}') or the model with nm.load(..., "
                       f"device='{found}'))", f"device '{found}'", error=DeviceError)


def check_is_fitted(estimator: Any, attributes: str | list[str] | None = None) -> None:
    """Raise ``NotFittedError`` unless ``estimator`` has been fitted.

    Fitted means: the given ``attributes`` exist, or (by default) the estimator's own
    ``_is_fitted()`` says so, or it has at least one public attribute ending in ``_``.
    """
    name = type(estimator).__name__
    if attributes is not None:
        names = [attributes] if isinstance(attributes, str) else list(attributes)
        fitted = all(hasattr(estimator, a) for a in names)
    elif hasattr(estimator, "_is_fitted"):
        fitted = bool(estimator._is_fitted())
    else:
        fitted = any(k.endswith("_") and not k.startswith("_") for k in vars(estimator))
    if not fitted:
        raise NotFittedError(f"This {name} instance is not fitted yet: call 'fit' with "
                             "appropriate arguments before using this estimator.")


def check_sample_weight(sample_weight: Any, n_samples: int, *, like: Any = None,
                        dtype: Any = None, allow_negative: bool = False) -> Any:
    """``sample_weight`` as a 1-D backend array of ``n_samples`` finite weights.

    ``None`` means all ones and a number means that weight for every sample. ``like`` (a
    backend array such as the validated ``X``) picks the namespace and device; ``dtype``
    defaults to ``like``'s floating dtype or float64. Negative weights are rejected unless
    ``allow_negative``; so is an all-zero weight vector.
    """
    xp = get_namespace(like) if like is not None else np
    if isinstance(like, Tensor):
        like = like.data
    target = dtype
    if target is None:
        like_dtype = _dtype_of(like) if like is not None else None
        target = like_dtype if like_dtype is not None and like_dtype.kind == "f" else np.float64
    if sample_weight is None or isinstance(sample_weight, (int, float)) and \
            not isinstance(sample_weight, bool):
        value = 1.0 if sample_weight is None else float(sample_weight)
        if not np.isfinite(value) or (value < 0 and not allow_negative):
            raise expected("sample_weight", "a finite non-negative number", sample_weight)
        if like is None or isinstance(like, np.ndarray):
            return np.full((n_samples,), value, dtype=target)
        backend = _device_of_backend(like).backend
        with backend.use(backend.device_index(like)):
            return xp.full((n_samples,), value, dtype=backend.native_dtype(np.dtype(target)))
    if like is not None and _device_of(sample_weight) is not _device_of_backend(like):
        raise expected("sample_weight", "data on the same device as X",
                       f"device {_device_of(sample_weight)}", error=DeviceError)
    array = _to_backend("sample_weight", sample_weight)
    _check_numeric("sample_weight", array)
    if array.ndim != 1:
        raise expected("sample_weight", "a 1-D array", f"shape {tuple(array.shape)}",
                       error=ShapeError)
    if array.shape[0] != n_samples:
        raise expected("sample_weight", f"{n_samples} weights (one per sample)",
                       f"{array.shape[0]} weights", error=ShapeError)
    array = _cast(xp, array, np.dtype(target))
    _check_finite("sample_weight", xp, array, allow_nan=False)
    if not allow_negative and bool(xp.any(array < 0)):
        raise expected("sample_weight", "non-negative weights", "a negative weight")
    if n_samples and not bool(xp.any(array != 0)):
        raise expected("sample_weight", "at least one positive weight", "all zeros")
    return array


_array_types: dict[str, type] = {}  # backend name -> the type of its arrays (learned once)


def _array_type(backend: Any) -> type | None:
    found = _array_types.get(backend.name)
    if found is None:
        try:
            found = type(backend.asarray(0.0, None, 0, None))
        except Exception:  # a backend that cannot make arrays here owns none of the inputs
            return None
        _array_types[backend.name] = found
    return found


def _device_of_backend(array: Any) -> Device:
    """The device of a raw backend array (NumPy -> CPU; others: the backend whose arrays have
    this type, e.g. ``cupy.ndarray`` for cuda even though its ``xp`` is a compat wrapper)."""
    if isinstance(array, np.ndarray):
        return CPU
    from .devices import device as make_device
    from .plugins import registry

    backends = registry("backends")
    for name in backends.names():
        backend = backends.get(name)
        if name == "cpu" or backend.unavailable_reason() is not None:
            continue  # an array cannot come from a backend that cannot run here
        if _array_type(backend) is type(array):
            return make_device(name, backend.device_index(array))
    return CPU


# -- outputs ----------------------------------------------------------------------------------
def to_output(estimator_or_like: Any, array: Any, like: Any = None) -> Any:
    """Convert a result to the kind of the user's input: NumPy in -> NumPy out, Tensor in ->
    Tensor out on the same device.

    ``array`` is a backend array, a Python scalar, or a tuple/list of them (converted each).
    ``like`` is the user's original input; without it the fit device decides (CPU -> NumPy).
    """
    if isinstance(array, (tuple, list)):
        return type(array)(to_output(estimator_or_like, a, like) for a in array)
    if array is None or isinstance(array, (bool, int, float, complex, str)):
        return array
    if like is None:
        like = estimator_or_like
    if isinstance(like, Tensor):
        if isinstance(array, Tensor):
            return array
        return Tensor(array, like.device)
    fitted = getattr(like, FIT_DEVICE, None)
    if fitted is not None and fitted != "cpu":
        return array if isinstance(array, Tensor) else Tensor(array, fitted)
    if isinstance(array, Tensor):
        return array.numpy()
    if isinstance(array, np.ndarray) or np.isscalar(array):
        return array
    return _device_of_backend(array).backend.to_numpy(array)


def to_numpy(obj: Any) -> np.ndarray:
    """A host copy (or view) of a Tensor, backend array or array-like, for scoring."""
    if isinstance(obj, Tensor):
        return obj.numpy()
    if isinstance(obj, np.ndarray):
        return obj
    if hasattr(obj, "__array_namespace__") and not isinstance(obj, np.ndarray):
        return _device_of_backend(obj).backend.to_numpy(obj)
    return np.asarray(obj)


__all__ = ["FIT_DEVICE", "check_array", "check_is_fitted", "check_sample_weight",
           "get_namespace", "to_numpy", "to_output", "validate_data"]
