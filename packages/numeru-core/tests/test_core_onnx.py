"""nm.onnx.export: dispatch to registered exporters, checks, atomic writes, clear errors."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import numeru.core as nm
from numeru.core import catalog, plugins
from numeru.core.errors import (
    MissingDependencyError,
    NotFittedError,
    PluginError,
    ShapeError,
    ValidationError,
)
from numeru.core.hookspecs import hookimpl

onnx = pytest.importorskip("onnx")


class Scaler:
    """A tiny model: predict(X) = X @ coef_."""

    def fit(self, X):
        X = np.asarray(X, np.float64)
        self.n_features_in_ = X.shape[1]
        self.coef_ = np.arange(1.0, X.shape[1] + 1.0)
        return self

    def predict(self, X):
        return np.asarray(X, np.float64) @ self.coef_


class Plain(Scaler):
    """Registered as a model, with no exporter."""


class Unregistered(Scaler):
    pass


calls: list[dict] = []


def export_scaler(model, *, sample_input, opset):
    from onnx import TensorProto, helper, numpy_helper

    calls.append({"sample_input": sample_input, "opset": opset})
    dtype = np.float32 if sample_input is not None and sample_input.dtype == np.float32 else (
        np.float64)
    kind = TensorProto.FLOAT if dtype == np.float32 else TensorProto.DOUBLE
    coef = numpy_helper.from_array(model.coef_.astype(dtype), "coef")
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["X", "coef"], ["y"])],
        "scaler", [helper.make_tensor_value_info("X", kind, ["N", model.n_features_in_])],
        [helper.make_tensor_value_info("y", kind, ["N"])], [coef])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                             ir_version=8)


class FakePlugin:
    @hookimpl
    def register_models(self, register):
        register("test_onnx_scaler", Scaler)
        register("test_onnx_plain", Plain)
        register("test_onnx_broken", BrokenOutput)
        register("test_onnx_invalid", InvalidGraph)

    @hookimpl
    def register_exporters(self, register):
        register("test_onnx_scaler", export_scaler)
        register("test_onnx_broken", lambda model, **kw: "not a model")
        register("test_onnx_invalid", export_invalid)


class BrokenOutput(Scaler):
    pass


class InvalidGraph(Scaler):
    pass


def export_invalid(model, *, sample_input, opset):
    from onnx import TensorProto, helper

    graph = helper.make_graph([helper.make_node("NoSuchOp", ["X"], ["y"])], "bad",
                              [helper.make_tensor_value_info("X", TensorProto.DOUBLE, [1])],
                              [helper.make_tensor_value_info("y", TensorProto.DOUBLE, [1])])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


@pytest.fixture
def fake_plugin():
    plugins.register(FakePlugin(), "test-onnx")
    calls.clear()
    yield
    plugins.unregister("test-onnx")


X = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])


def test_import_numeru_core_does_not_import_onnx():
    code = ("import sys, numeru.core as nm; print('onnx' in sys.modules, "
            "'numeru.core.onnx' in sys.modules); nm.onnx; print('numeru.core.onnx' in "
            "sys.modules, 'onnx' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True).stdout.split()
    assert out == ["False", "False", "True", "False"]


def test_export_dispatches_checks_and_writes(fake_plugin, tmp_path):
    model = Scaler().fit(X)
    target = tmp_path / "scaler.onnx"
    returned = nm.onnx.export(model, target, sample_input=X, metadata={"dataset": "toy"})
    assert returned == str(target) and os.path.exists(returned)
    assert calls[0]["opset"] == nm.onnx.DEFAULT_OPSET
    np.testing.assert_array_equal(calls[0]["sample_input"], X)
    proto = onnx.load(returned)
    onnx.checker.check_model(proto)
    meta = {p.key: p.value for p in proto.metadata_props}
    assert meta == {"numeru.model": "test_onnx_scaler", "dataset": "toy"}
    assert proto.producer_name == "test-onnx"  # registered by hand: the plugin's name
    assert [p for p in os.listdir(tmp_path)] == ["scaler.onnx"]  # no temporary left behind
    ort = pytest.importorskip("onnxruntime")
    session = ort.InferenceSession(returned, providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(session.run(None, {"X": X})[0], model.predict(X))


def test_sample_input_is_validated_and_passed_as_numpy(fake_plugin, tmp_path):
    model = Scaler().fit(X)
    nm.onnx.export(model, tmp_path / "a.onnx", sample_input=nm.asarray(X.astype(np.float32)),
                   opset=15)
    assert calls[-1]["opset"] == 15
    assert isinstance(calls[-1]["sample_input"], np.ndarray)
    assert calls[-1]["sample_input"].dtype == np.float32
    with pytest.raises(ShapeError, match=r"sample_input: expected 3 features \(as in fit\)"):
        nm.onnx.export(model, tmp_path / "b.onnx", sample_input=X[:, :2])
    with pytest.raises(ShapeError, match="sample_input: expected a 2-D array"):
        nm.onnx.export(model, tmp_path / "b.onnx", sample_input=X[0])
    assert not (tmp_path / "b.onnx").exists()


@pytest.mark.parametrize("opset", [0, 10_000, 17.0, True, "17"])
def test_bad_opset_is_refused(fake_plugin, tmp_path, opset):
    with pytest.raises(ValidationError, match="opset: expected an int"):
        nm.onnx.export(Scaler().fit(X), tmp_path / "m.onnx", opset=opset)


def test_unfitted_model_is_refused(fake_plugin, tmp_path):
    with pytest.raises(NotFittedError, match="Scaler instance is not fitted"):
        nm.onnx.export(Scaler(), tmp_path / "m.onnx")


def test_model_without_exporter_names_model_and_package(fake_plugin, tmp_path, monkeypatch):
    with pytest.raises(PluginError) as info:
        nm.onnx.export(Plain().fit(X), tmp_path / "m.onnx")
    message = str(info.value)
    assert "no ONNX exporter is registered for model 'test_onnx_plain'" in message
    assert "from test-onnx" in message and "test-onnx does not provide ONNX export" in message
    assert "test_onnx_scaler" in message  # the known exporters
    # a name numeru's catalog knows: say which distribution exports it
    monkeypatch.setitem(catalog.KNOWN["exporters"], "test_onnx_plain", "numeru-widgets")
    with pytest.raises(PluginError, match=r"pip install -U numeru-widgets"):
        nm.onnx.export(Plain().fit(X), tmp_path / "m.onnx")


def test_unregistered_class_is_refused(fake_plugin, tmp_path):
    with pytest.raises(PluginError, match="Unregistered is not in any registry"):
        nm.onnx.export(Unregistered().fit(X), tmp_path / "m.onnx")


def test_missing_onnx_names_the_install(fake_plugin, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)
    monkeypatch.setitem(sys.modules, "onnx.checker", None)
    with pytest.raises(MissingDependencyError, match=r"pip install onnx") as info:
        nm.onnx.export(Scaler().fit(X), tmp_path / "m.onnx")
    assert isinstance(info.value, ImportError)
    assert "numeru-core[onnx]" in str(info.value)


def test_broken_exporters_raise_and_keep_the_old_file(fake_plugin, tmp_path):
    target = tmp_path / "m.onnx"
    target.write_bytes(b"previous")
    with pytest.raises(PluginError, match="returned str, not an onnx.ModelProto"):
        nm.onnx.export(BrokenOutput().fit(X), target)
    with pytest.raises(PluginError, match="produced an invalid model"):
        nm.onnx.export(InvalidGraph().fit(X), target)
    assert target.read_bytes() == b"previous"
    assert os.listdir(tmp_path) == ["m.onnx"]


def test_unwritable_path_is_a_validation_error(fake_plugin, tmp_path):
    with pytest.raises(ValidationError, match="path: expected a writable location"):
        nm.onnx.export(Scaler().fit(X), tmp_path / "missing-dir" / "m.onnx")
    with pytest.raises(ValidationError, match="metadata: expected a dict of str -> str"):
        nm.onnx.export(Scaler().fit(X), tmp_path / "m.onnx", metadata={"a": 1})


def test_a_path_that_is_not_a_path_is_a_validation_error(fake_plugin, tmp_path):
    # os.fspath(123) raised a bare TypeError before the path check
    for bad in (123, None):
        with pytest.raises(ValidationError, match="path: expected a str or os.PathLike"):
            nm.onnx.export(Scaler().fit(X), bad)
