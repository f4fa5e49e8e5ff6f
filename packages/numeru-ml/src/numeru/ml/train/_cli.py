"""``numeru train CONFIG.toml``: train any registered model on a data file.

```toml
[model]
name = "ridge"                 # any name in the models registry
params = { alpha = 0.5 }

[data]
path = "train.csv"             # .csv (header optional), .npy (2-D) or .nmr
target = "y"                   # CSV column name, or a column index (default: the last)
test_size = 0.2                # held out for the reported metrics (0: none)
random_state = 0

[output]
model = "model.nmr"            # written atomically with nm.save
metrics = "metrics.json"
```

A ``.nmr`` data file holds either a 2-D array (target in a column, as for .npy) or a dict
with arrays ``X`` and ``y``. Relative paths are relative to the config file. The metrics are
the model's ``score`` (R^2 for regressors, accuracy for classifiers) on the train and test
parts, plus the sample counts and the fit time.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import tomllib
from typing import Any

import numpy as np

from numeru.core.cli import Command
from numeru.core.errors import FormatError, ValidationError, expected
from numeru.core.nmr import atomic_file


def _resolve(base: str, path: str) -> str:
    return path if os.path.isabs(path) else os.path.join(base, path)


def _split_target(table: np.ndarray, target: Any, names: list[str] | None) -> tuple[Any, Any]:
    if table.ndim != 2 or table.shape[1] < 2:
        raise expected("data.path", "a 2-D table with at least 2 columns (features + target)",
                       f"shape {table.shape}", error=FormatError)
    if target is None:
        index = table.shape[1] - 1
    elif isinstance(target, str):
        if not names or target not in names:
            raise expected("data.target", f"a column name among {names or '(no header)'}",
                           target)
        index = names.index(target)
    elif isinstance(target, int) and not isinstance(target, bool):
        n_columns = table.shape[1]
        if not -n_columns <= target < n_columns:
            # An out-of-range index must not wrap around to another column.
            raise expected("data.target", f"a column index in [{-n_columns}, {n_columns - 1}] "
                           f"(the table has {n_columns} columns)", target)
        index = target % n_columns
    else:
        raise expected("data.target", "a column name or index", target)
    keep = [j for j in range(table.shape[1]) if j != index]
    return table[:, keep], table[:, index]


def load_table(path: str, target: Any) -> tuple[np.ndarray, np.ndarray]:
    """(X, y) from a .csv, .npy or .nmr file (see the module docstring)."""
    import numeru.core as nm
    from numeru.core.validation import to_numpy

    suffix = os.path.splitext(path)[1].lower()
    if not os.path.exists(path):
        raise expected("data.path", "an existing file", path)
    if suffix == ".csv":
        with open(path, encoding="utf-8") as file:
            first = file.readline().strip().split(",")
        try:
            [float(v) for v in first]
            names = None
        except ValueError:
            names = [n.strip().strip('"') for n in first]
        try:
            table = np.loadtxt(path, delimiter=",", skiprows=0 if names is None else 1,
                               ndmin=2)
        except ValueError as exc:
            raise expected("data.path", f"a CSV file of numbers below an optional header "
                           f"(encode string columns and labels as numbers first): {path}",
                           str(exc), error=FormatError) from None
        return _split_target(table, target, names)
    if suffix == ".npy":
        return _split_target(np.load(path, allow_pickle=False), target, None)
    if suffix == ".nmr":
        content = nm.load(path)
        if isinstance(content, dict):
            if "X" not in content or "y" not in content:
                raise expected("data.path", "a .nmr dict with 'X' and 'y'", sorted(content),
                               error=FormatError)
            return np.asarray(to_numpy(content["X"])), np.asarray(to_numpy(content["y"]))
        return _split_target(np.asarray(to_numpy(content)), target, None)
    raise expected("data.path", "a .csv, .npy or .nmr file", path, error=FormatError)


def train_from_config(config_path: str) -> dict[str, Any]:
    """Run the training a config describes; returns the metrics it wrote."""
    import numeru.core as nm

    from ..data import train_test_split

    try:
        with open(config_path, "rb") as file:
            config = tomllib.load(file)
    except tomllib.TOMLDecodeError as exc:
        raise expected("CONFIG", "a valid TOML file", f"{config_path}: {exc}",
                       error=FormatError) from None
    base = os.path.dirname(os.path.abspath(config_path))
    for section in ("model", "data"):
        if not isinstance(config.get(section), dict):
            raise expected("CONFIG", f"a [{section}] table", sorted(config))
    model_cfg, data_cfg = config["model"], config["data"]
    output = config.get("output", {})
    if "name" not in model_cfg or "path" not in data_cfg:
        raise expected("CONFIG", "model.name and data.path", {**model_cfg, **data_cfg})
    model = nm.build({"model": model_cfg["name"], "params": model_cfg.get("params", {})})
    X, y = load_table(_resolve(base, data_cfg["path"]), data_cfg.get("target"))
    test_size = data_cfg.get("test_size", 0.2)
    is_classifier = getattr(model, "_estimator_type", None) == "classifier"
    if test_size:
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=test_size, random_state=data_cfg.get("random_state", 0),
            stratify=y if is_classifier and data_cfg.get("stratify", True) else None)
    else:
        X_train, y_train, X_test, y_test = X, y, None, None
    start = time.perf_counter()
    model.fit(X_train, y_train)
    metrics: dict[str, Any] = {"model": model_cfg["name"], "n_train": int(X_train.shape[0]),
                               "fit_seconds": time.perf_counter() - start}
    metric_name = "accuracy" if is_classifier else "r2"
    if hasattr(model, "score"):
        metrics[f"train_{metric_name}"] = float(model.score(X_train, y_train))
        if X_test is not None:
            metrics["n_test"] = int(X_test.shape[0])
            metrics[f"test_{metric_name}"] = float(model.score(X_test, y_test))
    model_path = _resolve(base, output.get("model", "model.nmr"))
    nm.save(model, model_path, metadata={"config": os.path.basename(config_path)})
    metrics_path = _resolve(base, output.get("metrics", "metrics.json"))
    with atomic_file(metrics_path) as file:  # all or nothing, as the model file
        file.write(json.dumps(metrics, indent=2).encode("utf-8"))
    return {**metrics, "model_path": model_path, "metrics_path": metrics_path}


def _run(args: argparse.Namespace) -> int:
    try:
        result = train_from_config(args.config)
    except OSError as exc:
        raise ValidationError(f"CONFIG: could not read or write a file: {exc}") from None
    shown = {k: v for k, v in result.items() if k not in ("model_path", "metrics_path")}
    print(json.dumps(shown, indent=2))
    print(f"model written to {result['model_path']}, metrics to {result['metrics_path']}")
    return 0


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", help="a TOML file with [model], [data] and [output] tables")


COMMAND = Command("train a registered model on a CSV, .npy or .nmr file from a TOML config",
                  _run, _configure)
