"""``Module``: a tree of submodules, parameters and buffers, found by attribute assignment.

Follows ``torch.nn.Module``: dotted ``state_dict`` keys, ``train()``/``eval()``, forward hooks,
``to(device)`` that keeps parameter identity (optimizers hold the same objects afterwards).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import numpy as np

import numeru.core as nm
from numeru.core.dtypes import BY_NAME
from numeru.core.errors import ShapeError, ValidationError, expected
from numeru.core.tensor import Tensor

from ..autograd._mode import no_grad
from .parameter import Parameter


def _is_dtype(value: Any) -> bool:
    """A NumPy dtype, scalar type or numeru dtype name (what ``Tensor.to`` takes as dtype)."""
    if isinstance(value, np.dtype):
        return True
    if isinstance(value, str):
        return value in BY_NAME
    return isinstance(value, type) and issubclass(value, np.generic)


class IncompatibleKeys(NamedTuple):
    missing_keys: list[str]
    unexpected_keys: list[str]


class RemovableHandle:
    """Returned by ``register_*_hook``; ``remove()`` unregisters the hook."""

    _next_id = 0

    def __init__(self, hooks: dict[int, Any]) -> None:
        self._hooks = hooks
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1

    def remove(self) -> None:
        self._hooks.pop(self.id, None)


class Module:
    """Base class of every layer and model."""

    training: bool

    def __init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "training", True)
        set_(self, "_parameters", OrderedDict())
        set_(self, "_buffers", OrderedDict())
        set_(self, "_non_persistent", set())
        set_(self, "_modules", OrderedDict())
        set_(self, "_forward_hooks", OrderedDict())
        set_(self, "_forward_pre_hooks", OrderedDict())

    # -- attribute registration ---------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        d = self.__dict__
        if "_parameters" not in d:
            raise AttributeError(f"{type(self).__name__}: call super().__init__() before "
                                 f"assigning {name!r}")
        params, buffers, modules = d["_parameters"], d["_buffers"], d["_modules"]
        if isinstance(value, Parameter):
            for table in (d, buffers, modules):
                table.pop(name, None)
            d["_non_persistent"].discard(name)
            params[name] = value
        elif isinstance(value, Module):
            for table in (d, params, buffers):
                table.pop(name, None)
            d["_non_persistent"].discard(name)
            modules[name] = value
        elif name in params or name in modules:
            if value is not None:
                kind = "a Parameter" if name in params else "a Module"
                raise expected(name, f"{kind} or None (it is registered as one)", value)
            (params if name in params else modules)[name] = None
        elif name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise expected(name, "a Tensor or None (a registered buffer)", value)
            buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        d = self.__dict__
        for table in ("_parameters", "_buffers", "_modules"):
            if table in d and name in d[table]:
                return d[table][name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __delattr__(self, name: str) -> None:
        for table in (self._parameters, self._buffers, self._modules):
            if name in table:
                del table[name]
                self._non_persistent.discard(name)
                return
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        if param is not None and not isinstance(param, Parameter):
            raise expected("param", "a Parameter or None", param)
        self._check_name(name, "_parameters")
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """A tensor that is state but not learnable (running statistics); saved in the
        ``state_dict`` unless ``persistent=False``."""
        if tensor is not None and not isinstance(tensor, Tensor):
            tensor = nm.asarray(tensor)
        self._check_name(name, "_buffers")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent.discard(name)
        else:
            self._non_persistent.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        if module is not None and not isinstance(module, Module):
            raise expected("module", "a Module or None", module)
        self._check_name(name, "_modules")
        self._modules[name] = module

    register_module = add_module

    def _check_name(self, name: str, table: str) -> None:
        """PyTorch's rule: a name may be re-registered in its own table only (registering a
        buffer under a parameter's name, or a module under a buffer's, raises)."""
        if not isinstance(name, str) or not name or "." in name:
            raise expected("name", "a non-empty string without '.'", name)
        others = [t for t in ("_parameters", "_buffers", "_modules") if t != table]
        if name in self.__dict__ or any(name in self.__dict__[t] for t in others):
            raise expected("name", "a name not already used by an attribute", name)

    # -- calling ------------------------------------------------------------------------------
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        for hook in list(self._forward_pre_hooks.values()):
            replaced = hook(self, args)
            if replaced is not None:
                args = replaced if isinstance(replaced, tuple) else (replaced,)
        result = self.forward(*args, **kwargs)
        for hook in list(self._forward_hooks.values()):
            replaced = hook(self, args, result)
            if replaced is not None:
                result = replaced
        return result

    def register_forward_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """``hook(module, inputs, output)`` after forward; a returned value replaces output."""
        handle = RemovableHandle(self._forward_hooks)
        self._forward_hooks[handle.id] = hook
        return handle

    def register_forward_pre_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """``hook(module, inputs)`` before forward; a returned value replaces the inputs."""
        handle = RemovableHandle(self._forward_pre_hooks)
        self._forward_pre_hooks[handle.id] = hook
        return handle

    # -- traversal ----------------------------------------------------------------------------
    def named_modules(self, memo: set[int] | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Module]]:
        memo = set() if memo is None else memo
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            sub = f"{prefix}.{name}" if prefix else name
            yield from module.named_modules(memo, sub, remove_duplicate)

    def modules(self) -> Iterator[Module]:
        for _, m in self.named_modules():
            yield m

    def named_children(self) -> Iterator[tuple[str, Module]]:
        seen: set[int] = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in seen:
                seen.add(id(m))
                yield name, m

    def children(self) -> Iterator[Module]:
        for _, m in self.named_children():
            yield m

    def _named_members(self, table: str, prefix: str, recurse: bool,
                       remove_duplicate: bool = True) -> Iterator[tuple[str, Any]]:
        seen: set[int] = set()
        mods = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) \
            if recurse else [(prefix, self)]
        for mod_prefix, module in mods:
            for name, value in getattr(module, table).items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield (f"{mod_prefix}.{name}" if mod_prefix else name), value

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        yield from self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        yield from self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def get_submodule(self, target: str) -> Module:
        module: Module = self
        for part in target.split(".") if target else []:
            if part not in module._modules:
                raise expected("target", f"a submodule path ({part!r} is not a child of "
                               f"{type(module).__name__})", target)
            module = module._modules[part]
        return module

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn`` on every submodule (children first) and on this module."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # -- modes and gradients ------------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Set ``training`` here and call ``train(mode)`` on each child (as PyTorch does, so
        a submodule that overrides ``train`` is honoured)."""
        if not isinstance(mode, bool):
            raise expected("mode", "a bool", mode)
        object.__setattr__(self, "training", mode)
        for m in self.children():
            m.train(mode)
        return self

    def eval(self) -> Module:
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for p in self.parameters():
            p.requires_grad = requires_grad
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                p.grad.data[...] = 0

    # -- state --------------------------------------------------------------------------------
    def state_dict(self, destination: dict[str, Tensor] | None = None, prefix: str = "",
                   keep_vars: bool = False) -> dict[str, Tensor]:
        """Every parameter and persistent buffer by dotted name (detached, shared memory)."""
        out: dict[str, Tensor] = {} if destination is None else destination
        # Every path, a module shared under two names included (as torch.nn saves it).
        for mod_prefix, module in self.named_modules(prefix=prefix.rstrip("."),
                                                     remove_duplicate=False):
            base = f"{mod_prefix}." if mod_prefix else ""
            for name, p in module._parameters.items():
                if p is not None:
                    out[base + name] = p if keep_vars else Tensor(p.data, p.device)
            for name, b in module._buffers.items():
                if b is not None and name not in module._non_persistent:
                    out[base + name] = b if keep_vars else Tensor(b.data, b.device)
        return out

    def load_state_dict(self, state_dict: dict[str, Any], strict: bool = True,
                        assign: bool = False) -> IncompatibleKeys:
        """Copy values into the parameters and buffers in place (shapes must match).

        ``strict=True`` raises on missing or unexpected keys; otherwise they are returned.
        """
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        if strict and (missing or unexpected):
            raise ValidationError(
                f"load_state_dict: state_dict: expected the keys of {type(self).__name__}; "
                f"missing {missing}, unexpected {unexpected}")
        with no_grad():
            for key, target in own.items():
                if key not in state_dict:
                    continue
                value = state_dict[key]
                value = value if isinstance(value, Tensor) else nm.asarray(value)
                if tuple(value.shape) != target.shape:
                    raise ShapeError(f"load_state_dict: {key}: expected shape {target.shape}, "
                                     f"got {tuple(value.shape)}")
                value = value.to(target.device)
                if assign:
                    target.data = value.data
                else:
                    target.device.backend.copy_into(target.data, value.data)
        return IncompatibleKeys(missing, unexpected)

    def to(self, device: Any = None, dtype: Any = None) -> Module:
        """Move (and/or cast floating) parameters and buffers in place; returns ``self``.

        Integer buffers keep their dtype; ``dtype`` must be floating or complex (PyTorch)."""
        if dtype is None and device is not None and _is_dtype(device):
            device, dtype = None, device
        if dtype is not None:
            if not _is_dtype(dtype) or np.dtype(dtype).kind not in "fc":
                raise expected("dtype", "a floating point or complex dtype", dtype)
        for t in list(self.parameters()) + list(self.buffers()):
            cast = dtype if dtype is not None and t.dtype.kind in "fc" else None
            moved = t.to(device, cast)
            if moved is not t:
                t.data, t.device = moved.data, moved.device
            if t.grad is not None:
                g = t.grad.to(device, cast)
                t.grad = g
        return self

    def float(self) -> Module:
        return self.to(dtype=nm.float32)

    def double(self) -> Module:
        return self.to(dtype=nm.float64)

    def half(self) -> Module:
        return self.to(dtype=nm.float16)

    def cpu(self) -> Module:
        return self.to("cpu")

    # -- display ------------------------------------------------------------------------------
    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        """PyTorch's layout: one line when there is only a one-line ``extra_repr``, else
        the extra lines and then the children, each indented by two spaces."""
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({name}): " + repr(m).replace("\n", "\n  ")
                       for name, m in self._modules.items()]
        head = f"{type(self).__name__}("
        if len(extra_lines) == 1 and not child_lines:
            return head + extra_lines[0] + ")"
        lines = extra_lines + child_lines
        if not lines:
            return head + ")"
        return head + "\n  " + "\n  ".join(lines) + "\n)"
