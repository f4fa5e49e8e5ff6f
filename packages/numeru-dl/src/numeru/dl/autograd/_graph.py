"""The recorded graph: one ``Node`` per op output, and the tracer that builds it.

numeru.core calls ``tracer.record(op_name, args, params, output)`` after every op whose inputs
require grad. The tracer attaches a ``Node`` to the output (``output.grad_fn``). A node keeps the
op's arguments (tensors, scalars, parameters) and finds its gradient rule by op name in the
``gradients`` registry, where every package registers rules through its plugin.

Multi-output ops (``unstack``, ``broadcast_arrays``) get one node per output; each node's rule
knows its ``index``.
"""

from __future__ import annotations

import weakref
from typing import Any

from numeru.core import plugins
from numeru.core.errors import NumeruError
from numeru.core.tensor import Tensor

from ._mode import _state


class AutogradError(NumeruError, RuntimeError):
    """A graph cannot be differentiated as asked (freed graph, in-place change, no rule)."""


def flatten_tensors(args: tuple[Any, ...]) -> list[Tensor]:
    """The tensors among an op's arguments, sequences (concat, stack) expanded in order."""
    found: list[Tensor] = []
    for arg in args:
        if isinstance(arg, Tensor):
            found.append(arg)
        elif isinstance(arg, (list, tuple)):
            found.extend(a for a in arg if isinstance(a, Tensor))
    return found


class Node:
    """How one tensor was computed: op name, arguments, and where its gradient goes."""

    __slots__ = ("name", "rule", "args", "params", "inputs", "needs", "parents", "index",
                 "_output", "_output_data", "hooks", "retain", "released", "__weakref__")

    def __init__(self, name: str, rule: Any, args: tuple[Any, ...], params: dict[str, Any],
                 inputs: list[Tensor], output: Tensor, index: int | None) -> None:
        self.name = name
        self.rule = rule
        self.args = args
        self.params = params
        self.inputs = inputs
        self.needs = [t.requires_grad for t in inputs]
        # The inputs' histories as they are now: a later ``t[key] = v`` (or ``out=t``) gives
        # ``t`` a new grad_fn, but this op read the old value, so its gradient goes there.
        self.parents = [t.grad_fn for t in inputs]
        self.index = index
        # A weak reference: a strong one would make output -> node -> output a cycle that
        # keeps large activations alive until the garbage collector runs.
        try:
            self._output: Any = weakref.ref(output)
        except TypeError:
            self._output = lambda output=output: output
        self._output_data = output.data
        self.hooks: list[Any] | None = None
        self.retain: Any = None
        self.released = False

    @property
    def output(self) -> Tensor:
        """The tensor this node computed (rebuilt, without history, if it was freed)."""
        found = self._output()
        if found is None:
            found = Tensor(self._output_data, self.inputs[0].device)
        return found

    def arg(self, i: int) -> Any:
        """Argument ``i`` as a Tensor (host arrays and scalars stay what they are)."""
        return self.args[i]

    def release(self) -> None:
        self.released = True
        self.args = ()
        self.inputs = []
        self.parents = []
        self._output_data = None

    def __repr__(self) -> str:
        return f"<{self.name} backward>"


def _missing_rule(name: str) -> Any:
    def rule(node: Node, grad: Tensor) -> Any:
        raise AutogradError(
            f"no gradient rule is registered for op {name!r}; register one with the "
            "register_gradients hook (register(op_name, rule))"
        )

    return rule


class Tracer:
    """Installed in numeru.core.dispatch: turns recorded ops into graph nodes."""

    def __init__(self) -> None:
        self._rules: dict[str, Any] = {}
        self._generation = -1

    def rule_for(self, name: str) -> Any:
        if self._generation != plugins._generation:
            self._rules.clear()
            self._generation = plugins._generation
        rule = self._rules.get(name)
        if rule is None:
            rule = plugins.registry("gradients").find(name) or _missing_rule(name)
            self._rules[name] = rule
            self._generation = plugins.generation()
        return rule

    def record(self, name: str, args: tuple[Any, ...], params: dict[str, Any],
               output: Any) -> None:
        # The hot path of every recorded op: kept to attribute reads and one Node.
        if not getattr(_state, "enabled", True):
            return
        if output is None:  # setitem: the written tensor becomes part of the graph
            if name == "setitem":
                _record_setitem(self, args, params)
            return
        inputs = [a for a in args if type(a) is Tensor or isinstance(a, Tensor)]
        if len(inputs) != len(args) and any(isinstance(a, (list, tuple)) for a in args):
            inputs = flatten_tensors(args)
        if isinstance(output, Tensor):
            self._attach(name, args, params, inputs, output, None)
        elif isinstance(output, (tuple, list)):
            for i, out in enumerate(output):
                if isinstance(out, Tensor):
                    self._attach(name, args, params, inputs, out, i)

    def _attach(self, name: str, args: tuple[Any, ...], params: dict[str, Any],
                inputs: list[Tensor], output: Tensor, index: int | None) -> None:
        if output.data.dtype.kind not in "fcV":  # V: bfloat16 (ml_dtypes)
            return  # integer and boolean results (comparisons, argmax) carry no gradient
        if any(t is output for t in inputs):
            _check_in_place(name, output)
            if output.grad_fn is None:
                return
        node = Node(name, self.rule_for(name), args, params, inputs, output, index)
        if output.grad_fn is not None:  # out= into a tensor with a history: rebind it
            _rebind(output, node)
        else:
            output.grad_fn = node
        output.requires_grad = True


def _check_in_place(name: str, output: Tensor) -> None:
    if output.requires_grad and output.grad_fn is None:
        # An in-place update of a leaf (an optimizer step on a parameter) is not part of any
        # graph: it is treated as if it ran under no_grad, which is what such code means.
        return
    raise AutogradError(
        f"{name}: an in-place operation (out= or an augmented assignment) wrote into a tensor "
        "that is an input of the same op while recording a graph; use the out-of-place form "
        "(y = x + z instead of x += z), or wrap the update in numeru.dl.no_grad()"
    )


def _record_setitem(tracer: Tracer, args: tuple[Any, ...], params: dict[str, Any]) -> None:
    target, value = args[0], args[1]
    if not isinstance(target, Tensor):
        return
    value_grad = isinstance(value, Tensor) and value.requires_grad
    if not value_grad and not target.requires_grad:
        return
    if target.requires_grad and target.grad_fn is None:
        if not value_grad:
            return  # writing constants into a leaf parameter: an update, not a graph op
        raise AutogradError("setitem: a leaf tensor that requires grad cannot be written in "
                            "place with a value that requires grad; clone it first")
    # The target's earlier history is kept by a stand-in tensor: the node's first input.
    before = Tensor(target.data, target.device)
    before.requires_grad = target.requires_grad
    before.grad_fn = target.grad_fn
    node_args = (before, value)
    inputs = flatten_tensors(node_args)
    node = Node("setitem", tracer.rule_for("setitem"), node_args, params, inputs, target, None)
    _rebind(target, node)
    target.requires_grad = True


def _rebind(target: Tensor, node: Node) -> None:
    """Give ``target`` the new history ``node`` after an in-place write.

    ``retain_grad()`` belongs to the tensor, so it moves to the new node: ``.grad`` is the
    gradient of the latest value, as in PyTorch. Hooks stay on the old node: they were
    registered on the value before the write and see its gradient (PyTorch does the same).
    """
    old = target.grad_fn
    if old is not None and old.retain is not None and old.retain() is target:
        node.retain, old.retain = old.retain, None
    target.grad_fn = node


TRACER = Tracer()
