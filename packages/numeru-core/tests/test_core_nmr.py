"""The .nmr format: round trips, layout, models through the registry, atomic saves, mmap, CLI.

References: NumPy (values, dtypes, byte order), zlib (checksums), json (the header),
safetensors (the same tensors through the reference tensor format).
"""

from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import sys
import textwrap
import time
import zlib
from contextlib import redirect_stdout

import ml_dtypes
import numpy as np
import pytest

import numeru.core as nm
from numeru.core import catalog, plugins
from numeru.core.dtypes import BY_NAME
from numeru.core.errors import DeviceError, FormatError, PluginError, ValidationError
from numeru.core.estimator import BaseEstimator, RegressorMixin, validate_data
from numeru.core.hookspecs import hookimpl
from numeru.core.nmr import FORMAT_VERSION, MAGIC, read_header

PREFIX = struct.Struct("<8sIIQ")


class TinyRidge(RegressorMixin, BaseEstimator):
    def __init__(self, alpha=1.0, names=("a", "b")):
        self.alpha = alpha
        self.names = names

    def fit(self, X, y):
        data, target = validate_data(self, X, y, dtype="float", y_numeric=True)
        gram = data.T @ data + self.alpha * np.eye(data.shape[1])
        self.coef_ = np.linalg.solve(gram, data.T @ target)
        self.history_ = {"iterations": 1, "tol": float("inf")}
        return self

    def predict(self, X):
        data, _ = validate_data(self, X, reset=False, dtype="float")
        return data @ self.coef_


class Unregistered(BaseEstimator):
    pass


class _TestPlugin:
    @hookimpl
    def register_models(self, register):
        register("nmr_test_tiny_ridge", TinyRidge)


@pytest.fixture
def ridge_plugin():
    plugins.register(_TestPlugin(), "nmr-test-models")
    yield
    if any(i.name == "nmr-test-models" for i in plugins.plugin_info()):
        plugins.unregister("nmr-test-models")


def roundtrip(obj, tmp_path, **load_kwargs):
    path = tmp_path / "obj.nmr"
    nm.save(obj, path)
    return nm.load(path, **load_kwargs)


# -- values ------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype_name", sorted(BY_NAME))
@pytest.mark.parametrize("shape", [(), (0,), (7,), (3, 4), (2, 0, 3)])
def test_every_dtype_and_shape_round_trips(dtype_name, shape, tmp_path):
    dtype = BY_NAME[dtype_name]
    rng = np.random.default_rng(3)
    values = np.asarray(rng.standard_normal(shape) * 50)
    if dtype.kind == "c":
        values = np.asarray(values + 1j * rng.standard_normal(shape))
    array = np.asarray(values.astype(dtype) if dtype.kind != "b" else values > 0)
    loaded = roundtrip(array, tmp_path)
    assert type(loaded) is np.ndarray and loaded.dtype == dtype and loaded.shape == shape
    assert loaded.tobytes() == array.tobytes()
    assert loaded.ctypes.data % 64 == 0 or loaded.size == 0  # numeru's 64-byte alignment


def test_non_contiguous_and_big_endian_input(tmp_path):
    base = np.arange(24, dtype=np.float64).reshape(4, 6)
    big = np.arange(5, dtype=">i4")
    loaded = roundtrip({"t": base.T, "s": base[::2, 1::3], "big": big}, tmp_path)
    np.testing.assert_array_equal(loaded["t"], base.T)
    np.testing.assert_array_equal(loaded["s"], base[::2, 1::3])
    np.testing.assert_array_equal(loaded["big"], big)
    assert loaded["big"].dtype == np.dtype("<i4")
    # on disk the buffer is little-endian, whatever the input's byte order
    with open(tmp_path / "obj.nmr", "rb") as file:
        header = read_header(file)
        entry = next(e for e in header.tensors if e.name == "big")
        file.seek(header.data_start + entry.offset)
        assert file.read(entry.nbytes) == big.astype("<i4").tobytes()


def test_tensors_stay_tensors_and_arrays_stay_arrays(tmp_path):
    obj = {"tensor": nm.asarray([1.5, 2.5]), "array": np.array([1, 2]), "bf": nm.asarray(
        np.array([1.25, -3.0], dtype=ml_dtypes.bfloat16))}
    loaded = roundtrip(obj, tmp_path)
    assert isinstance(loaded["tensor"], nm.Tensor) and loaded["tensor"].device == "cpu"
    np.testing.assert_array_equal(loaded["tensor"].numpy(), [1.5, 2.5])
    assert type(loaded["array"]) is np.ndarray
    assert loaded["bf"].dtype == nm.bfloat16
    np.testing.assert_array_equal(loaded["bf"].numpy().astype(np.float32), [1.25, -3.0])


def test_nested_containers_and_json_values(tmp_path):
    shared = np.arange(3.0)
    obj = {
        "list": [1, 2.5, None, True, "text", [shared, shared]],
        "tuple": (1, (2, 3)),
        "floats": [float("nan"), float("inf"), -float("inf")],
        "complex": 1 - 2j,
        "bytes": b"\x00\xff",
        "scalars": [np.float32(1.5), np.int8(-3), np.bool_(True), np.uint64(2**64 - 1)],
        "labels": np.array(["cat", "dog"]),
        3: "int key",
        (1, 2): "tuple key",
        "$dollar": "escaped",
        "empty": {},
        "dtypes": [np.float32, np.dtype("int16"), float, bool, ml_dtypes.bfloat16],
    }
    loaded = roundtrip(obj, tmp_path)
    assert list(loaded) == list(obj)
    assert loaded["list"][:5] == [1, 2.5, None, True, "text"]
    a, b = loaded["list"][5]
    assert a is b  # one array saved once and loaded as one object
    np.testing.assert_array_equal(a, shared)
    assert loaded["tuple"] == (1, (2, 3))
    assert np.isnan(loaded["floats"][0]) and loaded["floats"][1:] == [np.inf, -np.inf]
    assert loaded["complex"] == 1 - 2j and loaded["bytes"] == b"\x00\xff"
    for got, want in zip(loaded["scalars"], obj["scalars"], strict=True):
        assert type(got) is type(want) and got == want
    np.testing.assert_array_equal(loaded["labels"], obj["labels"])
    assert loaded[3] == "int key" and loaded[(1, 2)] == "tuple key"
    assert loaded["$dollar"] == "escaped" and loaded["empty"] == {}
    assert loaded["dtypes"] == obj["dtypes"]
    assert loaded["dtypes"][0] is np.float32 and loaded["dtypes"][2] is float


def test_scalars_and_plain_json_roots(tmp_path):
    for value in [None, 3, "hello", [1, [2]], 2.5]:
        assert roundtrip(value, tmp_path) == value


def test_unsupported_values_are_refused_at_save(tmp_path):
    path = tmp_path / "x.nmr"
    deep: list = []
    for _ in range(150):
        deep = [deep]
    for bad, words in [(deep, "nesting at most 100"), ({1, 2}, "set"), (object(), "object"),
                       (np.dtype("U3"), "dtype"),
                       (dict, "class dict"),
                       (np.array([1, "a"], dtype=object), "strings only"),
                       (np.array(["2020-01-01"], dtype="datetime64[D]"), "datetime64")]:
        with pytest.raises(ValidationError, match=words):
            nm.save({"x": bad}, path)
    assert not os.listdir(tmp_path)  # nothing written, no temporary left behind


def test_same_tensors_as_safetensors(tmp_path):
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    rng = np.random.default_rng(4)
    tensors = {"a": rng.standard_normal((8, 3)).astype(np.float32),
               "b": rng.integers(0, 9, (5,)).astype(np.int64),
               "c": rng.standard_normal((2, 2)).astype(np.float16)}
    safetensors_numpy.save_file(tensors, str(tmp_path / "ref.safetensors"))
    reference = safetensors_numpy.load_file(str(tmp_path / "ref.safetensors"))
    ours = roundtrip(tensors, tmp_path)
    for name in tensors:
        assert ours[name].dtype == reference[name].dtype
        np.testing.assert_array_equal(ours[name], reference[name])


# -- layout --------------------------------------------------------------------------------------
def test_layout_magic_header_alignment_and_checksums(tmp_path):
    arrays = {"x": np.arange(5, dtype=np.int16), "y": np.ones((3, 3), np.float32)}
    path = tmp_path / "obj.nmr"
    nm.save(arrays, path, metadata={"note": "hello"})
    raw = path.read_bytes()
    magic, version, header_crc, length = PREFIX.unpack(raw[:24])
    assert magic == MAGIC and version == FORMAT_VERSION == 1
    body = raw[24 : 24 + length]
    assert zlib.crc32(body) == header_crc
    header = json.loads(body)
    assert header["format"] == "numeru.nmr" and header["metadata"] == {"note": "hello"}
    assert header["producers"]["numeru-core"] == nm.__version__
    data_start = 24 + length
    assert data_start % 64 == 0 and len(raw) == data_start + header["data_size"]
    for row in header["tensors"]:
        assert (data_start + row["offset"]) % 64 == 0
        chunk = raw[data_start + row["offset"] : data_start + row["offset"] + row["nbytes"]]
        assert chunk == arrays[row["name"]].tobytes()
        assert row["crc32"] == zlib.crc32(chunk)
        assert row["dtype"] == arrays[row["name"]].dtype.name
        assert row["shape"] == list(arrays[row["name"]].shape)


def _rewrite_header(path, change):
    raw = path.read_bytes()
    _, version, _, length = PREFIX.unpack(raw[:24])
    header = json.loads(raw[24 : 24 + length])
    version = change(header) or version
    body = json.dumps(header).encode()
    body += b" " * (-(24 + len(body)) % 64)
    path.write_bytes(PREFIX.pack(MAGIC, version, zlib.crc32(body), len(body)) + body
                     + raw[24 + length :])


def test_newer_format_version_is_a_clear_error(tmp_path):
    path = tmp_path / "obj.nmr"
    nm.save([1, 2], path)
    _rewrite_header(path, lambda header: FORMAT_VERSION + 1)
    with pytest.raises(FormatError, match="newer.*upgrade numeru-core"):
        nm.load(path)


def test_huge_claimed_shape_is_refused_before_allocating(tmp_path):
    path = tmp_path / "obj.nmr"
    nm.save(np.zeros(4), path)

    def claim_huge(header):
        header["tensors"][0]["shape"] = [2**40]
        header["tensors"][0]["nbytes"] = 2**43
    _rewrite_header(path, claim_huge)
    started = time.perf_counter()
    with pytest.raises(FormatError, match="more than the data section holds"):
        nm.load(path)
    assert time.perf_counter() - started < 5


def _file_with_object(path, node):
    """A file with a valid header checksum around ``node`` (a value, or raw JSON text)."""
    header = {"format": "numeru.nmr", "version": 1, "producers": {}, "metadata": {},
              "data_size": 0, "tensors": [], "object": None}
    text = json.dumps(header)
    raw = node if isinstance(node, str) else json.dumps(node)
    body = text.replace('"object": null', '"object": ' + raw).encode()
    body += b" " * (-(24 + len(body)) % 64)
    path.write_bytes(PREFIX.pack(MAGIC, 1, zlib.crc32(body), len(body)) + body)


def _deep(depth):
    return '{"$tuple": [' * depth + "1" + "]}" * depth  # raw JSON: too deep for json.dumps


@pytest.mark.parametrize("node", [
    {"$strings": {"shape": [0, 10**30], "values": []}},
    {"$strings": {"shape": [100001], "values": ["x" * 100000] + [""] * 100000}},
    {"$strings": {"shape": [3], "values": ["a"]}},
    {"$tensor": 0}, {"$ndarray": -1}, {"$unknown": 1}, {"$tuple": 5, "extra": 1},
    {"$scalar": ["int8", 1000]}, {"$scalar": ["object", 1]}, {"$float": "NaN"},
    {"$bytes": "%%%"}, {"$dict": [[[1, 2], 3]]}, {"$complex": [10**400, 0]},
    {"$complex": [{"$float": "nan"}, "x"]}, {"$scalar": ["float64", 10**400]},
    {"$dtype": ["object", "type"]},
    {"$object": {"kind": "builtins", "name": "eval", "state": {}}},
    {"$object": {"kind": "models", "name": "x"}},
    _deep(150), _deep(900),
])
def test_hostile_object_trees_raise_format_error(node, tmp_path):
    path = tmp_path / "hostile.nmr"
    _file_with_object(path, node)
    with pytest.raises(FormatError):
        nm.load(path)


@pytest.mark.parametrize("damage", ["truncate", "extend", "flip_data", "flip_header", "magic"])
def test_corrupt_files_raise_format_error(damage, tmp_path):
    path = tmp_path / "obj.nmr"
    nm.save({"w": np.arange(100.0)}, path)
    raw = bytearray(path.read_bytes())
    if damage == "truncate":
        raw = raw[:-10]
    elif damage == "extend":
        raw += b"\x00" * 7
    elif damage == "flip_data":
        raw[-5] ^= 0x10
    elif damage == "flip_header":
        raw[40] ^= 0x01
    else:
        raw[1:4] = b"ZIP"
    path.write_bytes(bytes(raw))
    with pytest.raises(FormatError):
        nm.load(path)


def test_a_flipped_bit_anywhere_is_found_when_verifying(tmp_path):
    # header, tensor data and the zero padding between buffers: with checksums verified no
    # single-bit change loads (padding used to be skipped, so a corrupt file passed)
    path, damaged = tmp_path / "obj.nmr", tmp_path / "damaged.nmr"
    nm.save({"a": np.arange(5, dtype=np.int16), "b": np.array(True)}, path)
    raw = path.read_bytes()
    for position in range(len(raw)):
        flipped = bytearray(raw)
        flipped[position] ^= 0x04
        damaged.write_bytes(bytes(flipped))
        with pytest.raises(FormatError):
            nm.load(damaged)


def test_non_zero_padding_is_named_and_shown_by_inspect(tmp_path):
    path = tmp_path / "obj.nmr"
    nm.save([np.ones(3, np.int8), np.ones(2, np.int8)], path)
    with open(path, "rb") as file:
        start = read_header(file).data_start
    raw = bytearray(path.read_bytes())
    raw[start + 10] = 7  # between the two buffers
    path.write_bytes(bytes(raw))
    with pytest.raises(FormatError, match="padding bytes before tensor '\\[1\\]'"):
        nm.load(path)
    with pytest.raises(FormatError, match="padding"):
        nm.load(path, mmap=True, verify=True)
    assert nm.load(path, mmap=True)[1].tolist() == [1, 1]  # unverified: data itself is intact
    code, text = _inspect(path)
    assert code == 1 and text.count("MISMATCH") == 2  # the row after the padding, the summary


def test_verify_option_and_mmap_default(tmp_path):
    path = tmp_path / "obj.nmr"
    nm.save({"w": np.arange(100.0)}, path)
    raw = bytearray(path.read_bytes())
    raw[-8] ^= 0x01
    path.write_bytes(bytes(raw))
    assert nm.load(path, verify=False)["w"][-1] != 99.0  # unchecked: the damaged value
    assert nm.load(path, mmap=True)["w"].shape == (100,)  # mmap does not read up front
    with pytest.raises(FormatError, match="checksum"):
        nm.load(path, mmap=True, verify=True)


# -- mmap and devices ----------------------------------------------------------------------------
def test_mmap_is_zero_copy_and_copy_on_write(tmp_path):
    array = np.arange(1000, dtype=np.float32)
    path = tmp_path / "obj.nmr"
    nm.save({"a": array, "t": nm.asarray(array)}, path)
    loaded = nm.load(path, mmap=True)
    mapped = loaded["a"]
    base = mapped
    while getattr(base, "base", None) is not None and not isinstance(base, memoryview):
        base = base.base
    assert type(base).__name__ in ("mmap", "memoryview")
    assert mapped.ctypes.data % 64 == 0
    np.testing.assert_array_equal(mapped, array)
    assert isinstance(loaded["t"], nm.Tensor)
    mapped[0] = -1.0  # copy-on-write: this process sees it, the file does not change
    assert mapped[0] == -1.0
    np.testing.assert_array_equal(nm.load(path)["a"], array)


def test_load_to_another_device(tmp_path, ridge_plugin):
    if "strict" not in nm.registry("backends"):
        pytest.skip("the example backend plugin is not installed")
    rng = np.random.default_rng(5)
    X, y = rng.standard_normal((20, 2)), rng.standard_normal(20)
    model = TinyRidge().fit(X, y)
    path = tmp_path / "m.nmr"
    nm.save({"model": model, "x": np.ones(3)}, path)
    loaded = nm.load(path, device="strict")
    assert isinstance(loaded["x"], nm.Tensor) and str(loaded["x"].device) == "strict:0"
    assert loaded["model"].fit_device_ == "strict:0"
    with pytest.raises(DeviceError):
        loaded["model"].predict(X)  # a CPU array for a model now on another device
    with pytest.raises(ValidationError, match="mmap"):
        nm.load(path, mmap=True, device="strict")


# -- models through the registry -------------------------------------------------------------------
def test_registered_model_round_trip(tmp_path, ridge_plugin):
    rng = np.random.default_rng(6)
    X, y = rng.standard_normal((30, 3)), rng.standard_normal(30)
    model = TinyRidge(alpha=0.25, names=("x", "y")).fit(X, y)
    path = tmp_path / "model.nmr"
    nm.save(model, path)
    loaded = nm.load(path)
    assert type(loaded) is TinyRidge and loaded.get_params() == model.get_params()
    assert loaded.names == ("x", "y")  # tuples survive
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert loaded.n_features_in_ == 3 and loaded.history_ == model.history_
    with open(path, "rb") as file:
        header = read_header(file)
    assert header.root["$object"]["name"] == "nmr_test_tiny_ridge"
    assert header.root["$object"]["distribution"] == "nmr-test-models"
    assert "nmr-test-models" in header.producers


def test_unknown_model_names_the_distribution(tmp_path, ridge_plugin, monkeypatch):
    model = TinyRidge().fit(np.eye(3), np.ones(3))
    path = tmp_path / "model.nmr"
    nm.save(model, path)
    plugins.unregister("nmr-test-models")
    with pytest.raises(PluginError, match="unknown model 'nmr_test_tiny_ridge' .*saved by "
                       "nmr-test-models") as error:
        nm.load(path)
    # what the file claims is reported, never turned into a command: a forged file could
    # name any package (a typo-squat); a name that is no distribution name is not shown
    assert "pip install" not in str(error.value)
    _rewrite_header(path, lambda h: h["object"]["$object"].update(
        distribution="evil\x1b[2K\rnumeru-core") and None)
    with pytest.raises(PluginError) as error:
        nm.load(path)
    assert "evil" not in str(error.value) and "pip install" not in str(error.value)
    # a name numeru's catalog knows: the catalog's distribution wins over the file's
    monkeypatch.setitem(catalog.KNOWN["models"], "nmr_test_missing", "numeru-test-extras")
    _rewrite_header(path, lambda h: h["object"]["$object"].update(name="nmr_test_missing"))
    with pytest.raises(PluginError, match="unknown model 'nmr_test_missing'.*"
                       "pip install numeru-test-extras"):
        nm.load(path)


def test_unregistered_model_cannot_be_saved(tmp_path):
    with pytest.raises(PluginError, match="register"):
        nm.save(Unregistered(), tmp_path / "x.nmr")


def test_state_the_model_rejects_is_a_format_error(tmp_path, ridge_plugin):
    path = tmp_path / "model.nmr"
    nm.save(TinyRidge(), path)
    _rewrite_header(path, lambda h: h["object"]["$object"]["state"]["params"].update(
        gamma=1) and None)
    with pytest.raises(FormatError, match="could not be rebuilt"):
        nm.load(path)


# -- atomic saves ----------------------------------------------------------------------------------
def test_failed_save_keeps_the_old_file(tmp_path):
    path = tmp_path / "obj.nmr"
    nm.save({"v": np.arange(4)}, path)
    before = path.read_bytes()
    with pytest.raises(ValidationError):
        nm.save({"v": np.arange(4), "bad": {1}}, path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["obj.nmr"]


@pytest.mark.parametrize("bad", ["directory", "trailing_slash", "", None, 3])
def test_save_refuses_a_directory_or_a_non_path_before_writing(bad, tmp_path):
    (tmp_path / "sub").mkdir()
    target = {"directory": tmp_path / "sub",
              "trailing_slash": f"{tmp_path / 'new'}{os.sep}"}.get(bad, bad)
    with pytest.raises(ValidationError, match="^path: expected"):
        nm.save({"v": np.arange(4)}, target)
    assert os.listdir(tmp_path) == ["sub"] and os.listdir(tmp_path / "sub") == []


def test_save_refuses_to_replace_a_read_only_file(tmp_path, monkeypatch):
    # np.save raises PermissionError there; os.replace alone would swap the file silently
    path = tmp_path / "kept.nmr"
    nm.save([1], path)
    os.chmod(path, 0o444)
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if os.fspath(p) == str(path)
                        else real_access(p, mode, **kw))  # as root every file is writable
    with pytest.raises(ValidationError, match="path: expected a file this user may write"):
        nm.save([2], path)
    monkeypatch.undo()
    os.chmod(path, 0o644)
    assert nm.load(path) == [1]


def test_mmap_arrays_stay_valid_after_the_file_is_replaced(tmp_path):
    path = tmp_path / "w.nmr"
    nm.save({"w": np.arange(1000.0)}, path)
    mapped = nm.load(path, mmap=True)
    nm.save({"w": np.zeros(1000)}, path)  # a new inode: the old mapping keeps the old bytes
    np.testing.assert_array_equal(mapped["w"], np.arange(1000.0))
    assert nm.load(path)["w"].sum() == 0


def test_save_into_a_missing_directory_names_the_path(tmp_path):
    with pytest.raises(ValidationError, match="path: expected a writable location.*missing"):
        nm.save([1], tmp_path / "missing" / "x.nmr")


def test_killed_save_keeps_the_old_file(tmp_path):
    path = tmp_path / "obj.nmr"
    nm.save({"v": np.arange(10)}, path)
    script = textwrap.dedent(f"""
        import numpy as np, numeru.core as nm
        big = {{"w": np.ones(48 * 2**20 // 8)}}
        while True:
            nm.save(big, {str(path)!r})
    """)
    child = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.monotonic() + 60
        # wait until a temporary file exists, i.e. a write is in progress, then kill
        while not any(n.endswith(".tmp") for n in os.listdir(tmp_path)):
            assert child.poll() is None, "the saving process exited early"
            assert time.monotonic() < deadline, "no save started within 60 s"
            time.sleep(0.001)
        child.kill()
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    # either the old file or a complete new one: never a partial one
    loaded = nm.load(path)
    assert set(loaded) in ({"v"}, {"w"})
    if "v" in loaded:
        np.testing.assert_array_equal(loaded["v"], np.arange(10))
    else:
        assert loaded["w"].shape == (48 * 2**20 // 8,) and bool(np.all(loaded["w"] == 1))


# -- the inspect command ---------------------------------------------------------------------------
def _run_inspect(*args):
    """Run the registered ``inspect`` command as ``numeru inspect ARGS`` would."""
    import argparse

    command = nm.registry("commands").get("inspect")
    parser = argparse.ArgumentParser(prog="numeru inspect")
    command.configure(parser)
    return command.run(parser.parse_args([str(a) for a in args]))


def _inspect(path):
    out = io.StringIO()
    with redirect_stdout(out):
        code = _run_inspect(path)
    return code, out.getvalue()


def test_inspect_shows_model_params_tensors_and_checksums(tmp_path, ridge_plugin):
    model = TinyRidge(alpha=0.5).fit(np.eye(3), np.arange(3.0))
    path = tmp_path / "model.nmr"
    nm.save(model, path, metadata={"trained_on": "eye"})
    code, text = _inspect(path)
    assert code == 0
    assert "model 'nmr_test_tiny_ridge' (TinyRidge) from nmr-test-models" in text
    assert f"numeru-core {nm.__version__}" in text
    assert "alpha = 0.5" in text and "trained_on: eye" in text
    assert "state.fitted.coef_" in text and "float64" in text and "(3,)" in text
    assert f"{zlib.crc32(model.coef_.tobytes()):08x}" in text and "all ok" in text
    raw = bytearray(path.read_bytes())
    raw[-3] ^= 0xFF
    path.write_bytes(bytes(raw))
    code, text = _inspect(path)
    assert code == 1 and "MISMATCH" in text


def test_inspect_reports_a_broken_file_as_an_error(tmp_path, capsys):
    path = tmp_path / "broken.nmr"
    path.write_bytes(b"not an nmr file at all")
    with pytest.raises(FormatError, match="not a .nmr file"):  # cli.main prints it, exit 1
        _run_inspect(path)
    assert _run_inspect(tmp_path / "missing.nmr") == 1
    assert "no such file" in capsys.readouterr().err


def test_inspect_header_option_prints_the_json(tmp_path, capsys):
    path = tmp_path / "x.nmr"
    nm.save({"a": np.arange(3)}, path)
    assert _run_inspect(path, "--header") == 0
    header = json.loads(capsys.readouterr().out)
    assert header["tensors"][0]["name"] == "a" and header["format"] == "numeru.nmr"


@pytest.mark.parametrize("node", [
    {"$object": {"kind": 5, "name": "x"}}, {"$object": {"kind": None}}, {"$tuple": 5},
    {"$dict": 5}, {"$object": []}, {"$strings": 3}, {"$scalar": [1, 2]},
    {"$object": {"kind": "models", "class": {"a": 1}, "state": {"params": {"p": {"$x": 1}}}}},
])
def test_inspect_describes_malformed_object_trees_without_crashing(node, tmp_path):
    # inspect parses only the header: a tree that load would refuse must still be shown
    path = tmp_path / "odd.nmr"
    _file_with_object(path, node)
    code, text = _inspect(path)
    assert code == 0 and text.startswith("file: ") and "object: " in text


def test_inspect_escapes_control_characters_read_from_the_file(tmp_path):
    # a crafted file must not be able to rewrite the terminal (erase the MISMATCH line, ...)
    path = tmp_path / "crafted.nmr"
    nm.save({"w\x1b[1A": np.arange(3)}, path, metadata={"note\r": "a\x1b[2K\nchecksums: all ok"})
    _rewrite_header(path, lambda h: h["producers"].update({"evil\x1b]0;x\x07": "1\u202e"}))
    code, text = _inspect(path)
    assert code == 0
    assert not any(c in text for c in "\x1b\r\x07\u202e")
    assert "a\\x1b[2K\\nchecksums: all ok" in text and "w\\x1b[1A" in text


def test_inspect_a_directory_says_so(tmp_path, capsys):
    assert _run_inspect(tmp_path) == 1
    assert "not a file" in capsys.readouterr().err


def test_cli_exit_codes_and_errors_without_traceback(tmp_path, capsys, monkeypatch):
    from numeru.core import cli
    from numeru.core.nmr import _inspect as inspect_module

    path = tmp_path / "x.nmr"
    nm.save([1], path)
    assert cli.main(["inspect", str(path)]) == 0
    assert cli.main([]) == 2  # no command: the usage, status 2
    with pytest.raises(SystemExit) as exited:  # argparse's usage errors: status 2
        cli.main(["inspect"])
    assert exited.value.code == 2
    path.write_bytes(b"garbage")
    assert cli.main(["inspect", str(path)]) == 1  # a NumeruError: one line, status 1
    err = capsys.readouterr().err
    assert "numeru inspect: error: not a .nmr file" in err and "Traceback" not in err

    def unreadable(name):
        raise PermissionError(13, "Permission denied", name)

    monkeypatch.setattr(inspect_module, "verify_file", unreadable)
    nm.save([1], path)
    assert cli.main(["inspect", str(path)]) == 1  # an OSError: one line too, status 1
    assert "numeru inspect: error: [Errno 13] Permission denied" in capsys.readouterr().err


@pytest.mark.parametrize("threads", [1, 2])
def test_block_checksums_equal_zlib_crc32_of_the_whole_buffer(threads, tmp_path):
    from numeru.core.nmr._checksum import BLOCK, crc32_combine

    array = np.random.default_rng(7).integers(0, 255, 2 * BLOCK + 12345, dtype=np.uint8)
    path = tmp_path / "big.nmr"
    with nm.threads(threads):
        nm.save({"big": array, "small": np.arange(3)}, path)
        loaded = nm.load(path)
        mapped = nm.load(path, mmap=True, verify=True)
    with open(path, "rb") as file:
        entry = read_header(file).tensors[0]
    assert entry.crc32 == zlib.crc32(array.tobytes())
    np.testing.assert_array_equal(loaded["big"], array)
    np.testing.assert_array_equal(mapped["big"], array)
    a, b = array[:1000].tobytes(), array[1000:].tobytes()
    assert crc32_combine(zlib.crc32(a), zlib.crc32(b), len(b)) == zlib.crc32(a + b)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_save_keeps_the_permissions_of_the_file_it_replaces(tmp_path):
    path = tmp_path / "private.nmr"
    nm.save([1], path)
    os.chmod(path, 0o600)
    nm.save([2], path)
    assert (os.stat(path).st_mode & 0o777) == 0o600 and nm.load(path) == [2]


def test_demo_section_saves_inspects_and_loads():
    out = io.StringIO()
    nm.registry("demos").get("artifacts")(out)
    text = out.getvalue()
    assert "checksums: all ok" in text and "equal weights True" in text
    assert f"{zlib.crc32(np.zeros(32, np.float32).tobytes()):08x}" in text  # the bias row


@pytest.mark.cuda
def test_load_to_cuda_gives_tensors_there(tmp_path):
    values = np.arange(12, dtype=np.float32).reshape(3, 4)
    path = tmp_path / "gpu.nmr"
    nm.save({"array": values, "tensor": nm.asarray(values)}, path)
    loaded = nm.load(path, device="cuda")
    for key in ("array", "tensor"):
        assert isinstance(loaded[key], nm.Tensor) and str(loaded[key].device) == "cuda:0"
        np.testing.assert_array_equal(loaded[key].numpy(), values)
    nm.save(loaded, path)  # GPU tensors are copied to the host to be written
    np.testing.assert_array_equal(nm.load(path)["tensor"].numpy(), values)


def test_a_file_built_from_the_spec_alone_loads(tmp_path):
    """Writes a file by hand, following docs/nmr-format.md only (no numeru writer code)."""
    first = np.array([[1.5, -2.0], [0.25, 8.0]], dtype="<f4")
    second = np.array([7, 8, 9], dtype="<u2")
    data = first.tobytes() + bytes(64 - first.nbytes) + second.tobytes()
    header = {
        "format": "numeru.nmr", "version": 1, "producers": {"hand-written": None},
        "metadata": {"origin": "spec"}, "data_size": len(data),
        "tensors": [
            {"name": "a", "dtype": "float32", "shape": [2, 2], "offset": 0, "nbytes": 16,
             "crc32": zlib.crc32(first.tobytes())},
            {"name": "b", "dtype": "uint16", "shape": [3], "offset": 64, "nbytes": 6,
             "crc32": zlib.crc32(second.tobytes())},
        ],
        "object": {"weights": {"$tensor": 0}, "ids": {"$ndarray": 1},
                   "pair": {"$tuple": [1, {"$float": "inf"}]},
                   "dtype": {"$dtype": ["int8", "dtype"]}},
    }
    body = json.dumps(header).encode("utf-8")
    body += b" " * (-(24 + len(body)) % 64)
    path = tmp_path / "spec.nmr"
    path.write_bytes(b"\x89NMR\r\n\x1a\n" + struct.pack("<IIQ", 1, zlib.crc32(body), len(body))
                     + body + data)
    loaded = nm.load(path)
    np.testing.assert_array_equal(loaded["weights"].numpy(), first)
    np.testing.assert_array_equal(loaded["ids"], second)
    assert loaded["pair"] == (1, float("inf")) and loaded["dtype"] == np.dtype(np.int8)
    mapped = nm.load(path, mmap=True, verify=True)
    np.testing.assert_array_equal(mapped["ids"], second)


def test_writer_pads_with_zeros_between_buffers(tmp_path):
    path = tmp_path / "pad.nmr"
    nm.save([np.ones(3, np.int8), np.ones(2, np.int8)], path)
    raw = path.read_bytes()
    with open(path, "rb") as file:
        header = read_header(file)
    start = header.data_start
    assert raw[start + 3 : start + 64] == bytes(61)
    assert raw[start + 64 : start + 66] == b"\x01\x01" and len(raw) == start + 66
