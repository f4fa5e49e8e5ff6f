"""sort/argsort with NaN against PyTorch; clip's dtype rule (bfloat16 included) against NumPy."""

from __future__ import annotations

import warnings

import ml_dtypes
import numpy as np
import pytest

import numeru.core as nm

BF16 = np.dtype(ml_dtypes.bfloat16)

# -- clip --------------------------------------------------------------------------------------

_DTYPES = ["bool", "int8", "uint8", "int16", "float16", "bfloat16", "float32", "float64"]
_BOUNDS = [None, 1, 1.7, True, *_DTYPES]


def _dtype(name: str) -> np.dtype:
    return BF16 if name == "bfloat16" else np.dtype(name)


def _bound(spec, value):
    if isinstance(spec, str):
        return nm.asarray(np.array([value]).astype(_dtype(spec)))
    return spec


def _as_float16(spec):
    """The NumPy stand-in of a bound: bfloat16 promotes as if it were float16 (README table)."""
    if spec is None or not isinstance(spec, str):
        return spec
    return np.zeros(1, dtype=np.float16 if spec == "bfloat16" else _dtype(spec))


def _float64(bound):
    if bound is None:
        return None
    return np.asarray(bound.numpy() if isinstance(bound, nm.Tensor) else bound, np.float64)


def _reference_dtype(x: str, low, high) -> np.dtype:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = np.clip(np.zeros(4, dtype=np.float16 if x == "bfloat16" else _dtype(x)),
                        _as_float16(low), _as_float16(high)).dtype
    has_bf16 = "bfloat16" in (x, low, high)
    has_f16 = "float16" in (x, low, high)
    if has_bf16 and found == np.float16:
        return np.dtype(np.float32) if has_f16 else BF16
    return found


@pytest.mark.parametrize("x", _DTYPES)
def test_clip_dtype_and_values_follow_the_promotion_table(x):
    """clip promotes as maximum/minimum do (NumPy's result with bfloat16 as float16, mapped
    back); values are NumPy's float64 clip cast to that dtype. ml_dtypes' own np.clip gives
    float32 for bfloat16 with two bounds or with Python scalars."""
    data = np.array([0, 1, 2, 3])
    t = nm.asarray(data.astype(_dtype(x)))
    for low in _BOUNDS:
        for high in _BOUNDS:
            if low is None and high is None:
                continue
            lo, hi = _bound(low, 1), _bound(high, 2)
            if "bfloat16" not in (x, low, high) and not (x == "float16" and low == 1.7):
                continue  # NumPy's own dtypes: covered by the namespace tests
            want = _reference_dtype(x, low, high)
            got = nm.clip(t, lo, hi)
            assert got.dtype == want, (x, low, high)
            if t.dtype.kind == "f" or t.dtype == BF16:
                # Chained binary ops agree with the joint promotion when x is floating (an
                # integer x meeting a Python float first becomes float64, in NumPy as well).
                via_binary = t
                if lo is not None:
                    via_binary = nm.maximum(via_binary, lo)
                if hi is not None:
                    via_binary = nm.minimum(via_binary, hi)
                assert got.dtype == via_binary.dtype, (x, low, high)
            expected = np.clip(t.numpy().astype(np.float64), _float64(lo),
                               _float64(hi)).astype(want)
            np.testing.assert_array_equal(got.numpy().astype(np.float64),
                                          expected.astype(np.float64))


def test_clip_bfloat16_scalars_method_in_place_and_out():
    a = np.array([0.5, 1.0, 2.0, 3.0], dtype=BF16)
    expected = np.minimum(np.maximum(a, np.asarray(1.5, BF16)), np.asarray(2.5, BF16))
    for result in (nm.clip(nm.asarray(a), 1.5, 2.5), nm.asarray(a).clamp(1.5, 2.5),
                   nm.asarray(a).clip_(1.5, 2.5),
                   nm.clip(nm.asarray(a), 1.5, 2.5, out=nm.empty(4, dtype=nm.bfloat16))):
        assert result.dtype == BF16
        np.testing.assert_array_equal(result.numpy(), expected)
    with pytest.raises(nm.errors.DTypeError, match="out: expected dtype bfloat16"):
        nm.clip(nm.asarray(a), 1.5, 2.5, out=nm.empty(4, dtype=nm.float32))


@pytest.mark.parametrize("dtype", ["bool", "int8", "bfloat16", "float32"])
def test_clip_without_bounds_returns_a_copy_of_x(dtype):
    """The standard: with both bounds None the elements are x's (NumPy refuses bool)."""
    t = nm.asarray(np.array([0, 1, 1, 0]).astype(_dtype(dtype)))
    for result in (nm.clip(t), nm.clip(t, out=nm.empty(4, dtype=t.dtype))):
        assert result.dtype == t.dtype
        np.testing.assert_array_equal(result.numpy(), t.numpy())
        assert not np.shares_memory(result.numpy(), t.numpy())


# -- sort --------------------------------------------------------------------------------------

_VALUES = np.array([np.nan, -np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 2.0])


@pytest.mark.parametrize("dtype", ["float64", "float32", "float16", "bfloat16"])
@pytest.mark.parametrize("descending", [False, True])
def test_sort_places_nan_as_the_largest_value_like_torch(dtype, descending):
    """NaN sorts as the largest value: last ascending (NumPy), first descending
    (``torch.sort(descending=True)``); -0.0 equals 0.0; the order is stable both ways."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    for _ in range(30):
        a = rng.choice(_VALUES, size=(3, 7)).astype(_dtype(dtype))
        for axis in (0, 1):
            t = nm.asarray(a)
            order = nm.argsort(t, axis=axis, descending=descending).numpy()
            values = nm.sort(t, axis=axis, descending=descending).numpy()
            ta = torch.from_numpy(a.astype(np.float32)).to(getattr(torch, dtype))
            tv, ti = torch.sort(ta, dim=axis, descending=descending, stable=True)
            np.testing.assert_array_equal(order, ti.numpy())
            np.testing.assert_array_equal(values.astype(np.float32), tv.float().numpy())
            if not descending:
                np.testing.assert_array_equal(order, np.argsort(a, axis=axis, stable=True))
