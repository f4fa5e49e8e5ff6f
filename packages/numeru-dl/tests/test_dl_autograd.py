"""Autograd semantics against PyTorch: accumulation, retain_graph, grad modes, hooks, detach,
the functional ``grad``, in-place rules, setitem."""

from __future__ import annotations

import numpy as np
import pytest

import numeru.core as nm
import numeru.dl as dl
from numeru.dl.autograd import AutogradError

torch = pytest.importorskip("torch")

A = np.array([[0.5, -1.2, 2.0], [1.5, 0.3, -0.7]])


def _pair(a=A):
    return nm.asarray(a.copy(), requires_grad=True), torch.tensor(a.copy(), requires_grad=True)


def test_requires_grad_from_creation_and_method():
    x = nm.asarray([1.0, 2.0], requires_grad=True)
    assert x.requires_grad and x.is_leaf
    y = nm.asarray([1.0]).requires_grad_()
    assert y.requires_grad
    with pytest.raises(TypeError, match="requires_grad"):
        nm.asarray([1, 2]).requires_grad_()


def test_gradients_accumulate_across_backward_calls():
    x, xt = _pair()
    for _ in range(2):
        nm.sum(x * x).backward()
        (xt * xt).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy())


def test_shared_subexpression_gets_summed_gradients():
    x, xt = _pair()
    y, yt = nm.exp(x), torch.exp(xt)
    nm.sum(y * y + nm.sin(y) * x).backward()
    (yt * yt + torch.sin(yt) * xt).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-12)


def test_backward_twice_needs_retain_graph():
    x, _ = _pair()
    y = nm.sum(nm.exp(x))
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.exp(A))
    with pytest.raises(AutogradError, match="retain_graph"):
        y.backward()


def test_backward_of_non_scalar_needs_grad():
    x, _ = _pair()
    with pytest.raises(AutogradError, match="grad"):
        (x * 2.0).backward()


def test_no_grad_and_enable_grad():
    x, _ = _pair()
    with dl.no_grad():
        y = x * 2.0
        with dl.enable_grad():
            z = x * 3.0
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad and z.grad_fn is not None

    @dl.no_grad()
    def f(t):
        return t + 1.0

    assert not f(x).requires_grad
    with dl.set_grad_enabled(False):
        assert not dl.is_grad_enabled()
    assert dl.is_grad_enabled()


def test_grad_mode_decorators_survive_recursion_and_bare_use():
    """A decorated function calling itself restores grad mode on return, and ``@no_grad``
    works without parentheses (as in PyTorch)."""

    @dl.no_grad()
    def countdown(n):
        assert not dl.is_grad_enabled()
        return 0 if n == 0 else countdown(n - 1) + 1

    assert countdown(3) == 3
    assert dl.is_grad_enabled()
    shared = dl.no_grad()
    with shared:
        with shared:
            assert not dl.is_grad_enabled()
        assert not dl.is_grad_enabled()
    assert dl.is_grad_enabled()

    @dl.no_grad
    def double(t):
        return t * 2.0

    x, _ = _pair()
    y = double(x)
    assert not y.requires_grad
    np.testing.assert_allclose(y.numpy(), A * 2.0)
    assert dl.is_grad_enabled()


def test_detach_stops_gradients():
    x, xt = _pair()
    nm.sum(x * x.detach()).backward()
    (xt * xt.detach()).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy())
    assert not x.detach().requires_grad


def test_integer_and_boolean_results_carry_no_graph():
    x, _ = _pair()
    assert not (x > 0).requires_grad
    assert not nm.argmax(x, axis=1).requires_grad


def test_tensor_hooks_see_and_replace_gradients():
    x, xt = _pair()
    seen = []
    y, yt = x * 2.0, xt * 2.0
    y.register_hook(lambda g: seen.append(g.numpy().copy()))
    handle = x.register_hook(lambda g: g * 10.0)
    yt.register_hook(lambda g: None)
    xt.register_hook(lambda g: g * 10.0)
    nm.sum(nm.exp(y)).backward()
    torch.exp(yt).sum().backward()
    np.testing.assert_allclose(seen[0], np.exp(2 * A))
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy())
    handle.remove()
    x.grad = None
    nm.sum(x).backward()
    np.testing.assert_allclose(x.grad.numpy(), np.ones_like(A))


def test_retain_grad_on_intermediate():
    x, xt = _pair()
    y, yt = nm.tanh(x), torch.tanh(xt)
    y.retain_grad()
    yt.retain_grad()
    nm.sum(y * y).backward()
    (yt * yt).sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), yt.grad.numpy())


def test_retain_grad_and_hooks_across_in_place_setitem_as_torch():
    """``retain_grad`` follows the tensor to its value after ``t[k] = v``; hooks registered
    before the write see the gradient of the old value, hooks after it that of the new one."""
    w = np.array([3.0, 4.0, 5.0])

    def run(mod, like, x, v):
        seen: dict[str, list[np.ndarray]] = {"before": [], "after": []}
        t = x * 2.0
        t.retain_grad()
        t.register_hook(lambda g: seen["before"].append(g.numpy().copy()))
        t[0] = v
        t.register_hook(lambda g: seen["after"].append(g.numpy().copy()))
        t[2] = v * v  # a second write: .grad still follows the latest value
        mod.sum(t * like(w)).backward()
        return t, seen

    x, xt = _pair(np.array([1.0, 2.0, 3.0]))
    v, vt = _pair(np.array(10.0))
    t, seen = run(nm, nm.asarray, x, v)
    tt, seent = run(torch, torch.tensor, xt, vt)
    np.testing.assert_allclose(t.grad.numpy(), tt.grad.numpy())  # [3, 4, 5], not [0, 4, 5]
    for key in ("before", "after"):
        assert len(seen[key]) == len(seent[key]) == 1
        np.testing.assert_allclose(seen[key][0], seent[key][0])
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy())
    np.testing.assert_allclose(v.grad.numpy(), vt.grad.numpy())


def test_retain_grad_needs_a_tensor_that_requires_grad():
    from numeru.core.errors import NumeruError

    with pytest.raises(NumeruError, match="retain_grad: expected a tensor with requires_grad"):
        nm.zeros(3).retain_grad()
    leaf = nm.asarray([1.0], requires_grad=True)
    leaf.retain_grad()  # a leaf keeps its .grad anyway: nothing to do, as PyTorch
    nm.sum(leaf * 2.0).backward()
    np.testing.assert_allclose(leaf.grad.numpy(), [2.0])


def test_autograd_grad_returns_without_touching_dot_grad():
    x, xt = _pair()
    (g,) = dl.autograd.grad(nm.sum(x ** 3), x)
    (gt,) = torch.autograd.grad((xt ** 3).sum(), xt)
    np.testing.assert_allclose(g.numpy(), gt.numpy())
    assert x.grad is None
    other = nm.asarray([1.0], requires_grad=True)
    with pytest.raises(AutogradError, match="allow_unused"):
        dl.autograd.grad(nm.sum(x * 2.0), [x, other])
    assert dl.autograd.grad(nm.sum(x * 2.0), [x, other], allow_unused=True)[1] is None


def test_functional_grad_and_nesting():
    def f(x):
        return nm.sum(nm.sin(x) * x)

    x = np.array([0.3, -1.1, 2.0])
    np.testing.assert_allclose(dl.grad(f)(nm.asarray(x)).numpy(), np.cos(x) * x + np.sin(x))
    second = dl.grad(lambda t: nm.sum(dl.grad(f)(t)))(nm.asarray(x))
    np.testing.assert_allclose(second.numpy(), -np.sin(x) * x + 2 * np.cos(x))
    gx, gy = dl.grad(lambda a, b: nm.sum(a * b * b), argnums=(0, 1))(nm.asarray(x),
                                                                     nm.asarray(x + 1))
    np.testing.assert_allclose(gx.numpy(), (x + 1) ** 2)
    np.testing.assert_allclose(gy.numpy(), 2 * x * (x + 1))
    value, g = dl.value_and_grad(f)(nm.asarray(x))
    np.testing.assert_allclose(value.item(), np.sum(np.sin(x) * x))


def test_create_graph_double_backward_into_dot_grad():
    x, xt = _pair()
    y, yt = nm.sum(nm.exp(x) * x), (torch.exp(xt) * xt).sum()
    (g,) = dl.autograd.grad(y, x, create_graph=True)
    (gt,) = torch.autograd.grad(yt, xt, create_graph=True)
    nm.sum(g * g).backward()
    (gt * gt).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-10)


def test_setitem_makes_the_target_part_of_the_graph():
    v, vt = _pair(np.array([1.0, 2.0, 3.0]))
    buf, buft = nm.zeros((2, 3), dtype=nm.float64), torch.zeros((2, 3), dtype=torch.float64)
    buf[1] = v * 2.0
    buft[1] = vt * 2.0
    nm.sum(nm.exp(buf)).backward()
    torch.exp(buft).sum().backward()
    np.testing.assert_allclose(v.grad.numpy(), vt.grad.numpy())


def test_setitem_keeps_the_history_that_earlier_ops_read():
    """Ops recorded before ``t[key] = value`` read the old ``t``: their gradient must not pass
    through the setitem (PyTorch's graph edges point at the old history)."""
    x, xt = _pair(np.array([1.0, 2.0, 3.0]))
    c, ct = _pair(np.array(0.5))
    w = np.array([1.0, 10.0, 100.0])

    def run(x, c, mod, like):
        y = x * 1.0
        z = y * 2.0  # reads y before the write
        y[0] = y[1] * 3.0 + c  # the value itself reads the old y
        return mod.sum(z * like(w)) + mod.sum(y * y * like(w))

    run(x, c, nm, nm.asarray).backward()
    run(xt, ct, torch, torch.tensor).backward()
    assert x.grad is not None and c.grad is not None
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy())
    np.testing.assert_allclose(c.grad.numpy(), ct.grad.numpy())


def test_in_place_update_of_leaf_is_not_recorded_and_non_leaf_in_place_raises():
    x, _ = _pair()
    x += 1.0  # an optimizer-style update of a parameter
    assert x.is_leaf and x.grad_fn is None
    y = x * 2.0
    with pytest.raises(AutogradError, match="in-place"):
        y += x


def test_float32_gradients_stay_float32():
    x = nm.asarray(np.ones((2, 2), dtype=np.float32), requires_grad=True)
    nm.sum(x * 2.5 + nm.asarray(np.ones(2))).backward()
    assert x.grad.dtype == np.float32


def test_gradcheck_reports_a_wrong_rule():
    from numeru.core import plugins
    from numeru.core.hookspecs import hookimpl

    def wrong(node, g):
        return (g * 3.0,)

    class Plugin:
        @hookimpl
        def register_gradients(self, register):
            register("test_dl_wrong_op", wrong)

    from numeru.core import dispatch
    op = dispatch.op("test_dl_wrong_op", lambda xp, x: x * 2.0)
    plugins.register(Plugin(), "test-dl-wrong")
    try:
        x = nm.asarray(np.array([1.0, 2.0]), requires_grad=True)
        assert not dl.gradcheck(lambda t: dispatch.apply(op, (t,)), x, raise_exception=False)
        with pytest.raises(AssertionError, match="jacobian"):
            dl.gradcheck(lambda t: dispatch.apply(op, (t,)), x)
    finally:
        plugins.unregister("test-dl-wrong")


def test_op_without_rule_fails_at_backward_with_a_clear_message():
    from numeru.core import dispatch

    op = dispatch.op("test_dl_no_rule_op", lambda xp, x: x + 1.0)
    x = nm.asarray(np.array([1.0]), requires_grad=True)
    y = dispatch.apply(op, (x,))
    with pytest.raises(AutogradError, match="test_dl_no_rule_op"):
        nm.sum(y).backward()


def test_setitem_supports_double_backward():
    def f(v):
        buf = nm.zeros((2, 3), dtype=nm.float64) + v[0]
        buf[1] = v * v
        return nm.sum(nm.sin(buf) * buf)

    v = nm.asarray(np.array([0.3, -0.8, 1.1]), requires_grad=True)
    assert dl.gradgradcheck(f, (v,))


def test_graph_has_no_reference_cycles():
    import gc
    import weakref

    gc.disable()  # freed by reference counting alone, without the cycle collector
    try:
        x = nm.asarray(np.ones((50, 50)), requires_grad=True)
        y = nm.exp(x) * 2.0
        watch = weakref.ref(y)
        loss = nm.sum(nm.tanh(y))
        del y
        loss.backward()
        del loss
        assert watch() is None
    finally:
        gc.enable()
