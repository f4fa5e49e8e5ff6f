"""DataLoader, TensorDataset, collation and splitters (scikit-learn / torch as references)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import model_selection as skms

import numeru.core as nm
from numeru.core.errors import ValidationError
from numeru.ml.data import (
    DataLoader,
    KFold,
    StratifiedKFold,
    Subset,
    TensorDataset,
    default_collate,
    train_test_split,
)

X = np.arange(46, dtype=np.float64).reshape(23, 2)
Y = np.arange(23)


@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize("prefetch", [0, 3])
def test_unshuffled_batches_match_torch(drop_last: bool, prefetch: int) -> None:
    torch = pytest.importorskip("torch")
    ours = DataLoader(TensorDataset(nm.asarray(X), nm.asarray(Y)), batch_size=5,
                      drop_last=drop_last, prefetch=prefetch)
    theirs = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.tensor(X), torch.tensor(Y)), batch_size=5,
        drop_last=drop_last)
    assert len(ours) == len(theirs)
    batches = list(ours)
    assert len(batches) == len(list(theirs))
    for (xb, yb), (tx, ty) in zip(batches, theirs, strict=True):
        np.testing.assert_array_equal(xb.numpy(), tx.numpy())
        np.testing.assert_array_equal(yb.numpy(), ty.numpy())


def test_shuffle_is_a_permutation_deterministic_per_seed_and_epoch() -> None:
    ds = TensorDataset(nm.asarray(X), nm.asarray(Y))
    a = DataLoader(ds, batch_size=4, shuffle=True, seed=11)
    b = DataLoader(ds, batch_size=4, shuffle=True, seed=11, prefetch=0)
    for _ in range(3):
        ya = np.concatenate([yb.numpy() for _, yb in a])
        yb_ = np.concatenate([yb.numpy() for _, yb in b])
        np.testing.assert_array_equal(ya, yb_)
        np.testing.assert_array_equal(np.sort(ya), Y)
    first = np.concatenate([yb.numpy() for _, yb in DataLoader(ds, 4, True, seed=11)])
    second = np.concatenate([yb.numpy() for _, yb in DataLoader(ds, 4, True, seed=12)])
    assert not np.array_equal(first, second)


def test_resume_mid_epoch_gives_the_remaining_batches() -> None:
    ds = TensorDataset(nm.asarray(X), nm.asarray(Y))
    loader = DataLoader(ds, batch_size=3, shuffle=True, seed=5)
    full = [yb.numpy() for _, yb in loader]
    loader2 = DataLoader(ds, batch_size=3, shuffle=True, seed=5)
    it = iter(loader2)
    next(it), next(it)
    state = loader2.state_dict()
    assert state == {"seed": 5, "epoch": 0, "start_batch": 2}
    loader3 = DataLoader(ds, batch_size=3, shuffle=True)
    loader3.load_state_dict(state)
    rest = [yb.numpy() for _, yb in loader3]
    assert len(rest) == len(full) - 2
    for a, b in zip(rest, full[2:], strict=True):
        np.testing.assert_array_equal(a, b)


def test_custom_dataset_and_collate() -> None:
    torch = pytest.importorskip("torch")
    class Squares:
        def __len__(self) -> int:
            return 7

        def __getitem__(self, i: int) -> dict:
            return {"x": np.array([i, i * i], dtype=float), "label": i % 2, "name": f"s{i}"}

    batches = list(DataLoader(Squares(), batch_size=3))
    assert [b["name"] for b in batches][0] == ["s0", "s1", "s2"]
    np.testing.assert_array_equal(batches[1]["x"].numpy(), [[3, 9], [4, 16], [5, 25]])
    np.testing.assert_array_equal(batches[2]["label"].numpy(), [0])
    custom = list(DataLoader(Squares(), batch_size=2, collate_fn=lambda items: len(items)))
    assert custom == [2, 2, 2, 1]
    ref = torch.utils.data.default_collate([(np.ones(2), 1), (np.zeros(2), 2)])
    ours = default_collate([(np.ones(2), 1), (np.zeros(2), 2)])
    np.testing.assert_array_equal(ours[0].numpy(), ref[0].numpy())
    np.testing.assert_array_equal(ours[1].numpy(), ref[1].numpy())
    sub = Subset(TensorDataset(nm.asarray(X)), [4, 2])
    np.testing.assert_array_equal(next(iter(DataLoader(sub, batch_size=2)))[0].numpy(),
                                  X[[4, 2]])


def test_errors_name_the_argument() -> None:
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(TensorDataset(nm.asarray(X)), batch_size=0)
    with pytest.raises(ValueError, match="tensors"):
        TensorDataset(nm.asarray(X), nm.asarray(Y[:5]))
    with pytest.raises(ValueError, match="seed"):
        DataLoader(TensorDataset(nm.asarray(X)), seed=-1)


@pytest.mark.parametrize(("test_size", "train_size"), [(None, None), (0.3, None), (5, None),
                                                        (None, 0.6), (0.2, 0.5)])
def test_train_test_split_sizes_match_sklearn(test_size, train_size) -> None:
    ours = train_test_split(X, Y, test_size=test_size, train_size=train_size, random_state=0)
    ref = skms.train_test_split(X, Y, test_size=test_size, train_size=train_size,
                                random_state=0)
    for a, b in zip(ours, ref, strict=True):
        assert a.shape == b.shape
    x_tr, x_te, y_tr, y_te = ours
    assert not set(y_tr) & set(y_te)
    np.testing.assert_array_equal(x_tr[:, 0] / 2, y_tr)  # rows stay aligned


def test_train_test_split_stratify_shuffle_false_and_tensors() -> None:
    y = np.array([0] * 30 + [1] * 11 + [2] * 19)  # class shares without rounding ties
    x = np.arange(60)
    _, _, y_tr, y_te = train_test_split(x, y, test_size=0.25, stratify=y, random_state=3)
    _, _, r_tr, r_te = skms.train_test_split(x, y, test_size=0.25, stratify=y, random_state=3)
    np.testing.assert_array_equal(np.bincount(y_te), np.bincount(r_te))
    np.testing.assert_array_equal(np.bincount(y_tr), np.bincount(r_tr))
    ours = train_test_split(X, Y, shuffle=False, test_size=0.3)
    ref = skms.train_test_split(X, Y, shuffle=False, test_size=0.3)
    for a, b in zip(ours, ref, strict=True):
        np.testing.assert_array_equal(a, b)
    t_tr, t_te = train_test_split(nm.asarray(X), test_size=0.3, random_state=0)
    assert isinstance(t_tr, nm.Tensor) and t_te.shape == (7, 2)


@pytest.mark.parametrize("sizes", [{"test_size": 2}, {"train_size": 2}])
def test_stratified_sets_smaller_than_the_number_of_classes_are_refused(sizes) -> None:
    x, y = np.arange(15), np.repeat([0, 1, 2], 5)
    with pytest.raises(ValueError, match="greater or equal to the number of classes"):
        skms.train_test_split(x, y, stratify=y, random_state=0, **sizes)
    name = next(iter(sizes))
    with pytest.raises(ValidationError, match=rf"{name}: expected a set of at least 3 samples"):
        train_test_split(x, y, stratify=y, random_state=0, **sizes)
    assert [len(part) for part in train_test_split(x, y, stratify=y, random_state=0,
                                                   **{name: 3})][:2] == (
        [3, 12] if name == "train_size" else [12, 3])


def test_kfold_and_stratified_kfold_match_sklearn_without_shuffle() -> None:
    y = np.array([2, 0, 1, 1, 0, 2, 2, 1, 0, 0, 1, 2, 2, 0, 1, 1, 0, 2, 1, 0, 0, 1, 2])
    for ours, ref in ((KFold(4), skms.KFold(4)), (StratifiedKFold(3), skms.StratifiedKFold(3))):
        for (a_tr, a_te), (b_tr, b_te) in zip(ours.split(X, y), ref.split(X, y), strict=True):
            np.testing.assert_array_equal(a_tr, b_tr)
            np.testing.assert_array_equal(a_te, b_te)
    shuffled = list(StratifiedKFold(3, shuffle=True, random_state=0).split(X, y))
    tests = np.concatenate([te for _, te in shuffled])
    np.testing.assert_array_equal(np.sort(tests), np.arange(23))
    ref_counts = [np.bincount(y[te], minlength=3) for _, te in
                  skms.StratifiedKFold(3, shuffle=True, random_state=0).split(X, y)]
    ours_counts = [np.bincount(y[te], minlength=3) for _, te in shuffled]
    np.testing.assert_array_equal(sorted(map(tuple, ours_counts)),
                                  sorted(map(tuple, ref_counts)))
