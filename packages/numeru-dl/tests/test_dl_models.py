"""Registered models (mlp, cnn), .nmr artifacts of models and state dicts, package layout."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import numeru.core as nm
from numeru.core import nmr
from numeru.dl import nn
from numeru.dl.datasets import load_digits
from numeru.dl.models import CNN, MLP

torch = pytest.importorskip("torch")


def test_models_are_registered_and_buildable():
    mlp = nm.build({"model": "mlp", "params": {"in_features": 64, "out_features": 10,
                                              "hidden_sizes": [32, 16]}})
    assert isinstance(mlp, MLP)
    assert [p.shape for p in mlp.parameters()] == [(32, 64), (32,), (16, 32), (16,), (10, 16),
                                                   (10,)]
    cnn = nm.build({"model": "cnn", "params": {"channels": [4, 8, 8], "image_size": 8}})
    assert isinstance(cnn, CNN)
    assert cnn(nm.asarray(np.zeros((2, 1, 8, 8), dtype=np.float32))).shape == (2, 10)


def test_mlp_forward_matches_torch_with_copied_weights():
    ours = MLP(6, 3, hidden_sizes=(5, 4), activation="tanh").double()
    theirs = torch.nn.Sequential(torch.nn.Linear(6, 5), torch.nn.Tanh(), torch.nn.Linear(5, 4),
                                 torch.nn.Tanh(), torch.nn.Linear(4, 3)).double()
    theirs.load_state_dict({k.removeprefix("layers."): torch.tensor(v.numpy())
                            for k, v in ours.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((4, 6))
    np.testing.assert_allclose(ours(nm.asarray(x)).numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), atol=1e-12)


def test_whole_model_round_trips_through_nmr(tmp_path: Path):
    model = CNN(channels=(4, 8), hidden=16, dropout=0.1)
    model.train()
    model(nm.asarray(np.random.default_rng(1).random((8, 1, 8, 8), dtype=np.float32)))
    path = tmp_path / "cnn.nmr"
    nm.save(model, path)
    loaded = nm.load(path)
    assert isinstance(loaded, CNN) and loaded.channels == (4, 8) and loaded.dropout == 0.1
    pairs = zip(model.state_dict().items(), loaded.state_dict().items(), strict=True)
    for (k, a), (k2, b) in pairs:
        assert k == k2
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    x = nm.asarray(np.random.default_rng(2).random((3, 1, 8, 8), dtype=np.float32))
    model.eval()
    loaded.eval()
    np.testing.assert_array_equal(model(x).numpy(), loaded(x).numpy())


def test_float64_model_round_trips_through_nmr_without_losing_precision(tmp_path: Path):
    """A model cast with ``.double()`` comes back in float64 with the same numbers (as a
    pickled PyTorch model would), not rounded to the float32 defaults of its constructor."""
    model = MLP(3, 2, hidden_sizes=(4,)).double()
    model.layers[0].weight.data[...] += 1e-12  # not representable in float32
    path = tmp_path / "mlp64.nmr"
    nm.save(model, path)
    loaded = nm.load(path)
    for (k, a), b in zip(model.state_dict().items(), loaded.state_dict().values(), strict=True):
        assert b.dtype == a.dtype, k
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    x = nm.asarray(np.random.default_rng(3).standard_normal((2, 3)))
    np.testing.assert_array_equal(model(x).numpy(), loaded(x).numpy())


def test_state_dict_round_trips_through_nmr(tmp_path: Path):
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    path = tmp_path / "state.nmr"
    nm.save(model.state_dict(), path)
    other = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    other.load_state_dict(nmr.load(path))
    for a, b in zip(model.state_dict().values(), other.state_dict().values(), strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_bundled_digits_match_scikit_learn():
    sklearn_datasets = pytest.importorskip("sklearn.datasets")
    images, target = load_digits()
    ref = sklearn_datasets.load_digits()
    np.testing.assert_allclose(images * 16.0, ref.images)
    np.testing.assert_array_equal(target, ref.target)


def test_no_namespace_init_file():
    src = Path(__file__).resolve().parents[1] / "src" / "numeru"
    assert not (src / "__init__.py").exists()


def test_model_errors_name_the_argument():
    with pytest.raises(ValueError, match="activation"):
        MLP(4, 2, activation="swish")
    with pytest.raises(ValueError, match="channels"):
        CNN(channels=())


def test_keep_freed_memory_is_available_on_linux():
    import subprocess
    import sys

    # In a child process: the setting is process-wide and must not leak into other tests.
    code = "import numeru.dl as dl; print(dl.keep_freed_memory())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == str(sys.platform.startswith("linux"))
