"""ONNX export: ``nm.onnx.export(model, path, sample_input=...)``.

numeru-core knows no model: each package registers, through the ``register_exporters`` hook,
one exporter per registry name it provides. ``export`` finds the model's registry name (the
reverse look-up ``.nmr`` uses), calls that exporter, stamps the producer and the model's
name into the ONNX metadata, runs ``onnx.checker`` and writes the file atomically (the
``.nmr`` writer's ``atomic_file``).

An exporter is a function ``exporter(model, *, sample_input, opset) -> onnx.ModelProto``:
``sample_input`` is ``None`` or a validated 2-D NumPy float array (an exporter may take its
dtype as the graph's input type); ``opset`` is the ``ai.onnx`` opset to target. ``onnx`` is
an optional dependency (``pip install numeru-core[onnx]``), imported on the first export only.
"""

from __future__ import annotations

import os
from typing import Any

from .errors import MissingDependencyError, PluginError, ShapeError, expected

DEFAULT_OPSET = 17  # ai.onnx opset; onnxruntime 1.17 (the oldest tested) runs up to 20
INSTALL_HINT = "pip install onnx (or pip install 'numeru-core[onnx]')"


def export(model: Any, path: str | os.PathLike[str], *, sample_input: Any = None,
           opset: int | None = None, metadata: dict[str, str] | None = None) -> str:
    """Export a fitted ``model`` to an ONNX file at ``path``; return the path.

    ``sample_input``: a batch of inputs shaped like ``predict``'s (checked against the model's
    ``n_features_in_``); its dtype (float32 or float64) becomes the graph's input type where
    the exporter supports both (float64 without it). ``opset``: the ``ai.onnx`` opset version
    (default ``DEFAULT_OPSET``). ``metadata``: str -> str pairs kept in the model's
    ``metadata_props``. The file is checked with ``onnx.checker`` before it replaces ``path``.
    """
    from .estimator import check_is_fitted
    from .nmr._codec import producer, registered_name
    from .nmr._io import _metadata  # the same str -> str check as nm.save's metadata

    try:
        target: Any = os.fspath(path)
    except TypeError:  # an int, None, ...: not a path at all
        target = None
    if not isinstance(target, str):
        raise expected("path", "a str or os.PathLike path", path)
    extra = _metadata(metadata)
    kind, name = registered_name(type(model))
    check_is_fitted(model)
    exporter = _exporter_for(kind, name)
    onnx = _import_onnx()
    version = _opset(opset, onnx)
    sample = None if sample_input is None else _check_sample(model, sample_input)

    proto = exporter(model, sample_input=sample, opset=version)
    distribution, dist_version = producer(kind, name)
    if not isinstance(proto, onnx.ModelProto):
        raise PluginError(f"the ONNX exporter of {name!r} ({distribution}) returned "
                          f"{type(proto).__name__}, not an onnx.ModelProto")
    proto.producer_name = distribution
    proto.producer_version = dist_version or ""
    _set_metadata(proto, {"numeru.model": name, **extra})
    try:
        onnx.checker.check_model(proto, full_check=True)  # full: with shape inference
    except (onnx.checker.ValidationError, onnx.shape_inference.InferenceError) as exc:
        raise PluginError(f"the ONNX exporter of {name!r} ({distribution}) produced an invalid "
                          f"model: {exc}") from None

    from .nmr._io import _write_all, atomic_file

    data = proto.SerializeToString()
    with atomic_file(target) as file:
        _write_all(file, memoryview(data))
    return target


def _exporter_for(kind: str, name: str) -> Any:
    from . import catalog
    from .nmr._codec import producer
    from .plugins import registry

    exporters = registry("exporters")
    exporter = exporters.find(name)
    if exporter is not None:
        return exporter
    distribution, version = producer(kind, name)
    hint = catalog.provider("exporters", name)
    advice = (f"install a release of {hint} that exports it (pip install -U {hint})"
              if hint is not None else f"{distribution} does not provide ONNX export for it")
    known = ", ".join(map(str, exporters.names())) or "none"
    source = f"{distribution} {version}" if version else distribution
    raise PluginError(f"no ONNX exporter is registered for model {name!r} (from {source}): "
                      f"{advice} (exporters: {known})")


def _import_onnx() -> Any:
    try:
        import onnx
        import onnx.checker
        import onnx.shape_inference
    except ImportError:
        raise MissingDependencyError(f"ONNX export needs the onnx package: {INSTALL_HINT}"
                                     ) from None
    return onnx


def _opset(opset: Any, onnx: Any) -> int:
    newest = int(onnx.defs.onnx_opset_version())
    if opset is None:
        return min(DEFAULT_OPSET, newest)
    if isinstance(opset, bool) or not isinstance(opset, int) or not 1 <= opset <= newest:
        raise expected("opset", f"an int in [1, {newest}] (the newest opset this onnx knows)",
                       opset)
    return opset


def _check_sample(model: Any, sample_input: Any) -> Any:
    from .validation import check_array, to_numpy

    array = check_array(sample_input, "sample_input", allow_nan=True, dtype="float")
    fitted = getattr(model, "n_features_in_", None)
    if fitted is not None and array.shape[1] != fitted:
        raise expected("sample_input", f"{fitted} features (as in fit)",
                       f"{array.shape[1]} features", error=ShapeError)
    return to_numpy(array)


def _set_metadata(proto: Any, values: dict[str, str]) -> None:
    kept = {entry.key: entry.value for entry in proto.metadata_props}
    kept.update(values)
    del proto.metadata_props[:]
    for key, value in kept.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value


__all__ = ["DEFAULT_OPSET", "export"]
