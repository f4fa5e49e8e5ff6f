"""``numeru train CONFIG.toml`` and the ``ml`` demo section."""

from __future__ import annotations

import contextlib
import io
import json

import numpy as np
import pytest
from sklearn import linear_model as sk
from sklearn.datasets import load_diabetes, load_iris

import numeru.core as nm
from numeru.core.cli import main


def _write(tmp_path, text: str) -> str:
    path = tmp_path / "train.toml"
    path.write_text(text)
    return str(path)


def test_train_csv_with_header_writes_model_and_metrics(tmp_path) -> None:
    X, y = load_diabetes(return_X_y=True)
    header = ",".join([f"f{i}" for i in range(10)] + ["target"])
    np.savetxt(tmp_path / "d.csv", np.c_[X, y], delimiter=",", header=header, comments="")
    config = _write(tmp_path, '[model]\nname = "ridge"\nparams = { alpha = 0.5 }\n'
                              '[data]\npath = "d.csv"\ntarget = "target"\ntest_size = 0\n'
                              '[output]\nmodel = "ridge.nmr"\nmetrics = "m.json"\n')
    assert main(["train", config]) == 0
    model = nm.load(tmp_path / "ridge.nmr")
    ref = sk.Ridge(alpha=0.5).fit(X, y)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-8)
    metrics = json.loads((tmp_path / "m.json").read_text())
    assert metrics["train_r2"] == pytest.approx(ref.score(X, y), rel=1e-10)
    assert metrics["n_train"] == 442


def test_train_replaces_the_metrics_file_atomically(tmp_path, monkeypatch) -> None:
    from numeru.ml.train import _cli

    X, y = load_diabetes(return_X_y=True)
    np.save(tmp_path / "d.npy", np.c_[X, y])
    config = _write(tmp_path, '[model]\nname = "ridge"\n[data]\npath = "d.npy"\n'
                              'test_size = 0\n[output]\nmetrics = "m.json"\n')
    (tmp_path / "m.json").write_text('{"from": "an earlier run"}')
    real = _cli.atomic_file

    @contextlib.contextmanager
    def disk_fills_up(path, **kwargs):  # the new metrics are written, then the disk is full
        with real(path, **kwargs) as file:
            yield file
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(_cli, "atomic_file", disk_fills_up)
    with pytest.raises(OSError, match="No space left"):
        _cli.train_from_config(config)
    assert json.loads((tmp_path / "m.json").read_text()) == {"from": "an earlier run"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.npy", "m.json", "model.nmr",
                                                          "train.toml"]


def test_train_npy_and_nmr_classifier(tmp_path) -> None:
    X, y = load_iris(return_X_y=True)
    np.save(tmp_path / "iris.npy", np.c_[X, y])
    nm.save({"X": X, "y": y}, tmp_path / "iris.nmr")
    for data in ("iris.npy", "iris.nmr"):
        config = _write(tmp_path, '[model]\nname = "logistic_regression"\n'
                                  f'params = {{ max_iter = 500 }}\n[data]\npath = "{data}"\n'
                                  'test_size = 0.3\n')
        assert main(["train", config]) == 0
        metrics = json.loads((tmp_path / "metrics.json").read_text())
        assert metrics["n_test"] == 45 and metrics["test_accuracy"] > 0.85
        assert nm.load(tmp_path / "model.nmr").coef_.shape == (3, 4)


def test_train_reports_bad_configs(tmp_path, capsys) -> None:
    assert main(["train", _write(tmp_path, "[model]\nname = 'nope'\n[data]\npath='x.csv'\n")]) == 1
    assert "nope" in capsys.readouterr().err
    assert main(["train", _write(tmp_path, "[model]\nname = 'ridge'\n[data]\npath='x.csv'\n")]) == 1
    assert "data.path" in capsys.readouterr().err


def test_train_rejects_out_of_range_targets_and_text_csv(tmp_path, capsys) -> None:
    np.savetxt(tmp_path / "n.csv", np.arange(12.0).reshape(4, 3), delimiter=",")
    config = _write(tmp_path, '[model]\nname = "ridge"\n[data]\npath = "n.csv"\n'
                              'target = 4\ntest_size = 0\n')
    assert main(["train", config]) == 1  # 4 % 3 silently picked column 1 before
    err = capsys.readouterr().err
    assert "data.target" in err and "[-3, 2]" in err and "got 4" in err
    assert not (tmp_path / "model.nmr").exists()
    (tmp_path / "s.csv").write_text("a,b,label\n1,2,cat\n3,4,dog\n")
    config = _write(tmp_path, '[model]\nname = "ridge"\n[data]\npath = "s.csv"\n'
                              'test_size = 0\n')
    assert main(["train", config]) == 1  # a raw NumPy ValueError traceback before
    err = capsys.readouterr().err
    assert "data.path" in err and "cat" in err
    config = _write(tmp_path, '[model]\nname = "ridge"\n[data]\npath = "n.csv"\n'
                              'target = -3\ntest_size = 0\n')
    assert main(["train", config]) == 0
    np.testing.assert_allclose(nm.load(tmp_path / "model.nmr").coef_,
                               sk.Ridge().fit(np.arange(12.0).reshape(4, 3)[:, 1:],
                                              np.arange(0.0, 12, 3)).coef_, rtol=1e-8)


def test_demo_section_runs() -> None:
    from numeru.ml.demo import section

    out = io.StringIO()
    section(out)
    text = out.getvalue()
    assert "Lasso" in text and "Trainer" in text


def test_plugin_and_package_imports_stay_cheap() -> None:
    """Loading the plugin (every CLI start does) or ``numeru.ml`` must not import Numba,
    SciPy's optimizers or scikit-learn: models load on first use."""
    import subprocess
    import sys

    code = ("import sys, numeru.ml, numeru.ml.plugin, numeru.ml.optim, numeru.ml.data, "
            "numeru.ml.train; heavy = [m for m in ('numba', 'scipy.optimize', 'sklearn') "
            "if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
