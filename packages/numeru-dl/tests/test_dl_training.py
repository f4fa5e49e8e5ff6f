"""Training end to end on scikit-learn's digits: MLP >= 97% and CNN >= 98% test accuracy,
each well within a minute on two cores; the demo section runs."""

from __future__ import annotations

import io

import numpy as np
import pytest

import numeru.core as nm
import numeru.dl as dl
from numeru.dl.models import CNN, MLP
from numeru.dl.training import accuracy, fit, make_optimizer

datasets = pytest.importorskip("sklearn.datasets")
model_selection = pytest.importorskip("sklearn.model_selection")


def _optimizer(params, lr):
    return make_optimizer("sgd", params, lr=lr, momentum=0.9)


@pytest.fixture(autouse=True)
def one_thread():
    # These small GEMMs gain nothing from a second BLAS thread, and on a shared, loaded
    # machine spinning BLAS threads slow them down tenfold. Results do not depend on it.
    with nm.threads(1):
        yield


@pytest.fixture(scope="module")
def digits():
    data = datasets.load_digits()
    x = (data.images / 16.0).astype(np.float32)
    return model_selection.train_test_split(x, data.target, test_size=0.25, random_state=0,
                                            stratify=data.target)


def test_mlp_reaches_97_percent(digits):
    x_train, x_test, y_train, y_test = digits
    dl.manual_seed(0)
    model = MLP(64, 10, hidden_sizes=(128,))
    losses = fit(model, x_train.reshape(-1, 64), y_train,
                 _optimizer(model.parameters(), 0.05), epochs=20, batch_size=32)
    assert losses[-1] < losses[0] / 5
    assert accuracy(model, x_test.reshape(-1, 64), y_test) >= 0.97


def test_cnn_reaches_98_percent(digits):
    x_train, x_test, y_train, y_test = digits
    dl.manual_seed(0)
    model = CNN(channels=(8, 16), hidden=32)
    fit(model, x_train[:, None], y_train, _optimizer(model.parameters(), 0.05), epochs=6,
        batch_size=32)
    assert accuracy(model, x_test[:, None], y_test) >= 0.98


def test_batchnorm_model_behaves_differently_in_train_and_eval(digits):
    x_train = digits[0][:64, None]
    model = CNN(channels=(4,), hidden=8)
    model.train()
    a = model(nm.asarray(x_train)).numpy()
    model.eval()
    b = model(nm.asarray(x_train)).numpy()
    assert not np.allclose(a, b)  # batch statistics vs running statistics


def test_demo_section_runs():
    from numeru.dl.demo import section

    out = io.StringIO()
    section(out)
    text = out.getvalue()
    assert "test accuracy" in text and "epoch 3/3" in text


def test_numeru_adam_on_a_module_matches_torch_adam():
    torch = pytest.importorskip("torch")
    dl.manual_seed(1)
    ours = MLP(5, 3, hidden_sizes=(4,)).double()
    theirs = torch.nn.Sequential(torch.nn.Linear(5, 4), torch.nn.ReLU(),
                                 torch.nn.Linear(4, 3)).double()
    theirs.load_state_dict({k.removeprefix("layers."): torch.tensor(v.numpy())
                            for k, v in ours.state_dict().items()})
    opt = make_optimizer("adam", ours.parameters(), lr=0.01, weight_decay=0.1)
    topt = torch.optim.Adam(theirs.parameters(), lr=0.01, weight_decay=0.1)
    r = np.random.default_rng(0)
    for _ in range(3):
        x, y = r.standard_normal((6, 5)), r.integers(0, 3, 6)
        opt.zero_grad()
        topt.zero_grad()
        dl.nn.functional.cross_entropy(ours(nm.asarray(x)), nm.asarray(y)).backward()
        torch.nn.functional.cross_entropy(theirs(torch.tensor(x)), torch.tensor(y)).backward()
        opt.step()
        topt.step()
    for (name, p), q in zip(ours.state_dict().items(), theirs.state_dict().values(), strict=True):
        np.testing.assert_allclose(p.numpy(), q.numpy(), rtol=1e-10, atol=1e-12, err_msg=name)


def test_numeru_ml_trainer_fits_a_module_and_resumes(digits, tmp_path):
    from numeru.dl.training import Supervised
    from numeru.ml.data import DataLoader, TensorDataset
    from numeru.ml.train import Trainer

    x_train, x_test, y_train, y_test = digits
    train = DataLoader(TensorDataset(x_train.reshape(-1, 64), y_train), batch_size=32,
                       shuffle=True, seed=0)
    val = DataLoader(TensorDataset(x_test.reshape(-1, 64), y_test), batch_size=256)
    dl.manual_seed(0)
    model = MLP(64, 10, hidden_sizes=(64,))
    trainer = Trainer(Supervised(model), make_optimizer("adam", model.parameters(), lr=3e-3),
                      epochs=8, progress=False)
    history = trainer.fit(train, val)
    assert len(history["val_loss"]) == 8
    assert history["val_loss"][-1] < history["val_loss"][0]
    assert accuracy(model, x_test.reshape(-1, 64), y_test) >= 0.95
    path = tmp_path / "checkpoint.nmr"
    trainer.save_checkpoint(path)
    other = MLP(64, 10, hidden_sizes=(64,))
    resumed = Trainer(Supervised(other), make_optimizer("adam", other.parameters(), lr=3e-3),
                      epochs=8, progress=False)
    with pytest.warns(UserWarning, match="the 8 epochs are already done"):
        resumed.fit(train, val, resume_from=path)  # restores the finished run's weights
    for a, b in zip(model.state_dict().values(), other.state_dict().values(), strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_progress_bar_redraws_on_a_terminal_and_summarises_elsewhere(digits):
    x_train, _, y_train, _ = digits

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    for out, live in ((Terminal(), True), (io.StringIO(), False)):
        model = MLP(64, 10, hidden_sizes=(8,))
        fit(model, x_train[:200].reshape(-1, 64), y_train[:200],
            _optimizer(model.parameters(), 0.05), epochs=2, batch_size=20, progress=out)
        text = out.getvalue()
        assert text.count("\n") == 2 and "epoch 2/2" in text
        assert ("\r" in text) is live
