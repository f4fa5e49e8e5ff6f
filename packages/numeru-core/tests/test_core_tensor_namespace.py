"""numeru.core is an Array API 2023.12 namespace: every function, with the standard signature."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import numeru.core as nm

try:
    import array_api_strict as strict
except ImportError:  # the signature checks skip; the NumPy comparisons still run
    strict = None

needs_strict = pytest.mark.skipif(strict is None, reason="array_api_strict is the reference")

_FLAGS = {"get_array_api_strict_flags", "set_array_api_strict_flags",
          "reset_array_api_strict_flags", "ArrayAPIStrictFlags"}


def _standard_functions():
    previous = strict.get_array_api_strict_flags()["api_version"]
    strict.set_array_api_strict_flags(api_version="2023.12")
    try:
        return {name: getattr(strict, name) for name in dir(strict)
                if not name.startswith("_") and name not in _FLAGS
                and inspect.isfunction(getattr(strict, name))}
    finally:
        strict.set_array_api_strict_flags(api_version=previous)


STANDARD = _standard_functions() if strict is not None else {}


@needs_strict
def test_namespace_has_every_standard_function_and_constant():
    missing = sorted(name for name in STANDARD if not hasattr(nm, name))
    assert missing == []
    for name in ("e", "inf", "nan", "newaxis", "pi", "bool", "int8", "uint64", "float32",
                 "complex128", "__array_namespace_info__"):
        assert hasattr(nm, name), name
    assert nm.__array_api_version__ == "2023.12"


@pytest.mark.parametrize("name", sorted(STANDARD))
def test_signature_accepts_what_the_standard_passes(name):
    try:
        theirs = inspect.signature(STANDARD[name])
        mine = inspect.signature(getattr(nm, name))
    except (TypeError, ValueError):
        pytest.skip("no introspectable signature")
    ours = mine.parameters
    for param in theirs.parameters.values():
        if param.kind is param.POSITIONAL_ONLY:
            continue  # the name of a positional-only parameter is not part of the API
        if param.kind is param.VAR_POSITIONAL:
            assert any(p.kind is p.VAR_POSITIONAL for p in ours.values())
            continue
        assert param.name in ours, f"{name}: missing parameter {param.name!r}"
        kinds = {param.kind, param.POSITIONAL_OR_KEYWORD}
        assert ours[param.name].kind in kinds, f"{name}: {param.name!r} has the wrong kind"

_a = np.arange(24.0).reshape(2, 3, 4) - 7.0
_t = nm.asarray(_a)
_ints = np.array([3, 1, 3, 0, 1, 3])
_ti = nm.asarray(_ints)

AGAINST_NUMPY = {
    "moveaxis": (lambda: nm.moveaxis(_t, 0, -1), lambda: np.moveaxis(_a, 0, -1)),
    "expand_dims": (lambda: nm.expand_dims(_t, axis=1), lambda: np.expand_dims(_a, 1)),
    "flip": (lambda: nm.flip(_t, axis=(0, 2)), lambda: np.flip(_a, axis=(0, 2))),
    "roll": (lambda: nm.roll(_t, (1, -2), axis=(1, 2)), lambda: np.roll(_a, (1, -2), (1, 2))),
    "tile": (lambda: nm.tile(_t, (2, 1, 1)), lambda: np.tile(_a, (2, 1, 1))),
    "repeat": (lambda: nm.repeat(_t, 2, axis=2), lambda: np.repeat(_a, 2, axis=2)),
    "concat none": (lambda: nm.concat([_t, _t], axis=None),
                    lambda: np.concatenate([_a, _a], axis=None)),
    "stack": (lambda: nm.stack([_t, _t], axis=-1), lambda: np.stack([_a, _a], axis=-1)),
    "take": (lambda: nm.take(_t, nm.asarray([2, 0]), axis=2), lambda: np.take(_a, [2, 0], 2)),
    "tril": (lambda: nm.tril(_t, k=-1), lambda: np.tril(_a, k=-1)),
    "triu": (lambda: nm.triu(_t, k=1), lambda: np.triu(_a, k=1)),
    "searchsorted": (lambda: nm.searchsorted(nm.asarray([1.0, 2, 3]), _t, side="right"),
                     lambda: np.searchsorted([1.0, 2, 3], _a, side="right")),
    "count_nonzero": (lambda: nm.count_nonzero(_t, axis=1), lambda: np.count_nonzero(_a, 1)),
    "where": (lambda: nm.where(_t > 0, _t, -_t), lambda: np.where(_a > 0, _a, -_a)),
    "matrix_transpose": (lambda: nm.matrix_transpose(_t), lambda: np.swapaxes(_a, -1, -2)),
    "cumulative_prod": (lambda: nm.cumulative_prod(_t, axis=2), lambda: np.cumprod(_a, 2)),
    "diff": (lambda: nm.diff(_t, axis=1, n=2), lambda: np.diff(_a, axis=1, n=2)),
    "isin": (lambda: nm.isin(_ti, nm.asarray([3, 4])), lambda: np.isin(_ints, [3, 4])),
    "unique_values": (lambda: nm.unique_values(_ti), lambda: np.unique(_ints)),
    "round": (lambda: nm.round(_t / 7, decimals=2), lambda: np.round(_a / 7, 2)),
    "clip": (lambda: nm.clip(_t, -3, 4.5), lambda: np.clip(_a, -3, 4.5)),
    "linspace": (lambda: nm.linspace(0, 1, 7, endpoint=False),
                 lambda: np.linspace(0, 1, 7, endpoint=False)),
}


@pytest.mark.parametrize("name", sorted(AGAINST_NUMPY))
def test_namespace_functions_match_numpy(name):
    mine, theirs = AGAINST_NUMPY[name]
    got, expected = mine(), theirs()
    assert got.shape == expected.shape and got.dtype == expected.dtype
    np.testing.assert_array_equal(got.numpy(), expected)


def test_tuple_results_match_numpy():
    for name in ("unique_all", "unique_counts", "unique_inverse"):
        got, expected = getattr(nm, name)(_ti), getattr(np, name)(_ints)
        assert got._fields == expected._fields
        for mine, theirs in zip(got, expected, strict=True):
            np.testing.assert_array_equal(mine.numpy(), theirs)
    for mine, theirs in zip(nm.nonzero(_t > 3), np.nonzero(_a > 3), strict=True):
        np.testing.assert_array_equal(mine.numpy(), theirs)
    for mine, theirs in zip(nm.unstack(_t, axis=1), np.unstack(_a, axis=1), strict=True):
        np.testing.assert_array_equal(mine.numpy(), theirs)
    grids = nm.meshgrid(nm.arange(2), nm.arange(3), indexing="ij")
    for mine, theirs in zip(grids, np.meshgrid(np.arange(2), np.arange(3), indexing="ij"),
                            strict=True):
        np.testing.assert_array_equal(mine.numpy(), theirs)
    shapes = [b.shape for b in nm.broadcast_arrays(nm.ones(3), nm.ones((2, 1)))]
    assert shapes == [(2, 3), (2, 3)]


@needs_strict
def test_tensor_has_every_array_object_attribute_and_method():
    array_type = type(strict.asarray([1.0]))
    names = [n for n in dir(array_type)
             if not n.startswith("_") or (n.startswith("__") and n.endswith("__"))]
    # __buffer__ is array_api_strict's own guard against the buffer protocol.
    missing = sorted(n for n in names if not hasattr(nm.Tensor, n) and n != "__buffer__")
    assert missing == []
