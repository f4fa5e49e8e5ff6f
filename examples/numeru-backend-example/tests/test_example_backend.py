"""The third-party backend, used only through numeru.core and its entry point.

Nothing here imports numeru_backend_example: the point is that an installed distribution with
an entry point is enough. The backend runs generic code on array-api-strict, so these tests
also prove that numeru's generic implementations use only the standard namespace.
"""

from __future__ import annotations

import numpy as np
import pytest

import numeru.core as nm
from numeru.core import plugins
from numeru.core.errors import DeviceError, DTypeError


def strict(values, dtype=None):
    return nm.asarray(values, dtype=dtype, device="strict")


def test_backend_and_kernel_come_from_the_entry_point():
    assert nm.registry("backends").provider("strict") == "numeru-backend-example"
    assert nm.registry("kernels").provider(("vecdot", "strict")) == "numeru-backend-example"
    info = {i.name: i for i in plugins.plugin_info()}["numeru-backend-example"]
    assert info.error is None and info.distribution == "numeru-backend-example"


def test_devices_are_usable_and_distinct():
    assert str(nm.device("strict")) == "strict:0"
    assert nm.device("strict:2").index == 2
    with pytest.raises(DeviceError, match="strict index in"):
        nm.device("strict:7")


def test_arithmetic_matches_numpy():
    a = np.linspace(-2.0, 3.0, 12).reshape(3, 4)
    b = np.arange(4.0) + 0.5
    x, y = strict(a), strict(b)
    np.testing.assert_allclose((x * y + 1.0).numpy(), a * b + 1.0)
    np.testing.assert_allclose(nm.exp(x).numpy(), np.exp(a))
    np.testing.assert_allclose(nm.sum(x, axis=0).numpy(), a.sum(axis=0))
    np.testing.assert_allclose(nm.mean(x, axis=1, keepdims=True).numpy(),
                               a.mean(axis=1, keepdims=True))
    np.testing.assert_allclose(nm.matmul(x, nm.reshape(y, (4, 1))).numpy(), a @ b[:, None])


def test_mixed_kinds_promote_like_numpy():
    # array-api-strict refuses int + float; numeru promotes before calling it.
    ints, floats = strict([1, 2, 3]), strict([0.5, 0.5, 0.5])
    result = ints + floats
    assert result.dtype == nm.float64
    assert result.tolist() == [1.5, 2.5, 3.5]


def test_the_registered_kernel_runs_and_agrees_with_numpy():
    a = np.arange(6.0).reshape(2, 3)
    out = nm.vecdot(strict(a), strict(a))
    np.testing.assert_allclose(out.numpy(), (a * a).sum(axis=-1))


def test_out_is_filled_without_native_out_support():
    x = strict([1.0, 2.0, 3.0])
    out = nm.empty((3,), device="strict")
    result = nm.add(x, x, out=out)
    assert result is out
    assert out.tolist() == [2.0, 4.0, 6.0]
    with pytest.raises(DTypeError, match="out: expected dtype float64"):
        nm.add(x, x, out=nm.empty((3,), dtype=nm.float32, device="strict"))


def test_views_sort_and_search():
    x = strict([3.0, 1.0, 2.0, 1.0])
    assert x[1:3].tolist() == [1.0, 2.0]
    assert nm.sort(x).tolist() == [1.0, 1.0, 2.0, 3.0]
    assert nm.argsort(x, descending=True).tolist() == [0, 2, 1, 3]
    assert nm.argmax(x).item() == 0


def test_moving_between_devices_is_explicit():
    x = strict([1.0, 2.0])
    on_cpu = x.to("cpu")
    assert on_cpu.device == nm.device("cpu") and on_cpu.tolist() == [1.0, 2.0]
    assert on_cpu.to("strict:1").device == nm.device("strict:1")
    with pytest.raises(DeviceError, match="different devices"):
        x + on_cpu
    with pytest.raises(DeviceError, match="different devices"):
        x + on_cpu.to("strict:1")
    with pytest.raises(DeviceError, match="implicit conversion"):
        np.asarray(x)


def test_unsupported_dtype_is_refused():
    with pytest.raises(DTypeError, match="array-api-strict supports"):
        strict([1.0], dtype=nm.bfloat16)


def test_default_device_scope_applies_to_creation():
    with nm.device("strict:1"):
        z = nm.zeros((2, 2))
        a = nm.arange(3)
    assert z.device == nm.device("strict:1") and a.device == nm.device("strict:1")
    assert nm.zeros((1,)).device == nm.device("cpu")


def test_numeru_plugins_lists_the_eight_packages_and_the_example(capsys):
    from numeru.core.cli import main

    assert main(["plugins", "--strict"]) == 0
    listed = {line.split(":")[0] for line in capsys.readouterr().out.splitlines()
              if line and not line.startswith(" ")}
    assert {f"numeru-{p}" for p in ("core", "linalg", "ml", "trees", "dl", "gen", "cuda", "rag")
            } | {"numeru-backend-example"} <= listed
