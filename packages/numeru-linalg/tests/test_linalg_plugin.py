"""Registration, the demo section, .nmr round trips and the package layout."""

from __future__ import annotations

import io
import pathlib

import numpy as np
import pytest
import scipy.linalg as sla

import numeru.core as nm
import numeru.linalg as la
from numeru.core import dispatch, plugins
from numeru.linalg import plugin

PACKAGE = pathlib.Path(__file__).resolve().parents[1]


def test_cpu_kernels_are_registered_for_every_lapack_op():
    kernels = plugins.registry("kernels")
    for name in plugin.CPU_KERNELS:
        assert (f"linalg.{name}", "cpu") in kernels
        assert plugins.registry("kernels").provider((f"linalg.{name}", "cpu")) == "numeru-linalg"
        assert dispatch.ops()[f"linalg.{name}"].generic is not None


def test_cpu_kernels_agree_with_the_generic_implementations():
    """Each registered CPU kernel and the op's generic code give the same numbers."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((2, 5, 5)) + 3 * np.eye(5)
    spd = a @ np.swapaxes(a, -1, -2)
    b = rng.standard_normal((2, 5, 2))
    cpu = nm.device("cpu").backend
    cases = {
        "solve": (a, b),
        "inv": (a,),
        "det": (a,),
        "slogdet": (a,),
        "lu_factor": (a,),
        "lu": (a,),
        "cholesky": (spd,),
        "qr": (a,),
        "eigvalsh": (spd,),
        "svdvals": (a,),
        "solve_triangular": (np.triu(a), b),
        "cho_solve": (np.linalg.cholesky(spd), b),
    }
    params = {"cho_solve": {"lower": True}}
    for name, args in cases.items():
        op = dispatch.ops()[f"linalg.{name}"]
        kernel, _ = op.resolve(cpu)
        fast = kernel(*args, **params.get(name, {}))
        slow = op.generic(np, *args, **params.get(name, {}))
        for x, y in zip(
            fast if isinstance(fast, tuple) else (fast,),
            slow if isinstance(slow, tuple) else (slow,),
            strict=True,
        ):
            np.testing.assert_allclose(np.asarray(x), np.asarray(y), atol=1e-10, err_msg=name)


def test_demo_section_runs():
    out = io.StringIO()
    plugins.registry("demos").get("linalg")(out)
    text = out.getvalue()
    assert "solve(a, b)" in text and "singular input" in text


def test_factorizations_round_trip_through_nmr(tmp_path):
    rng = np.random.default_rng(1)
    a = nm.asarray(rng.standard_normal((3, 4, 4)))
    factors = {
        "lu": la.lu_factor(a),
        "qr": la.qr(a),
        "chol": la.cho_factor(nm.asarray(np.eye(4) * 2)),
    }
    path = tmp_path / "factors.nmr"
    nm.save(factors, path)
    back = nm.load(path)
    lu, piv = back["lu"]
    np.testing.assert_array_equal(lu.numpy(), factors["lu"].LU.numpy())
    np.testing.assert_array_equal(piv.numpy(), factors["lu"].pivots.numpy())
    assert piv.dtype == np.int32
    x = la.lu_solve((lu, piv), nm.asarray(np.ones((3, 4, 1))))
    np.testing.assert_allclose(x.numpy(), np.linalg.solve(a.numpy(), np.ones((3, 4, 1))))
    np.testing.assert_array_equal(back["qr"][1].numpy(), factors["qr"].R.numpy())
    c, lower = back["chol"]
    assert lower is False
    np.testing.assert_allclose(c.numpy(), sla.cholesky(np.eye(4) * 2))


def test_no_namespace_init_and_unique_test_names():
    assert not (PACKAGE / "src" / "numeru" / "__init__.py").exists()
    assert not (PACKAGE / "tests" / "__init__.py").exists()
    assert all(p.name.startswith("test_linalg_") for p in (PACKAGE / "tests").glob("test_*.py"))


def test_public_names():
    for name in (
        "cholesky",
        "det",
        "diagonal",
        "eigh",
        "eigvalsh",
        "inv",
        "matmul",
        "matrix_norm",
        "matrix_power",
        "matrix_rank",
        "matrix_transpose",
        "outer",
        "pinv",
        "qr",
        "slogdet",
        "solve",
        "svd",
        "svdvals",
        "tensordot",
        "trace",
        "vecdot",
        "vector_norm",
        "cross",
    ):  # the Array API linalg extension
        assert callable(getattr(la, name)), name
    assert set(la.__all__) <= set(dir(la))


def test_results_are_tensors_on_the_input_device():
    a = nm.asarray(np.eye(3) * 2)
    for result in (la.inv(a), la.det(a), *la.qr(a), *la.svd(a), la.norm(a), la.pinv(a)):
        assert isinstance(result, nm.Tensor) and result.device == a.device


def test_numpy_and_list_inputs_are_accepted():
    np.testing.assert_allclose(la.inv([[2.0, 0.0], [0.0, 4.0]]).numpy(), [[0.5, 0], [0, 0.25]])
    with pytest.raises(nm.errors.DTypeError):
        la.inv([["a", "b"], ["c", "d"]])
