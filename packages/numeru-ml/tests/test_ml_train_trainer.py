"""Trainer: convergence against a closed-form reference, callbacks, and exact resume."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression as SkLogistic
from sklearn.linear_model import Ridge as SkRidge

import numeru.core as nm
from numeru.ml import optim
from numeru.ml.data import DataLoader, TensorDataset
from numeru.ml.train import (
    Callback,
    EarlyStopping,
    History,
    LinearModule,
    MetricLogger,
    ModelCheckpoint,
    Trainer,
)

RNG = np.random.default_rng(0)
X = RNG.normal(size=(120, 4))
Y_REG = X @ np.array([1.0, -2.0, 0.5, 3.0]) + 0.3 + 0.1 * RNG.normal(size=120)
Y_CLS = np.argmax(X[:, :3] + 0.3 * RNG.normal(size=(120, 3)), axis=1)


def _loader(y: np.ndarray, seed: int = 0, batch_size: int = 16) -> DataLoader:
    return DataLoader(TensorDataset(nm.asarray(X), nm.asarray(y)), batch_size=batch_size,
                      shuffle=True, seed=seed)


def test_full_batch_training_reaches_the_ridge_solution() -> None:
    model = LinearModule(4, loss="squared_error", l2=0.01)
    opt = optim.LBFGS(model.parameters(), max_iter=200, line_search_fn="strong_wolfe",
                      tolerance_grad=1e-12, tolerance_change=1e-14)
    batch = (nm.asarray(X), nm.asarray(Y_REG))
    opt.step(lambda: model.batch_loss(batch))
    # mean squared error / 2 + l2/2 ||w||^2 (bias free) = Ridge(alpha = l2 * n)
    ref = SkRidge(alpha=0.01 * 120).fit(X, Y_REG)
    np.testing.assert_allclose(model.weight.numpy()[0], ref.coef_, rtol=1e-6)
    np.testing.assert_allclose(model.bias.numpy()[0], ref.intercept_, rtol=1e-6)


def test_trainer_with_adam_reaches_the_logistic_optimum() -> None:
    model = LinearModule(4, 3, loss="cross_entropy", l2=1.0 / 120)
    opt = optim.Adam(model.parameters(), lr=0.1)
    sched = optim.lr_scheduler.ExponentialLR(opt, gamma=0.99)
    history = Trainer(model, opt, epochs=500, scheduler=sched, progress=False).fit(
        DataLoader(TensorDataset(nm.asarray(X), nm.asarray(Y_CLS)), batch_size=120))
    ref = SkLogistic(C=1.0, tol=1e-10, max_iter=1000).fit(X, Y_CLS)
    # the direction that shifts every class equally is only curved by the tiny L2 term and
    # converges slowly: compare centred coefficients and the probabilities
    w = model.weight.numpy()
    np.testing.assert_allclose(w - w.mean(axis=0), ref.coef_ - ref.coef_.mean(axis=0),
                               atol=5e-3)
    z = X @ w.T + model.bias.numpy()
    proba = np.exp(z - z.max(axis=1, keepdims=True))
    proba /= proba.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(proba, ref.predict_proba(X), atol=2e-3)
    assert history["loss"][-1] < history["loss"][0]
    assert history["lr"][1] == pytest.approx(0.1 * 0.99)


def test_a_second_fit_warns_that_nothing_is_left_and_more_epochs_train_on() -> None:
    model = LinearModule(4, loss="squared_error")
    trainer = Trainer(model, optim.SGD(model.parameters(), lr=0.05), epochs=2, progress=False)
    trainer.fit(_loader(Y_REG))
    weights = model.weight.numpy().copy()
    with pytest.warns(UserWarning, match="the 2 epochs are already done"):
        history = trainer.fit(_loader(Y_REG))
    np.testing.assert_array_equal(model.weight.numpy(), weights)  # nothing trained
    trainer.epochs = 3
    history = trainer.fit(_loader(Y_REG))
    assert len(history["loss"]) == 3 and not np.array_equal(model.weight.numpy(), weights)


class Crash(Callback):
    """Simulates a killed process: raises after a given optimizer step."""

    def __init__(self, at_step: int | None) -> None:
        self.at_step = at_step

    def on_batch_end(self, trainer, step, loss) -> None:
        if step == self.at_step:
            raise KeyboardInterrupt


def _run(tmp_path, *, crash_at: int | None = None, resume: str | None = None,
         every_n_steps: int | None = None):
    model = LinearModule(4, 3, loss="cross_entropy", seed=1)
    opt = optim.AdamW(model.parameters(), lr=0.05, amsgrad=True)
    sched = optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=8 * 8)
    callbacks = [Crash(crash_at), EarlyStopping("val_loss", patience=100),
                 MetricLogger(),
                 ModelCheckpoint(tmp_path / "ckpt.nmr", every_n_steps=every_n_steps)]
    trainer = Trainer(model, opt, epochs=8, scheduler=sched, scheduler_interval="step",
                      callbacks=callbacks, progress=False)
    val = DataLoader(TensorDataset(nm.asarray(X[:40]), nm.asarray(Y_CLS[:40])), batch_size=40)
    history = trainer.fit(_loader(Y_CLS, seed=7), val, resume_from=resume)
    return model, history, callbacks


@pytest.mark.parametrize("every_n_steps", [None, 5])
def test_exact_resume_after_a_kill(tmp_path, every_n_steps: int | None) -> None:
    reference, ref_history, _ = _run(tmp_path,
                                     every_n_steps=every_n_steps)
    crashed_dir = tmp_path / "crashed"
    crashed_dir.mkdir()
    with pytest.raises(KeyboardInterrupt):
        _run(crashed_dir, crash_at=29, every_n_steps=every_n_steps)  # mid-epoch 4
    resumed, history, callbacks = _run(crashed_dir, resume=str(crashed_dir / "ckpt.nmr"),
                                       every_n_steps=every_n_steps)
    np.testing.assert_array_equal(resumed.weight.numpy(), reference.weight.numpy())
    np.testing.assert_array_equal(resumed.bias.numpy(), reference.bias.numpy())
    assert history["loss"] == ref_history["loss"]
    assert history["lr"] == ref_history["lr"]
    assert len(callbacks[2].records) == 8


def test_early_stopping_restores_best_weights_and_logger_writes_json(tmp_path) -> None:
    model = LinearModule(4, loss="squared_error")
    opt = optim.SGD(model.parameters(), lr=0.5)  # too large: the loss diverges
    stopper = EarlyStopping("loss", patience=2, restore_best_weights=True)
    log_path = tmp_path / "log.jsonl"
    history = Trainer(model, opt, epochs=50, callbacks=[stopper, MetricLogger(log_path)],
                      progress=False).fit(_loader(Y_REG, batch_size=120))
    assert stopper.stopped_epoch is not None and len(history["loss"]) < 50
    best = int(np.argmin(history["loss"]))
    assert stopper.best == history["loss"][best]
    lines = [json.loads(line) for line in log_path.read_text().splitlines()]
    assert [line["epoch"] for line in lines] == history["epoch"]


def _blow_up_run(epochs: int, callbacks=(), model=None):
    """Full-batch SGD whose rate jumps 6x at epoch 3: val_loss is best at epoch 2, then
    grows (no early stop with a large patience)."""
    model = model or LinearModule(4)
    opt = optim.SGD(model.parameters(), lr=0.5)
    sched = optim.lr_scheduler.LambdaLR(opt, lambda e: 1.0 if e < 3 else 6.0)
    full = DataLoader(TensorDataset(nm.asarray(X), nm.asarray(Y_REG)), batch_size=120)
    history = Trainer(model, opt, epochs=epochs, scheduler=sched, callbacks=list(callbacks),
                      progress=False).fit(full, full)
    return model, history


def test_restore_best_weights_also_when_all_epochs_run() -> None:
    """Keras 3: with restore_best_weights the best epoch's weights are put back at the end of
    training whether or not it stopped early."""
    stopper = EarlyStopping(patience=100, restore_best_weights=True)
    model, history = _blow_up_run(6, [stopper])
    assert stopper.stopped_epoch is None and len(history["val_loss"]) == 6
    best = int(np.argmin(history["val_loss"]))
    assert best == 2
    reference, _ = _blow_up_run(best + 1)  # the weights at the end of the best epoch
    np.testing.assert_array_equal(model.weight.numpy(), reference.weight.numpy())
    np.testing.assert_array_equal(model.bias.numpy(), reference.bias.numpy())


def test_best_weights_are_a_snapshot_even_for_array_state_dicts() -> None:
    """A model whose state_dict() hands out its live arrays still gets its best weights back
    (the snapshot is a copy, not an alias of the weights that keep training)."""

    class ArrayState(LinearModule):
        def state_dict(self):
            return {"weight": self.weight.data, "bias": self.bias.data}

    stopper = EarlyStopping(patience=100, restore_best_weights=True)
    model, _ = _blow_up_run(6, [stopper], model=ArrayState(4))
    reference, _ = _blow_up_run(3)
    np.testing.assert_array_equal(model.weight.numpy(), reference.weight.numpy())


def test_iterating_the_train_loader_elsewhere_keeps_the_data_order() -> None:
    """Epoch e always sees the permutation (seed, e): metrics computed on the training loader,
    or the training loader used for validation, must not shift the next epochs' order."""

    def weights(metrics=None, validate_on_train=False):
        model = LinearModule(4)
        loader = _loader(Y_REG, seed=3)
        Trainer(model, optim.SGD(model.parameters(), lr=0.05), epochs=3, metrics=metrics,
                progress=False).fit(loader, loader if validate_on_train else None)
        return model.weight.numpy()

    plain = weights()
    np.testing.assert_array_equal(
        weights(metrics={"batches": lambda m, loader: float(len(list(loader)))}), plain)
    np.testing.assert_array_equal(weights(validate_on_train=True), plain)


def test_resume_reproduces_a_shuffled_validation_loader(tmp_path) -> None:
    """val_loss from a shuffled val loader with a short last batch depends on the order: after
    a resume it must equal the uninterrupted run's (it drives ReduceLROnPlateau)."""

    def run(directory, crash_at=None, resume=None):
        model = LinearModule(4, seed=3)
        opt = optim.Adam(model.parameters(), lr=0.05)
        sched = optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0, factor=0.5)
        val = DataLoader(TensorDataset(nm.asarray(X[:50]), nm.asarray(Y_REG[:50])),
                         batch_size=7, shuffle=True, seed=3)
        trainer = Trainer(model, opt, epochs=6, scheduler=sched, progress=False,
                          callbacks=[Crash(crash_at), ModelCheckpoint(directory / "c.nmr")])
        return model, trainer.fit(_loader(Y_REG, seed=7), val, resume_from=resume)

    reference, ref_history = run(tmp_path)
    crashed = tmp_path / "crashed"
    crashed.mkdir()
    with pytest.raises(KeyboardInterrupt):
        run(crashed, crash_at=20)  # in epoch 2; the last checkpoint is from epoch 1
    resumed, history = run(crashed, resume=crashed / "c.nmr")
    assert history["val_loss"] == ref_history["val_loss"]
    assert history["lr"] == ref_history["lr"]
    np.testing.assert_array_equal(resumed.weight.numpy(), reference.weight.numpy())


def test_metric_logger_file_has_each_epoch_once_after_a_resume(tmp_path) -> None:
    """The interrupted run logged epochs past its last checkpoint; the resumed run logs them
    again, and the file must read like the uninterrupted run's."""

    def run(directory, crash_at=None, resume=None):
        model = LinearModule(4)
        trainer = Trainer(model, optim.SGD(model.parameters(), lr=0.05), epochs=5,
                          progress=False,
                          callbacks=[Crash(crash_at), MetricLogger(directory / "log.jsonl"),
                                     ModelCheckpoint(directory / "c.nmr", every_n_epochs=2)])
        trainer.fit(_loader(Y_REG), resume_from=resume)
        return (directory / "log.jsonl").read_text()

    reference = run(tmp_path)
    crashed = tmp_path / "crashed"
    crashed.mkdir()
    with pytest.raises(KeyboardInterrupt):
        run(crashed, crash_at=28)  # in epoch 3: epochs 0-2 logged, checkpoint after epoch 1
    assert len((crashed / "log.jsonl").read_text().splitlines()) == 3
    assert run(crashed, resume=crashed / "c.nmr") == reference


def test_an_epoch_without_batches_is_an_error() -> None:
    """A loss of 0.0 for an empty epoch would look like a perfect model to EarlyStopping and
    ModelCheckpoint: an empty training or validation loader is refused instead."""
    tiny = DataLoader(TensorDataset(nm.asarray(X[:5]), nm.asarray(Y_REG[:5])), batch_size=16,
                      drop_last=True)
    model = LinearModule(4)
    trainer = Trainer(model, optim.SGD(model.parameters(), lr=0.05), epochs=2, progress=False)
    with pytest.raises(ValueError, match="train_loader.*at least one batch"):
        trainer.fit(tiny)
    with pytest.raises(ValueError, match="val_loader.*at least one batch"):
        Trainer(model, optim.SGD(model.parameters(), lr=0.05), epochs=2,
                progress=False).fit(_loader(Y_REG), tiny)


def test_history_plot_or_clear_error(tmp_path) -> None:
    history = History()
    history.log(0, {"loss": 2.0, "val_loss": 2.5})
    history.log(1, {"loss": 1.0, "val_loss": 1.5})
    assert history.last() == {"epoch": 1, "loss": 1.0, "val_loss": 1.5}
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match="pip install matplotlib"):
            history.plot()
        return
    fig = history.plot(path=tmp_path / "curves.png")
    assert (tmp_path / "curves.png").exists()
    assert len(fig.axes[0].lines) == 2


def test_trainer_errors_name_the_argument() -> None:
    model = LinearModule(4)
    with pytest.raises(ValueError, match="optimizer"):
        Trainer(model, object())
    with pytest.raises(ValueError, match="epochs"):
        Trainer(model, optim.SGD(model.parameters(), lr=0.1), epochs=0)
    with pytest.raises(ValueError, match="model"):
        Trainer(object(), optim.SGD(model.parameters(), lr=0.1))
    with pytest.raises(ValueError, match="scheduler_interval.*'epoch' or 'step'.*'batch'"):
        Trainer(model, optim.SGD(model.parameters(), lr=0.1), scheduler_interval="batch")
    with pytest.raises(ValueError, match="clip_grad_norm.*positive.*-1"):
        Trainer(model, optim.SGD(model.parameters(), lr=0.1), clip_grad_norm=-1.0)
    with pytest.raises(ValueError, match="min_delta.*>= 0.*-0.1"):
        EarlyStopping(min_delta=-0.1)


def test_loss_fn_and_metrics_with_a_plain_parameter_model() -> None:
    """Any object with parameters() trains when a loss_fn fills the gradients."""

    class TwoParams:
        def __init__(self) -> None:
            self.w = nm.asarray(np.zeros(4))
            self.b = nm.asarray(np.zeros(1))

        def parameters(self):
            return [self.w, self.b]

    def loss_fn(model, batch):
        xb, yb = batch[0].numpy(), batch[1].numpy()
        r = xb @ model.w.numpy() + model.b.numpy()[0] - yb
        model.w.grad = nm.asarray(xb.T @ r / len(r))
        model.b.grad = nm.asarray(np.array([r.mean()]))
        return 0.5 * float(r @ r) / len(r)

    model = TwoParams()
    opt = optim.SGD(model.parameters(), lr=0.3, momentum=0.5)
    full = DataLoader(TensorDataset(nm.asarray(X), nm.asarray(Y_REG)), batch_size=120)
    history = Trainer(model, opt, epochs=300, loss_fn=loss_fn, progress=False,
                      metrics={"r2": lambda m, loader: 1.0}).fit(full, full)
    ref = SkRidge(alpha=1e-12).fit(X, Y_REG)
    np.testing.assert_allclose(model.w.numpy(), ref.coef_, rtol=1e-6)
    assert history["val_loss"][-1] == pytest.approx(history["loss"][-1], rel=1e-3)
    assert history["r2"] == [1.0] * 300


def test_progress_bar_and_best_only_checkpoints(tmp_path, capsys) -> None:
    model = LinearModule(4, loss="squared_error")
    opt = optim.SGD(model.parameters(), lr=0.05)
    checkpoint = ModelCheckpoint(tmp_path / "best-{epoch}.nmr", monitor="loss",
                                 save_best_only=True)
    history = Trainer(model, opt, epochs=3, callbacks=[checkpoint], progress=True).fit(
        _loader(Y_REG))
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == ["best-0.nmr", "best-1.nmr", "best-2.nmr"]  # the loss kept improving
    assert checkpoint.best == history["loss"][-1]
    saved = nm.load(tmp_path / "best-2.nmr")
    np.testing.assert_array_equal(saved["model"]["weight"].numpy(), model.weight.numpy())
    assert saved["position"]["epoch"] == 3 and saved["position"]["batch"] == 0


@pytest.mark.parametrize("loss", ["squared_error", "log_loss", "cross_entropy"])
def test_training_on_another_backend_matches_cpu(loss: str) -> None:
    """Data, model, optimizer and loader on the array-api-strict example backend give the
    CPU's weights exactly."""
    if "strict" not in nm.registry("backends").names():
        pytest.skip("the example 'strict' backend (examples/numeru-backend-example) is not "
                    "installed")
    target = Y_REG if loss == "squared_error" else (Y_CLS > 0).astype(np.int64) \
        if loss == "log_loss" else Y_CLS
    weights = []
    for device in (None, nm.device("strict")):
        Xt, yt = nm.asarray(X), nm.asarray(target)
        if device is not None:
            Xt, yt = Xt.to(device), yt.to(device)
        model = LinearModule(4, 3 if loss == "cross_entropy" else 1, loss=loss, device=device)
        loader = DataLoader(TensorDataset(Xt, yt), batch_size=16, shuffle=True, seed=3)
        Trainer(model, optim.Adam(model.parameters(), lr=0.05), epochs=3,
                progress=False).fit(loader)
        assert model.weight.device == Xt.device
        weights.append(model.weight.numpy())
    np.testing.assert_array_equal(weights[1], weights[0])
