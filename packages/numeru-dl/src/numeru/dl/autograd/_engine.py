"""Reverse-mode differentiation over the recorded graph: ``backward`` and ``grad``.

Nodes run in reverse topological order, each once, after every gradient flowing into its output
has been summed. With ``create_graph=True`` the rules run with grad mode on, so the gradients
are themselves differentiable (double backward); otherwise they run under ``no_grad``.
"""

from __future__ import annotations

from typing import Any

from numeru.core import creation
from numeru.core import elementwise as _ew
from numeru.core.errors import ShapeError, expected
from numeru.core.tensor import Tensor

from ._graph import AutogradError, Node
from ._mode import _set


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, Tensor):
        return [value]
    return list(value)


def _seed(output: Tensor, grad: Any) -> Tensor:
    if grad is None:
        if output.size != 1:
            raise AutogradError(
                f"backward: grad can be left out only for a tensor with one element; got "
                f"shape {output.shape}, so pass grad= with that shape")
        return creation.ones_like(output)
    if not isinstance(grad, Tensor):
        grad = creation.asarray(grad, dtype=output.dtype, device=output.device)
    if grad.shape != output.shape:
        raise ShapeError(f"backward: grad: expected shape {output.shape}, got {grad.shape}")
    return grad


def _count_consumers(roots: list[Node]) -> dict[int, int]:
    """For every node reachable from ``roots``, how many recorded edges point at it."""
    consumers: dict[int, int] = {}
    seen: set[int] = {id(node) for node in roots}
    stack = list(roots)
    while stack:
        node = stack.pop()
        if node.released:
            raise AutogradError(
                f"trying to differentiate through {node!r} a second time, but its graph was "
                "freed by an earlier backward; pass retain_graph=True to the first call")
        for need, parent in zip(node.needs, node.parents, strict=True):
            if not need or parent is None:
                continue
            key = id(parent)
            consumers[key] = consumers.get(key, 0) + 1
            if key not in seen:
                seen.add(key)
                stack.append(parent)
    return consumers


def _add(a: Tensor | None, b: Tensor) -> Tensor:
    return b if a is None else _ew.add(a, b)


def _fit(g: Any, target: Tensor, node: Node) -> Tensor:
    if type(g) is Tensor:  # the common case, checked on the raw arrays (no property calls)
        gd, td = g.data, target.data
        if gd.shape == td.shape and gd.dtype == td.dtype:
            return g
    elif not isinstance(g, Tensor):
        g = creation.asarray(g, dtype=target.dtype, device=target.device)
    if g.shape != target.shape:
        raise AutogradError(f"gradient rule of {node.name!r} returned shape {g.shape} for an "
                            f"input of shape {target.shape}")
    if g.dtype != target.dtype and target.dtype.kind in "fc":
        g = creation.astype(g, target.dtype)
    return g


def _input_grads(node: Node, grads: Any) -> list[Any]:
    """The gradient for each tensor input of ``node`` (in ``node.inputs`` order) from what its
    rule returned: one entry per positional argument, a list for a tensor sequence."""
    if not isinstance(grads, (tuple, list)):
        grads = (grads,)
    out: list[Any] = []
    n = len(grads)
    for i, arg in enumerate(node.args):
        g = grads[i] if i < n else None
        if type(arg) is Tensor or isinstance(arg, Tensor):
            out.append(g)
        elif isinstance(arg, (list, tuple)):
            parts = g if g is not None else [None] * len(arg)
            out.extend(p for a, p in zip(arg, parts, strict=False) if isinstance(a, Tensor))
    return out


def run_backward(outputs: list[Tensor], seeds: list[Tensor], *, retain_graph: bool,
                 create_graph: bool, capture: list[Tensor] | None = None,
                 accumulate: bool = True) -> dict[int, Tensor]:
    """Propagate ``seeds`` from ``outputs``; accumulate into leaves' ``.grad`` or capture."""
    captured: dict[int, Tensor] = {}
    capture_ids = {id(t) for t in capture} if capture else set()
    capture_nodes = {id(t.grad_fn): t for t in capture or () if t.grad_fn is not None}
    pending: dict[int, Tensor] = {}
    leaves: dict[int, tuple[Tensor, Tensor]] = {}
    # Ids of gradients that someone else may also hold (seeds, a node's incoming gradient,
    # one gradient sent to several inputs): a leaf's first .grad must then be a copy.
    shared: set[int] = {id(g) for g in seeds}
    roots: list[Node] = []
    for out, g in zip(outputs, seeds, strict=True):
        if not out.requires_grad:
            raise AutogradError("backward: a tensor that does not require grad has no graph; "
                                "set requires_grad=True on the inputs you differentiate for")
        if out.grad_fn is None:
            prev = leaves.get(id(out))
            leaves[id(out)] = (out, _add(prev[1] if prev else None, g))
        else:
            key = id(out.grad_fn)
            if key not in pending:
                roots.append(out.grad_fn)
            pending[key] = _add(pending.get(key), g)
    previous_mode = _set(create_graph)
    try:
        consumers = _count_consumers(roots)
        ready = [n for n in roots if consumers.get(id(n), 0) == 0]
        while ready:
            node = ready.pop()
            grad = pending.pop(id(node), None)
            shared.add(id(grad))
            if grad is None:  # nothing flowed here (rules returned None): just release parents
                _skip(node, consumers, ready)
                continue
            if node.hooks:
                for hook in node.hooks:
                    replaced = hook(grad)
                    if replaced is not None:
                        grad = replaced
            if node.retain is not None:
                kept = node.retain()
                if kept is not None:
                    kept.grad = grad if create_graph else _detached_copy(grad)
            if id(node) in capture_nodes:
                captured[id(capture_nodes[id(node)])] = grad
            grads = _input_grads(node, node.rule(node, grad)) if any(node.needs) else ()
            delivered: list[int] = []
            grads = grads or [None] * len(node.inputs)
            for t, need, parent, g in zip(node.inputs, node.needs, node.parents, grads,
                                          strict=False):
                if not need:
                    continue
                if g is not None:
                    g = _fit(g, t, node)
                    if id(g) in delivered:  # one tensor sent to two inputs (add: g and g)
                        shared.add(id(g))
                    delivered.append(id(g))
                    if parent is None:
                        prev = leaves.get(id(t))
                        leaves[id(t)] = (t, g if prev is None else _add(prev[1], g))
                    else:
                        key = id(parent)
                        prev_g = pending.get(key)
                        pending[key] = g if prev_g is None else _add(prev_g, g)
                if parent is not None:
                    key = id(parent)
                    consumers[key] -= 1
                    if consumers[key] == 0:
                        ready.append(parent)
            if not retain_graph:
                node.release()
        for t, g in leaves.values():
            for hook in getattr(t, "_nm_hooks", None) or ():
                replaced = hook(g)
                if replaced is not None:
                    g = replaced
            if id(t) in capture_ids:
                captured[id(t)] = g
            elif accumulate:
                _accumulate(t, g, create_graph, id(g) in shared)
    finally:
        _set(previous_mode)
    return captured


def _skip(node: Node, consumers: dict[int, int], ready: list[Node]) -> None:
    for need, parent in zip(node.needs, node.parents, strict=True):
        if need and parent is not None:
            consumers[id(parent)] -= 1
            if consumers[id(parent)] == 0:
                ready.append(parent)


def _detached_copy(g: Tensor) -> Tensor:
    return Tensor(g.device.backend.xp.asarray(g.data, copy=True), g.device)


def _accumulate(leaf: Tensor, g: Tensor, create_graph: bool, shared: bool = True) -> None:
    if leaf.grad is None:
        if create_graph:
            leaf.grad = g
        elif shared or getattr(g.data, "base", True) is not None or g.requires_grad:
            leaf.grad = _detached_copy(g)  # a view or a tensor someone else holds
        else:
            leaf.grad = g  # a fresh result of a rule: nobody else refers to it
    elif create_graph:
        leaf.grad = _ew.add(leaf.grad, g)
    else:
        _ew.add(leaf.grad, g.data if g.device is leaf.grad.device else g, out=leaf.grad)


def backward(tensors: Any, grad_tensors: Any = None, retain_graph: bool | None = None,
             create_graph: bool = False, inputs: Any = None) -> None:
    """Accumulate d(tensors)/d(leaf) into every leaf's ``.grad`` (``inputs`` limits which)."""
    outputs = _as_list(tensors)
    grads = _as_list(grad_tensors) or [None] * len(outputs)
    if len(grads) != len(outputs):
        raise expected("grad_tensors", f"{len(outputs)} gradients (one per tensor)", len(grads))
    seeds = [_seed(o, g) for o, g in zip(outputs, grads, strict=True)]
    retain = create_graph if retain_graph is None else retain_graph
    if inputs is not None:
        chosen = _as_list(inputs)
        found = run_backward(outputs, seeds, retain_graph=retain, create_graph=create_graph,
                             capture=chosen, accumulate=False)
        for t in chosen:
            if id(t) in found:
                _accumulate(t, found[id(t)], create_graph)
        return
    run_backward(outputs, seeds, retain_graph=retain, create_graph=create_graph)


def grad(outputs: Any, inputs: Any, grad_outputs: Any = None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool = False) -> tuple[Tensor | None, ...]:
    """The gradients of ``outputs`` with respect to ``inputs``, returned (``.grad`` untouched)."""
    outs = _as_list(outputs)
    ins = _as_list(inputs)
    grads = _as_list(grad_outputs) or [None] * len(outs)
    if len(grads) != len(outs):
        raise expected("grad_outputs", f"{len(outs)} gradients (one per output)", len(grads))
    for i, t in enumerate(ins):
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise expected(f"inputs[{i}]", "a tensor that requires grad", t)
    seeds = [_seed(o, g) for o, g in zip(outs, grads, strict=True)]
    retain = create_graph if retain_graph is None else retain_graph
    found = run_backward(outs, seeds, retain_graph=retain, create_graph=create_graph,
                         capture=ins, accumulate=False)
    result: list[Tensor | None] = []
    for i, t in enumerate(ins):
        g = found.get(id(t))
        if g is None and not allow_unused:
            raise AutogradError(f"grad: inputs[{i}] was not used to compute the outputs; pass "
                                "allow_unused=True to get None for it")
        if g is not None and not create_graph and g.requires_grad:
            g = Tensor(g.data, g.device)
        result.append(g)
    return tuple(result)
