"""numeru-ml's README: its python examples run as written and print what the README shows
(``run_readme`` in the root conftest.py), and its ``numeru train`` configuration trains."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

import numeru.core as nm
from numeru.core.cli import main

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_examples(run_readme):
    # One namespace: later blocks may use the first block's data and imports.
    run_readme(README)


def test_readme_train_config(readme_blocks, tmp_path, monkeypatch):
    """The README's TOML, as written, trains a ridge on a train.csv beside it."""
    configs = [b for b in readme_blocks(README) if b.language == "toml"]
    assert len(configs) == 1
    (tmp_path / "config.toml").write_text(configs[0].code)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 3))
    y = X @ np.array([1.0, -1.0, 2.0]) + 0.01 * rng.normal(size=50)
    np.savetxt(tmp_path / "train.csv", np.c_[X, y], delimiter=",", header="a,b,c,y",
               comments="")
    monkeypatch.chdir(tmp_path.parent)  # paths in the config are relative to the config file
    assert main(["train", str(tmp_path / "config.toml")]) == 0
    model = nm.load(tmp_path / "model.nmr")
    assert type(model).__name__ == "Ridge" and model.alpha == 0.5
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["n_train"] == 40 and metrics["n_test"] == 10
    assert metrics["test_r2"] > 0.9
