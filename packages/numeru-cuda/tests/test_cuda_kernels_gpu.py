"""The kernels on a GPU against the CPU: random bits, softmax, cross-entropy, linalg, and an
MLP trained on both devices. Every test is marked cuda and skipped where no GPU is usable."""

from __future__ import annotations

import numpy as np
import pytest

import numeru.core as nm
from numeru.core.errors import LinAlgError
from numeru.core.random import ops as core_ops
from numeru.core.random.philox import KNOWN_ANSWERS

pytestmark = pytest.mark.cuda

KAT = KNOWN_ANSWERS  # Random123's known answers for Philox4x32-10


def _same_bits(got: np.ndarray, expected: np.ndarray) -> None:
    assert got.dtype == expected.dtype and got.shape == expected.shape
    unsigned = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}[got.dtype.itemsize]
    np.testing.assert_array_equal(np.ascontiguousarray(got).view(unsigned),
                                  np.ascontiguousarray(expected).view(unsigned))


# -- random bits -------------------------------------------------------------------------------

@pytest.mark.parametrize("counter, key, expected", KAT)
def test_known_answers_through_a_generator_on_cuda(counter, key, expected):
    gen = nm.random.Generator.from_state({"key": list(key), "counter": list(counter)},
                                         device="cuda")
    raw = gen.random_raw(4)
    assert raw.device.type == "cuda"
    assert raw.numpy().tolist() == list(expected)


@pytest.mark.parametrize("key, counter", [((0, 0), (0, 0)), ((0xDEADBEEF, 0x12345678),
                                                              (2**64 - 3, 5))])
@pytest.mark.parametrize("n", [1, 3, 1000, 300_001])
def test_each_random_kernel_gives_the_generic_bits(key, counter, n):
    import cupy

    from numeru.cuda._kernels import philox

    _same_bits(cupy.asnumpy(philox.bits_kernel(key=key, counter=counter, n_blocks=n)),
               core_ops._bits_generic(np, key=key, counter=counter, n_blocks=n))
    for dtype_name in ("float64", "float32"):
        _same_bits(cupy.asnumpy(philox.uniform_kernel(key=key, counter=counter, n=n,
                                                      dtype_name=dtype_name, low=-1.0,
                                                      scale=3.0)),
                   core_ops._uniform_generic(np, key=key, counter=counter, n=n,
                                             dtype_name=dtype_name, low=-1.0, scale=3.0))
        _same_bits(cupy.asnumpy(philox.normal_kernel(key=key, counter=counter, n=n,
                                                     dtype_name=dtype_name, loc=0.5,
                                                     scale=2.0)),
                   core_ops._normal_generic(np, key=key, counter=counter, n=n,
                                            dtype_name=dtype_name, loc=0.5, scale=2.0))
    values, accepted = philox.lemire_kernel(key=key, counter=counter, n=n, span=1000,
                                            threshold=(2**32 - 1000) % 1000, offset=5)
    ref_values, ref_accepted = core_ops._lemire_generic(
        np, key=key, counter=counter, n=n, span=1000, threshold=(2**32 - 1000) % 1000, offset=5)
    np.testing.assert_array_equal(cupy.asnumpy(values), ref_values)
    np.testing.assert_array_equal(cupy.asnumpy(accepted), ref_accepted)


@pytest.mark.parametrize("seed", [0, 7, 2**63 + 5])
def test_a_generator_on_cuda_draws_the_cpu_bits_call_after_call(seed):
    def draws(gen):
        return [gen.random_raw(9), gen.random(1001), gen.random((3, 5), dtype=np.float32),
                gen.uniform(-2.0, 3.0, 77), gen.normal(size=1003),
                gen.normal(1.5, 0.25, (31, 3), dtype=np.float32), gen.integers(0, 10, 170),
                gen.integers(-5, 2**40, 60), gen.integers(0, 2**32, 90, endpoint=True),
                gen.bernoulli(0.3, 120), gen.permutation(130), gen.choice(500, 60, replace=False),
                gen.choice(4, 80, p=[0.1, 0.2, 0.3, 0.4]), gen.standard_normal(5)]

    on_gpu = draws(nm.random.Generator(seed, device="cuda"))
    on_cpu = draws(nm.random.Generator(seed, device="cpu"))
    for got, expected in zip(on_gpu, on_cpu, strict=True):
        assert got.device.type == "cuda"
        _same_bits(got.numpy(), expected.numpy())


# -- softmax -----------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype, rtol", [("float64", 1e-12), ("float32", 1e-5),
                                         ("float16", 1e-2)])
@pytest.mark.parametrize("shape, axis", [((64, 10), -1), ((3, 1000), 1), ((4, 5, 6), 0),
                                         ((2, 3, 300), 1), ((7,), 0)])
def test_softmax_kernels_match_the_cpu(dtype, rtol, shape, axis):
    pytest.importorskip("numeru.dl")
    from numeru.dl.nn import functional as F

    a = (np.random.default_rng(1).normal(size=shape) * 20).astype(dtype)
    for fn in (F.softmax, F.log_softmax):
        got = fn(nm.asarray(a, device="cuda"), axis)
        assert got.device.type == "cuda" and got.dtype == np.dtype(dtype)
        np.testing.assert_allclose(got.numpy().astype(np.float64),
                                   fn(nm.asarray(a), axis).numpy().astype(np.float64),
                                   rtol=rtol, atol=rtol)


CE_OPTIONS = {
    "plain": ((256, 10), {}, False),
    "weights_ignore_smoothing": ((300, 1000), {"label_smoothing": 0.1, "ignore_index": 3}, True),
    "spatial_none": ((4, 7, 5, 6), {"reduction": "none", "label_smoothing": 0.2}, True),
    "sum_wide": ((3, 70000), {"reduction": "sum"}, False),
}


# float16: the kernels compute in float32, the CPU's generic code in float16 itself.
@pytest.mark.parametrize("dtype, rtol", [("float64", 1e-12), ("float32", 1e-5),
                                         ("float16", 2e-2)])
@pytest.mark.parametrize("case", sorted(CE_OPTIONS))
def test_cross_entropy_kernels_and_gradient_match_the_cpu(dtype, rtol, case):
    """F.cross_entropy runs the fused op: its CUDA kernels (forward and backward) against
    numeru-dl's CPU op, loss and gradient."""
    pytest.importorskip("numeru.dl")
    from numeru.dl.nn import functional as F

    shape, options, weighted = CE_OPTIONS[case]
    rng = np.random.default_rng(2)
    logits = (rng.normal(size=shape) * 5).astype(dtype)
    target = rng.integers(0, shape[1], (shape[0], *shape[2:]))
    weight = rng.uniform(0.5, 2.0, shape[1]).astype(dtype) if weighted else None
    results = []
    for device in ("cuda", "cpu"):
        x = nm.asarray(logits, device=device).requires_grad_()
        w = None if weight is None else nm.asarray(weight, device=device)
        loss = F.cross_entropy(x, nm.asarray(target, device=device), w, **options)
        assert loss.grad_fn.name == "cross_entropy" and loss.dtype == np.dtype(dtype)
        nm.sum(loss).backward()
        assert x.grad.device.type == device and x.grad.dtype == np.dtype(dtype)
        results.append((loss.numpy().astype(np.float64), x.grad.numpy().astype(np.float64)))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=rtol, atol=rtol)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=rtol, atol=rtol)


def test_the_cuda_cross_entropy_kernels_are_the_ones_that_run(monkeypatch):
    pytest.importorskip("numeru.dl")
    from numeru.cuda._kernels import softmax as kernels
    from numeru.dl.nn import functional as F

    calls = []
    launch = kernels._gpu_launch
    monkeypatch.setattr(kernels, "_gpu_launch", lambda name, *a: (calls.append(name),
                                                                   launch(name, *a)))
    x = nm.asarray(np.ones((4, 3), dtype=np.float32), device="cuda").requires_grad_()
    F.cross_entropy(x, nm.asarray(np.array([0, 1, 2, 1]), device="cuda")).backward()
    assert calls == ["nm_cross_entropy_f32", "nm_cross_entropy_backward_f32"]


# -- linalg ------------------------------------------------------------------------------------

def _spd(rng, n, batch=()):
    a = rng.normal(size=(*batch, n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


@pytest.mark.parametrize("dtype, rtol", [("float64", 1e-9), ("float32", 2e-3)])
def test_linalg_on_cuda_matches_the_cpu(dtype, rtol):
    la = pytest.importorskip("numeru.linalg")
    rng = np.random.default_rng(3)
    a = rng.normal(size=(40, 40)).astype(dtype)
    stack = rng.normal(size=(3, 12, 12)).astype(dtype)
    b = rng.normal(size=(40, 3)).astype(dtype)
    spd = _spd(rng, 40).astype(dtype)
    tall = rng.normal(size=(50, 20)).astype(dtype)
    lower = np.tril(a) + 40 * np.eye(40, dtype=dtype)
    calls = {
        "solve": lambda d: la.solve(d(a), d(b)),
        "solve stack": lambda d: la.solve(d(stack), d(stack[..., :2])),
        "inv": lambda d: la.inv(d(stack)),
        "det": lambda d: la.det(d(stack)),
        "slogdet": lambda d: la.slogdet(d(a)),
        "lu_factor + lu_solve": lambda d: la.lu_solve(la.lu_factor(d(a)), d(b)),
        "lu": lambda d: la.lu(d(a)),
        "solve_triangular": lambda d: la.solve_triangular(d(lower), d(b), lower=True),
        "solve_triangular T": lambda d: la.solve_triangular(d(lower), d(b), lower=True,
                                                            trans="T"),
        "cholesky": lambda d: la.cholesky(d(spd)),
        "cholesky upper": lambda d: la.cholesky(d(spd), upper=True),
        "cho_solve": lambda d: la.cho_solve(la.cho_factor(d(spd)), d(b)),
        "eigvalsh": lambda d: la.eigvalsh(d(spd)),
        "svdvals": lambda d: la.svdvals(d(tall)),
        "lstsq": lambda d: la.lstsq(d(tall), d(tall[:, :2]))[0],
        "gemm": lambda d: la.gemm(d(a), d(b), alpha=2.0),
        "gemm T": lambda d: la.gemm(d(a), d(a), alpha=0.5, trans_b=True),
    }
    for name, call in calls.items():
        got = call(lambda x: nm.asarray(x, device="cuda"))
        expected = call(lambda x: nm.asarray(x))
        parts = (got, expected) if isinstance(got, nm.Tensor) else (tuple(got), tuple(expected))
        for g, e in zip(*(p if isinstance(p, tuple) else (p,) for p in parts), strict=True):
            assert g.device.type == "cuda", name
            np.testing.assert_allclose(g.numpy(), e.numpy(), rtol=rtol, atol=rtol, err_msg=name)


def test_decompositions_on_cuda_reconstruct_their_matrix():
    la = pytest.importorskip("numeru.linalg")
    rng = np.random.default_rng(4)
    a = rng.normal(size=(30, 20))
    q, r = la.qr(nm.asarray(a, device="cuda"))
    np.testing.assert_allclose((q @ r).numpy(), a, atol=1e-10)
    u, s, vh = la.svd(nm.asarray(a, device="cuda"), full_matrices=False)
    np.testing.assert_allclose(((u * s[None, :]) @ vh).numpy(), a, atol=1e-10)
    spd = _spd(rng, 20)
    w, v = la.eigh(nm.asarray(spd, device="cuda"))
    np.testing.assert_allclose(((v * w[None, :]) @ v.mT).numpy(), spd, atol=1e-9)


def test_linalg_inputs_cublas_would_refuse_or_misread_give_the_cpu_results():
    """Empty matrices (cuBLAS and cuSOLVER refuse a leading dimension of 0) and int64 pivots
    (cuSOLVER's getrs reads int32) are handled before they reach CuPy."""
    la = pytest.importorskip("numeru.linalg")
    rng = np.random.default_rng(8)
    a, b = rng.normal(size=(5, 5)), rng.normal(size=(5, 2))
    upper = np.triu(a) + 5 * np.eye(5)
    lu_, piv = (t.numpy() for t in la.lu_factor(nm.asarray(a)))
    calls = {
        "lu_solve int64 pivots": lambda d: la.lu_solve((d(lu_), d(piv.astype(np.int64))), d(b)),
        "lu_solve int64 pivots T": lambda d: la.lu_solve((d(lu_), d(piv.astype(np.int64))),
                                                         d(b), trans="T"),
        "solve_triangular C": lambda d: la.solve_triangular(d(upper), d(b), trans="C"),
        "solve_triangular 0x0": lambda d: la.solve_triangular(d(np.empty((0, 0))),
                                                              d(np.empty((0, 2)))),
        "solve_triangular no columns": lambda d: la.solve_triangular(d(upper),
                                                                     d(np.empty((5, 0)))),
        "cho_solve 0x0": lambda d: la.cho_solve((d(np.empty((2, 0, 0))), True),
                                                d(np.empty((0, 3)))),
        "gemm k=0": lambda d: la.gemm(d(np.empty((4, 0))), d(np.empty((0, 3))),
                                      d(np.ones((4, 3))), alpha=2.0, beta=0.5),
    }
    for name, call in calls.items():
        got = call(lambda x: nm.asarray(x, device="cuda"))
        expected = call(lambda x: nm.asarray(x))
        assert got.device.type == "cuda", name
        np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-12, atol=1e-12,
                                   err_msg=name)
    # no rows: the CPU kernel (SciPy's BLAS) refuses these, so against NumPy
    c = nm.ones((0, 3), device="cuda")
    la.gemm(nm.asarray(np.empty((0, 4)), device="cuda"), nm.ones((4, 3), device="cuda"), c,
            beta=2.0)
    assert c.shape == (0, 3)
    p, low, up = la.lu(nm.asarray(np.empty((2, 3, 0)), device="cuda"))
    assert (p.shape, low.shape, up.shape) == ((2, 3, 3), (2, 3, 0), (2, 0, 0))
    np.testing.assert_array_equal(p.numpy(), np.broadcast_to(np.eye(3), (2, 3, 3)))


def test_gemm_accumulates_into_c_in_place_on_cuda():
    la = pytest.importorskip("numeru.linalg")
    rng = np.random.default_rng(5)
    a, b, c = (rng.normal(size=(33, 17)), rng.normal(size=(17, 9)), rng.normal(size=(33, 9)))
    target = nm.asarray(c.copy(), device="cuda")
    pointer = target.data_ptr()
    la.gemm(nm.asarray(a, device="cuda"), nm.asarray(b, device="cuda"), target, alpha=2.0,
            beta=0.5)
    assert target.data_ptr() == pointer
    np.testing.assert_allclose(target.numpy(), 2.0 * a @ b + 0.5 * c, rtol=1e-12)
    # 'C' (cuBLAS's OP_C, which cupy.cublas spells 'H') on complex operands, into a C-ordered c
    za = a + 1j * rng.normal(size=a.shape)
    zc = c + 1j * rng.normal(size=c.shape)
    target = nm.asarray(zc.copy(), device="cuda")
    la.gemm(nm.asarray(za.conj().T.copy(), device="cuda"), nm.asarray(b + 0j, device="cuda"),
            target, alpha=2.0, beta=0.5, trans_a="C")
    np.testing.assert_allclose(target.numpy(), 2.0 * za @ b + 0.5 * zc, rtol=1e-12)
    # c is also an operand: as if the operands were copied first
    x = rng.normal(size=(9, 9))
    both = nm.asarray(x.copy(), device="cuda")
    la.gemm(nm.asarray(x, device="cuda"), both, both, beta=1.0, trans_b="T")
    np.testing.assert_allclose(both.numpy(), x @ x.T + x, rtol=1e-12)


def test_singular_and_indefinite_matrices_raise_as_on_the_cpu():
    la = pytest.importorskip("numeru.linalg")
    singular = np.array([[[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0], [2.0, 4.0]]])
    for device in ("cuda", "cpu"):
        with pytest.raises(LinAlgError, match=r"a\[1\] is singular") as info:
            la.solve(nm.asarray(singular, device=device), nm.ones((2, 2, 1), device=device))
        assert info.value.batch_index == (1,)
    # the batched inverse (cuBLAS getriBatched) and the 2-D cuSOLVER paths too
    calls = {"inv stack": lambda d: la.inv(nm.asarray(singular, device=d)),
             "inv": lambda d: la.inv(nm.asarray(singular[1], device=d)),
             "solve": lambda d: la.solve(nm.asarray(singular[1], device=d), nm.ones(2, device=d))}
    for name, call in calls.items():
        messages = []
        for device in ("cuda", "cpu"):
            with pytest.raises(LinAlgError, match="singular") as info:
                call(device)
            messages.append(str(info.value))
        assert messages[0] == messages[1], name
    indefinite = np.diag([2.0, 1.0, -1.0])
    messages = []
    for device in ("cuda", "cpu"):
        with pytest.raises(LinAlgError, match="not positive definite") as info:
            la.cholesky(nm.asarray(indefinite, device=device))
        messages.append(str(info.value))
    assert messages[0] == messages[1]


# -- training ----------------------------------------------------------------------------------

def test_an_mlp_trained_50_steps_on_cuda_matches_the_cpu_run():
    pytest.importorskip("numeru.dl")
    from numeru.dl import nn
    from numeru.dl.nn import functional as F
    from numeru.dl.training import make_optimizer

    rng = np.random.default_rng(6)
    x_host = rng.normal(size=(256, 20)).astype(np.float32)
    y_host = (x_host[:, :3].argmax(axis=1)).astype(np.int64)
    nm.random.seed(0)
    cpu_model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(),
                              nn.Linear(64, 3))
    gpu_model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(),
                              nn.Linear(64, 3))
    gpu_model.load_state_dict(cpu_model.state_dict())
    gpu_model.to("cuda")
    runs = []
    for model, device in ((cpu_model, "cpu"), (gpu_model, "cuda")):
        opt = make_optimizer("adam", model.parameters(), lr=1e-2)
        x, y = nm.asarray(x_host, device=device), nm.asarray(y_host, device=device)
        losses = []
        for step in range(50):
            batch = slice(64 * (step % 4), 64 * (step % 4 + 1))
            opt.zero_grad()
            loss = F.cross_entropy(model(x[batch]), y[batch])
            loss.backward()
            opt.step()
            losses.append(loss.item())
        runs.append((losses, {k: v.numpy() for k, v in model.state_dict().items()}))
    (cpu_losses, cpu_params), (gpu_losses, gpu_params) = runs
    assert all(p.device.type == "cuda" for p in gpu_model.parameters())
    assert cpu_losses[-1] < cpu_losses[0]
    np.testing.assert_allclose(gpu_losses, cpu_losses, atol=1e-4, rtol=0)
    for name, value in cpu_params.items():
        np.testing.assert_allclose(gpu_params[name], value, atol=1e-4, rtol=0, err_msg=name)
