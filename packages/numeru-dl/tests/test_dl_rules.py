"""Every gradient rule against PyTorch (float64, 1e-6) and against finite differences."""

from __future__ import annotations

import numpy as np
import pytest

import numeru.core as nm
import numeru.dl as dl
from numeru.dl.nn import functional as F

torch = pytest.importorskip("torch")


def _pos(shape):
    return lambda r: r.uniform(0.5, 2.0, shape)


def _unit(shape):
    return lambda r: r.uniform(-0.9, 0.9, shape)


def _any(shape):
    return lambda r: r.standard_normal(shape)


def _gt1(shape):
    return lambda r: r.uniform(1.2, 3.0, shape)


def _distinct(shape):
    """Values far apart, so max/min/sort have no ties that finite differences would cross."""
    def make(r):
        n = int(np.prod(shape))
        return (r.permutation(n).reshape(shape) * 0.37 + r.uniform(-0.1, 0.1, shape))
    return make


S = (3, 4)
T = torch

# name: (numeru function, torch function, input makers)
CASES = {
    "negative": (lambda a: -a, lambda a: -a, [_any(S)]),
    "positive": (lambda a: +a, lambda a: +a, [_any(S)]),
    "abs": (nm.abs, T.abs, [_distinct(S)]),
    "exp": (nm.exp, T.exp, [_any(S)]),
    "expm1": (nm.expm1, T.expm1, [_any(S)]),
    "log": (nm.log, T.log, [_pos(S)]),
    "log1p": (nm.log1p, T.log1p, [_pos(S)]),
    "log2": (nm.log2, T.log2, [_pos(S)]),
    "log10": (nm.log10, T.log10, [_pos(S)]),
    "sqrt": (nm.sqrt, T.sqrt, [_pos(S)]),
    "square": (nm.square, T.square, [_any(S)]),
    "sin": (nm.sin, T.sin, [_any(S)]),
    "cos": (nm.cos, T.cos, [_any(S)]),
    "tan": (nm.tan, T.tan, [_unit(S)]),
    "asin": (nm.asin, T.asin, [_unit(S)]),
    "acos": (nm.acos, T.acos, [_unit(S)]),
    "atan": (nm.atan, T.atan, [_any(S)]),
    "sinh": (nm.sinh, T.sinh, [_any(S)]),
    "cosh": (nm.cosh, T.cosh, [_any(S)]),
    "tanh": (nm.tanh, T.tanh, [_any(S)]),
    "asinh": (nm.asinh, T.asinh, [_any(S)]),
    "acosh": (nm.acosh, T.acosh, [_gt1(S)]),
    "atanh": (nm.atanh, T.atanh, [_unit(S)]),
    "floor": (nm.floor, T.floor, [_any(S)]),
    "ceil": (nm.ceil, T.ceil, [_any(S)]),
    "round": (nm.round, T.round, [_any(S)]),
    "trunc": (nm.trunc, T.trunc, [_any(S)]),
    "sign": (nm.sign, T.sign, [_any(S)]),
    "reciprocal": (nm.reciprocal, T.reciprocal, [_pos(S)]),
    "diff": (lambda a: nm.diff(a, axis=1, n=2) ** 2, lambda a: T.diff(a, n=2, dim=1) ** 2,
             [_any((3, 5))]),
    "diff_prepend": (lambda a: nm.diff(a, axis=0, prepend=nm.asarray(np.ones((1, 4)))) ** 2,
                     lambda a: T.diff(a, dim=0, prepend=T.ones((1, 4), dtype=T.float64)) ** 2,
                     [_any(S)]),
    "add": (nm.add, T.add, [_any(S), _any((4,))]),
    "subtract": (nm.subtract, T.sub, [_any((2, 1, 4)), _any((3, 1))]),
    "multiply": (nm.multiply, T.mul, [_any(S), _any((1, 4))]),
    "divide": (nm.divide, T.div, [_any(S), _pos((3, 1))]),
    "pow": (nm.pow, T.pow, [_pos(S), _any(S)]),
    "pow_scalar": (lambda a: a ** 3, lambda a: a ** 3, [_any(S)]),
    "rpow_scalar": (lambda a: 2.0 ** a, lambda a: 2.0 ** a, [_any(S)]),
    "scalar_ops": (lambda a: (3.0 - a) / 2.0 * a + 1.5, lambda a: (3.0 - a) / 2.0 * a + 1.5,
                   [_any(S)]),
    "atan2": (nm.atan2, T.atan2, [_any(S), _pos(S)]),
    "hypot": (nm.hypot, T.hypot, [_pos(S), _pos(S)]),
    "logaddexp": (nm.logaddexp, T.logaddexp, [_any(S), _any(S)]),
    "maximum": (nm.maximum, T.maximum, [_distinct(S), _distinct(S)]),
    "minimum": (nm.minimum, T.minimum, [_distinct(S), _distinct(S)]),
    "maximum_ties": (lambda a: nm.maximum(a, a * 1.0), lambda a: T.maximum(a, a * 1.0),
                     [_any(S)]),
    "copysign": (nm.copysign, T.copysign, [_distinct(S), _distinct(S)]),
    "remainder": (nm.remainder, T.remainder, [_pos(S), _gt1(S)]),
    "clip": (lambda a: nm.clip(a, -0.5, 0.7), lambda a: T.clamp(a, -0.5, 0.7), [_distinct(S)]),
    "clip_tensor": (lambda a, lo: nm.clip(a, lo, None), lambda a, lo: T.clamp(a, lo, None),
                    [_distinct(S), lambda r: np.full((4,), 0.41)]),
    "where": (lambda a, b: nm.where(a > 0, a, b), lambda a, b: T.where(a > 0, a, b),
              [_any(S), _any((4,))]),
    "astype": (lambda a: nm.astype(nm.astype(a, nm.float32), nm.float64) * a,
               lambda a: a.float().double() * a, [_any(S)]),
    "sum": (lambda a: nm.sum(a, axis=1), lambda a: a.sum(1), [_any(S)]),
    "sum_keep": (lambda a: nm.sum(a, axis=(0, 2), keepdims=True),
                 lambda a: a.sum((0, 2), keepdim=True), [_any((2, 3, 4))]),
    "sum_all": (lambda a: nm.sum(a), lambda a: a.sum(), [_any(S)]),
    "mean": (lambda a: nm.mean(a, axis=0), lambda a: a.mean(0), [_any(S)]),
    "prod": (lambda a: nm.prod(a, axis=1), lambda a: a.prod(1), [_any(S)]),
    "prod_zero": (lambda a: nm.prod(a * nm.asarray(np.array([1.0, 0.0, 1.0, 1.0])), axis=1),
                  lambda a: (a * T.tensor([1.0, 0.0, 1.0, 1.0], dtype=T.float64)).prod(1),
                  [_any(S)]),
    "var": (lambda a: nm.var(a, axis=1, correction=1),
            lambda a: a.var(1, correction=1), [_any(S)]),
    "std": (lambda a: nm.std(a, axis=0), lambda a: a.std(0, correction=0), [_any(S)]),
    "max": (lambda a: nm.max(a, axis=1), lambda a: a.amax(1), [_distinct(S)]),
    "min_all": (lambda a: nm.min(a), lambda a: a.amin(), [_distinct(S)]),
    "cumulative_sum": (lambda a: nm.cumulative_sum(a, axis=1), lambda a: a.cumsum(1),
                       [_any(S)]),
    "cumulative_prod": (lambda a: nm.cumulative_prod(a, axis=0), lambda a: a.cumprod(0),
                        [_pos(S)]),
    "reshape": (lambda a: nm.reshape(a, (4, 3)) * nm.asarray(np.arange(12.0).reshape(4, 3)),
                lambda a: a.reshape(4, 3) * T.arange(12.0, dtype=T.float64).reshape(4, 3),
                [_any(S)]),
    "permute_dims": (lambda a: nm.permute_dims(a, (2, 0, 1)) * 2.0,
                     lambda a: a.permute(2, 0, 1) * 2.0, [_any((2, 3, 4))]),
    "matrix_transpose": (lambda a: nm.matrix_transpose(a) ** 2, lambda a: a.mT ** 2,
                         [_any((2, 3, 4))]),
    "moveaxis": (lambda a: nm.moveaxis(a, 0, 2) ** 2, lambda a: T.movedim(a, 0, 2) ** 2,
                 [_any((2, 3, 4))]),
    "concat": (lambda a, b: nm.concat([a, b], axis=1) ** 2,
               lambda a, b: T.cat([a, b], 1) ** 2, [_any(S), _any((3, 2))]),
    "stack": (lambda a, b: nm.stack([a, b], axis=1) ** 2,
              lambda a, b: T.stack([a, b], 1) ** 2, [_any(S), _any(S)]),
    "unstack": (lambda a: nm.unstack(a, axis=1)[2] ** 2, lambda a: T.unbind(a, 1)[2] ** 2,
                [_any(S)]),
    "squeeze": (lambda a: nm.squeeze(a, axis=1) ** 2, lambda a: a.squeeze(1) ** 2,
                [_any((3, 1, 4))]),
    "expand_dims": (lambda a: nm.expand_dims(a, axis=1) ** 2, lambda a: a.unsqueeze(1) ** 2,
                    [_any(S)]),
    "flip": (lambda a: nm.flip(a, axis=1) * nm.asarray(np.arange(4.0)),
             lambda a: a.flip(1) * T.arange(4.0, dtype=T.float64), [_any(S)]),
    "roll": (lambda a: nm.roll(a, 1, axis=1) * nm.asarray(np.arange(4.0)),
             lambda a: a.roll(1, 1) * T.arange(4.0, dtype=T.float64), [_any(S)]),
    "broadcast_to": (lambda a: nm.broadcast_to(a, (2, 3, 4)) ** 2,
                     lambda a: a.broadcast_to((2, 3, 4)) ** 2, [_any((3, 1))]),
    "repeat": (lambda a: nm.repeat(a, 2, axis=1) ** 2,
               lambda a: a.repeat_interleave(2, 1) ** 2, [_any(S)]),
    "repeat_counts": (lambda a: nm.repeat(a, nm.asarray(np.array([1, 0, 3])), axis=0) ** 2,
                      lambda a: a.repeat_interleave(T.tensor([1, 0, 3]), 0) ** 2, [_any(S)]),
    "tile": (lambda a: nm.tile(a, (2, 1, 3)) ** 2, lambda a: a.tile((2, 1, 3)) ** 2,
             [_any(S)]),
    "take": (lambda a: nm.take(a, nm.asarray(np.array([0, 2, 2])), axis=1) ** 2,
             lambda a: a.index_select(1, T.tensor([0, 2, 2])) ** 2, [_any(S)]),
    "getitem_slice": (lambda a: a[1:, ::2] ** 2, lambda a: a[1:, ::2] ** 2, [_any(S)]),
    "getitem_int_array": (lambda a: a[nm.asarray(np.array([0, 2, 0]))] ** 2,
                          lambda a: a[T.tensor([0, 2, 0])] ** 2, [_any(S)]),
    "getitem_mask": (lambda a: a[a > 0] ** 2, lambda a: a[a > 0] ** 2, [_any(S)]),
    "sort": (lambda a: nm.sort(a, axis=1) * nm.asarray(np.arange(4.0)),
             lambda a: T.sort(a, 1).values * T.arange(4.0, dtype=T.float64), [_distinct(S)]),
    "sort_desc": (lambda a: nm.sort(a, axis=0, descending=True)
                  * nm.asarray(np.arange(3.0)[:, None]),
                  lambda a: T.sort(a, 0, descending=True).values
                  * T.arange(3.0, dtype=T.float64)[:, None], [_distinct(S)]),
    "tril": (lambda a: nm.tril(a, k=-1) ** 2, lambda a: T.tril(a, -1) ** 2, [_any((4, 4))]),
    "triu": (lambda a: nm.triu(a) ** 2, lambda a: T.triu(a) ** 2, [_any((4, 4))]),
    "matmul": (nm.matmul, T.matmul, [_any((2, 3, 4)), _any((4, 5))]),
    "matmul_vec": (nm.matmul, T.matmul, [_any((4,)), _any((2, 4, 3))]),
    "matmul_matvec": (nm.matmul, T.matmul, [_any((3, 4)), _any((4,))]),
    "tensordot": (lambda a, b: nm.tensordot(a, b, axes=([0, 2], [1, 0])),
                  lambda a, b: T.tensordot(a, b, dims=([0, 2], [1, 0])),
                  [_any((2, 3, 4)), _any((4, 2, 5))]),
    "vecdot": (lambda a, b: nm.vecdot(a, b), lambda a, b: T.linalg.vecdot(a, b),
               [_any(S), _any((4,))]),
}


# The fused cross-entropy op (numeru.dl.ops.loss): every option, in float64 against
# torch.nn.functional.cross_entropy. Targets and weights are constants of the case.
_CE_T = np.array([2, 0, 3])
_CE_T_IGNORED = np.array([2, -100, 3])
_CE_T_SPATIAL = np.array([[1, 3, 0], [2, 2, 1]])
_CE_T_SPATIAL_IGNORED = np.array([[1, 5, 0], [5, 2, 1]])
_CE_W = np.array([0.5, 2.0, 1.0, 1.5])


def _ce_case(target, shape, **options):
    weight = options.pop("weight", None)

    def ours(a):
        w = None if weight is None else nm.asarray(weight)
        return F.cross_entropy(a, nm.asarray(target), w, **options)

    def theirs(a):
        w = None if weight is None else T.tensor(weight)
        return T.nn.functional.cross_entropy(a, T.tensor(target), w, **options)

    return ours, theirs, [_any(shape)]


CASES.update({
    "cross_entropy": _ce_case(_CE_T, S),
    "cross_entropy_sum": _ce_case(_CE_T, S, reduction="sum"),
    "cross_entropy_none_smooth": _ce_case(_CE_T, S, reduction="none", label_smoothing=0.3),
    "cross_entropy_weight_ignore_smooth": _ce_case(_CE_T_IGNORED, S, weight=_CE_W,
                                                   label_smoothing=0.2),
    "cross_entropy_weight_none": _ce_case(_CE_T_IGNORED, S, weight=_CE_W, reduction="none",
                                          label_smoothing=0.1),
    "cross_entropy_full_smoothing": _ce_case(_CE_T, S, weight=_CE_W, label_smoothing=1.0),
    "cross_entropy_spatial": _ce_case(_CE_T_SPATIAL, (2, 4, 3), weight=_CE_W,
                                      label_smoothing=0.1),
    "cross_entropy_spatial_ignore_none": _ce_case(_CE_T_SPATIAL_IGNORED, (2, 4, 3),
                                                  ignore_index=5, reduction="none",
                                                  label_smoothing=0.25),
    "cross_entropy_one_sample": _ce_case(np.array(1), (4,), weight=_CE_W, reduction="sum",
                                         label_smoothing=0.2),
})


def _inputs(case, seed=0):
    r = np.random.default_rng(seed)
    return [make(r) for make in case[2]]


@pytest.mark.parametrize("name", sorted(CASES))
def test_rule_matches_torch(name):
    fn, tfn, _ = CASES[name]
    arrays = _inputs(CASES[name])
    xs = [nm.asarray(a.copy(), requires_grad=True) for a in arrays]
    ts = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    y, yt = fn(*xs), tfn(*ts)
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), rtol=1e-12, atol=1e-12)
    seed = np.random.default_rng(7).standard_normal(tuple(yt.shape))
    y.backward(nm.asarray(seed))
    yt.backward(torch.tensor(seed))
    for x, t in zip(xs, ts, strict=True):
        expected = t.grad.numpy() if t.grad is not None else np.zeros(x.shape)
        assert x.grad is not None, name
        np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-6, atol=1e-6)


# Piecewise-constant ops, masks and a float32 round trip are not smooth at float64 precision.
@pytest.mark.parametrize("name", sorted(set(CASES) - {"round", "floor", "ceil", "trunc", "sign",
                                                      "remainder", "getitem_mask", "astype"}))
def test_rule_matches_finite_differences(name):
    fn, _, _ = CASES[name]
    xs = [nm.asarray(a, requires_grad=True) for a in _inputs(CASES[name], seed=3)]
    assert dl.gradcheck(fn, xs)


@pytest.mark.parametrize("name", ["exp", "log", "tanh", "sin", "sqrt", "multiply", "divide",
                                  "pow", "matmul", "sum", "mean", "where", "logaddexp",
                                  "sigmoid", "softmax", "log_softmax", "conv2d", "relu_mlp",
                                  "max_pool2d", "avg_pool2d", "conv_transpose2d",
                                  "cross_entropy", "cross_entropy_weight_ignore_smooth",
                                  "cross_entropy_weight_none",
                                  "cross_entropy_spatial_ignore_none"])
def test_double_backward_matches_finite_differences(name):
    extra = {
        "sigmoid": (F.sigmoid, [_any(S)]),
        "softmax": (lambda a: F.softmax(a, 1), [_any(S)]),
        "log_softmax": (lambda a: F.log_softmax(a, 1), [_any(S)]),
        "conv2d": (lambda a, w: F.conv2d(a, w, stride=1, padding=1),
                   [_any((1, 2, 4, 4)), _any((3, 2, 3, 3))]),
        "max_pool2d": (lambda a: F.max_pool2d(a * a, 2, stride=1, padding=1),
                       [_distinct((1, 2, 4, 4))]),
        "avg_pool2d": (lambda a: F.avg_pool2d(a * a, 3, stride=2, padding=1,
                                              count_include_pad=False), [_any((1, 2, 5, 5))]),
        "conv_transpose2d": (lambda a, w: F.conv_transpose2d(a * a, w, stride=2),
                             [_any((1, 2, 3, 3)), _any((2, 1, 2, 2))]),
        "relu_mlp": (lambda a, w: nm.tanh(F.linear(a, w)) * F.gelu(a @ nm.matrix_transpose(w)),
                     [_any((2, 3)), _any((4, 3))]),
    }
    fn, makers = extra[name] if name in extra else (CASES[name][0], CASES[name][2])
    r = np.random.default_rng(5)
    xs = [nm.asarray(m(r), requires_grad=True) for m in makers]
    assert dl.gradgradcheck(fn, xs)


def test_double_backward_matches_torch_hessian_vector_product():
    r = np.random.default_rng(2)
    a, w = r.standard_normal((3, 4)), r.standard_normal((4, 4))
    v = r.standard_normal((3, 4))
    x, xt = nm.asarray(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    wn, wt = nm.asarray(w), torch.tensor(w)

    def f(x, w, mod):
        return mod.sum(mod.tanh(x @ w) * mod.exp(x) / (1.0 + x * x))

    (g,) = dl.autograd.grad(f(x, wn, nm), x, create_graph=True)
    (gt,) = torch.autograd.grad(f(xt, wt, torch), xt, create_graph=True)
    (h,) = dl.autograd.grad(nm.sum(g * nm.asarray(v)), x)
    (ht,) = torch.autograd.grad((gt * torch.tensor(v)).sum(), xt)
    np.testing.assert_allclose(h.numpy(), ht.numpy(), rtol=1e-6, atol=1e-8)


def test_every_rule_op_is_registered():
    from numeru.core import plugins

    names = set(plugins.registry("gradients").names())
    for op in ("add", "matmul", "getitem", "setitem", "concat", "stack", "where", "sort",
               "conv2d", "max_pool2d", "log_softmax", "linear", "erf", "take_along_axis",
               "cross_entropy", "cross_entropy_backward"):
        assert op in names
    from numeru.core import dispatch

    ours = [name for name, op in dispatch.ops().items()
            if getattr(op.generic, "__module__", "").startswith("numeru.dl")]
    assert len(ours) >= 15
    assert [name for name in ours if name not in names] == []  # every op we declare has a rule


def test_gather_and_scatter_add_match_torch():
    r = np.random.default_rng(4)
    a = r.standard_normal((3, 5))
    idx = np.array([[0, 4, 4], [1, 1, 2], [3, 0, 0]])
    x, xt = nm.asarray(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y = dl.take_along_axis(x, nm.asarray(idx), 1)
    yt = torch.gather(xt, 1, torch.tensor(idx))
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy())
    seed = r.standard_normal((3, 3))
    y.backward(nm.asarray(seed))
    yt.backward(torch.tensor(seed))
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy())

    src = r.standard_normal((3, 3))
    s, st = nm.asarray(src, requires_grad=True), torch.tensor(src, requires_grad=True)
    out = dl.scatter_along_axis(s, nm.asarray(idx), 1, 5)
    out_t = torch.zeros(3, 5, dtype=torch.float64).scatter_add(1, torch.tensor(idx), st)
    np.testing.assert_allclose(out.numpy(), out_t.detach().numpy())
    w = r.standard_normal((3, 5))
    nm.sum(out * nm.asarray(w)).backward()
    (out_t * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(s.grad.numpy(), st.grad.numpy())

    rows = np.array([2, 0, 2])
    v, vt = nm.asarray(src, requires_grad=True), torch.tensor(src, requires_grad=True)
    added = dl.index_add(v, nm.asarray(rows), 0, 4)
    added_t = torch.zeros(4, 3, dtype=torch.float64).index_add(0, torch.tensor(rows), vt)
    np.testing.assert_allclose(added.numpy(), added_t.detach().numpy())
    w = r.standard_normal((4, 3))
    nm.sum(added * nm.asarray(w)).backward()
    (added_t * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(v.grad.numpy(), vt.grad.numpy())


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_cross_entropy_double_backward_in_the_incoming_gradient_matches_torch(reduction):
    """The backward op is differentiated in x and in the incoming gradient g (gradgradcheck
    keeps g constant): finite differences, then a Hessian-vector product against torch."""
    r = np.random.default_rng(6)
    a, w = r.standard_normal((3, 4)), r.uniform(0.5, 2.0, 4)
    v = r.standard_normal((3,) if reduction == "none" else ())
    options = {"reduction": reduction, "label_smoothing": 0.2, "ignore_index": 3}
    target = np.array([1, 3, 0])

    def first(x, g):
        with dl.enable_grad():  # gradcheck's finite differences run under no_grad
            loss = F.cross_entropy(x, nm.asarray(target), nm.asarray(w), **options)
            return dl.autograd.grad(loss, x, g, create_graph=True)[0]

    x, g = nm.asarray(a, requires_grad=True), nm.asarray(v, requires_grad=True)
    assert dl.gradcheck(first, [x, g])
    xt, gt = T.tensor(a, requires_grad=True), T.tensor(v, requires_grad=True)
    loss_t = T.nn.functional.cross_entropy(xt, T.tensor(target), T.tensor(w), **options)
    (first_t,) = T.autograd.grad(loss_t, xt, gt, create_graph=True)
    u = r.standard_normal((3, 4))
    hx, hg = dl.autograd.grad(nm.sum(first(x, g) * nm.asarray(u)), [x, g])
    hxt, hgt = T.autograd.grad((first_t * T.tensor(u)).sum(), [xt, gt])
    np.testing.assert_allclose(hx.numpy(), hxt.numpy(), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(hg.numpy(), hgt.numpy(), rtol=1e-6, atol=1e-8)


def test_where_gives_the_branch_not_taken_an_exact_zero_like_torch():
    """Not ``g * 0``: an infinite incoming gradient (a mean over nothing) must not become NaN."""
    cond, g = np.array([True, False, True]), np.array([np.inf, np.inf, 1.0])
    a, b = nm.asarray([1.0, 2.0, 3.0], requires_grad=True), nm.asarray(0.5, requires_grad=True)
    at, bt = torch.tensor([1.0, 2.0, 3.0], requires_grad=True), torch.tensor(0.5,
                                                                            requires_grad=True)
    nm.where(nm.asarray(cond), a, b).backward(nm.asarray(g))
    torch.where(torch.tensor(cond), at, bt).backward(torch.tensor(g))
    np.testing.assert_array_equal(a.grad.numpy(), at.grad.numpy())  # [inf, 0, 1]
    np.testing.assert_array_equal(b.grad.numpy(), bt.grad.numpy())  # inf
