"""Gradient rules of numeru.linalg ops against PyTorch (float64) and finite differences."""

from __future__ import annotations

import numpy as np
import pytest

import numeru.core as nm
import numeru.dl as dl

la = pytest.importorskip("numeru.linalg")
torch = pytest.importorskip("torch")


def _spd(r, n=3):
    m = r.standard_normal((n, n))
    return m @ m.T + n * np.eye(n)


def _well(r, n=3):
    return r.standard_normal((n, n)) + 3 * np.eye(n)


CASES = {
    "inv": (la.inv, torch.linalg.inv, [_well]),
    "solve": (la.solve, torch.linalg.solve, [_well, lambda r: r.standard_normal((3, 2))]),
    "det": (la.det, torch.linalg.det, [_well]),
    "slogdet": (lambda a: la.slogdet(a).logabsdet, lambda a: torch.linalg.slogdet(a)[1],
                [_well]),
    "cholesky": (la.cholesky, torch.linalg.cholesky, [_spd]),
    "cholesky_upper": (lambda a: la.cholesky(a, upper=True),
                       lambda a: torch.linalg.cholesky(a, upper=True), [_spd]),
    "trace": (lambda a: la.trace(a, offset=1), lambda a: torch.diagonal(a, 1).sum(), [_well]),
    "diagonal": (lambda a: la.diagonal(a, offset=-1) ** 2,
                 lambda a: torch.diagonal(a, -1) ** 2, [_well]),
    "outer": (la.outer, torch.outer, [lambda r: r.standard_normal(3),
                                      lambda r: r.standard_normal(4)]),
    "solve_triangular_lower": (lambda a, b: la.solve_triangular(a, b, lower=True),
                               lambda a, b: torch.linalg.solve_triangular(a.tril(), b,
                                                                          upper=False),
                               [_well, lambda r: r.standard_normal((3, 2))]),
    "solve_triangular_upper_trans_unit": (
        lambda a, b: la.solve_triangular(a, b, trans=1, unit_diagonal=True),
        lambda a, b: torch.linalg.solve_triangular(a.triu().mT, b, upper=False,
                                                   unitriangular=True),
        [_well, lambda r: r.standard_normal((3, 2))]),
    "matrix_power": (lambda a: la.matrix_power(a, 3), lambda a: torch.linalg.matrix_power(a, 3),
                     [_well]),
    "matrix_power_negative": (lambda a: la.matrix_power(a, -2),
                              lambda a: torch.linalg.matrix_power(a, -2), [_well]),
    "eigvalsh": (la.eigvalsh, torch.linalg.eigvalsh, [_spd]),
    "svdvals": (la.svdvals, torch.linalg.svdvals, [lambda r: r.standard_normal((4, 3))]),
    "cross": (la.cross, lambda a, b: torch.linalg.cross(a, b),
              [lambda r: r.standard_normal((2, 3)), lambda r: r.standard_normal((2, 3))]),
}


def _symmetrised(name, fn):
    # Cholesky reads one triangle: differentiate through a symmetric parametrisation, as
    # PyTorch's own gradcheck of cholesky does.
    if name.startswith(("cholesky", "eigvalsh")):
        return lambda a: fn((a + nm.matrix_transpose(a)) * 0.5)
    return fn


@pytest.mark.parametrize("name", sorted(CASES))
def test_linalg_rule_matches_torch(name):
    fn, tfn, makers = CASES[name]
    r = np.random.default_rng(0)
    arrays = [m(r) for m in makers]
    xs = [nm.asarray(a.copy(), requires_grad=True) for a in arrays]
    ts = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    sym = _symmetrised(name, fn)
    tsym = (lambda a: tfn((a + a.mT) * 0.5)) if name.startswith(("cholesky", "eigvalsh")) \
        else tfn
    y, yt = sym(*xs), tsym(*ts)
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    seed = np.random.default_rng(1).standard_normal(tuple(yt.shape))
    y.backward(nm.asarray(seed))
    yt.backward(torch.tensor(seed))
    for x, t in zip(xs, ts, strict=True):
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", sorted(CASES))
def test_linalg_rule_matches_finite_differences(name):
    fn, _, makers = CASES[name]
    r = np.random.default_rng(2)
    xs = [nm.asarray(m(r), requires_grad=True) for m in makers]
    assert dl.gradcheck(_symmetrised(name, fn), xs)
