"""Object <-> (JSON tree, arrays): what a ``.nmr`` header's ``object`` entry holds.

Plain JSON values stay as they are. Everything else is a one-key object whose key starts
with ``$`` (a dict whose own keys could be mistaken for one is itself wrapped in ``$dict``):

- ``{"$ndarray": i}`` / ``{"$tensor": i}``: row ``i`` of the tensor table, loaded as a NumPy
  array / a numeru Tensor. The same array saved twice is stored once and loaded as one object.
- ``{"$strings": {"shape": [...], "values": [...]}}``: a NumPy array of str (class labels).
- ``{"$tuple": [...]}``, ``{"$dict": [[key, value], ...]}``, ``{"$float": "nan"|"inf"|"-inf"}``,
  ``{"$complex": [re, im]}``, ``{"$bytes": "<base64>"}``,
  ``{"$scalar": ["float32", value]}`` (a NumPy scalar),
  ``{"$dtype": ["float32", "dtype"|"type"|"builtin"]}`` (a dtype parameter: ``np.dtype``, a
  NumPy scalar type such as ``np.float64``, or ``bool/int/float/complex/str``).
- ``{"$object": {"kind": "models", "name": ..., "distribution": ..., "version": ...,
  "state": ...}}``: a registered object, rebuilt with ``registry(kind).get(name)`` and the
  class's ``_nmr_from_state``. Names read from a file are only ever registry keys: no import,
  no pickle, no code from the file.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from typing import Any

import numpy as np

from ..dtypes import BY_NAME
from ..errors import FormatError, PluginError, ValidationError, expected
from ..tensor import Tensor
from ._layout import _clip, dtype_name

KINDS = ("models", "optimizers", "schedulers", "index_types")
_BUILTIN_TYPES = {"bool": bool, "int": int, "float": float, "complex": complex, "str": str}
# Containers nested deeper than this are refused (saving: ValidationError, loading:
# FormatError). Each level costs the decoder up to three Python frames, so this keeps a
# hostile file far from the interpreter's recursion limit; real models nest a few levels.
MAX_DEPTH = 100


def _where(path: str) -> str:
    """``obj``, ``obj.state.coef_``, ``obj[0]``: where a value sits, for error messages."""
    return "obj" + ("" if not path or path.startswith("[") else ".") + path


class Encoder:
    """Walks a value, collecting arrays (as little-endian NumPy arrays) and producers."""

    def __init__(self) -> None:
        self.arrays: list[tuple[str, np.ndarray]] = []
        self.producers: dict[str, str | None] = {}
        self._seen: dict[int, int] = {}  # id(array or tensor) -> table row
        self._keep: list[Any] = []  # keeps encoded objects alive so ids stay unique

    def encode(self, value: Any, path: str = "", depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            raise expected("obj", f"nesting at most {MAX_DEPTH} levels deep", path,
                           error=ValidationError)
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, int):
            return int(value)
        if isinstance(value, float):
            return float(value) if math.isfinite(value) else {"$float": repr(float(value))}
        if isinstance(value, complex):
            return {"$complex": [self.encode(value.real), self.encode(value.imag)]}
        if isinstance(value, bytes):
            return {"$bytes": base64.b64encode(value).decode("ascii")}
        if isinstance(value, (np.dtype, type)):
            return self._dtype(value, path)
        if isinstance(value, Tensor):
            return {"$tensor": self._array(value, value.numpy(), path)}
        if isinstance(value, np.ndarray):
            if value.dtype.kind in "UO":
                return self._strings(value, path)
            return {"$ndarray": self._array(value, value, path)}
        if isinstance(value, np.generic):
            if not isinstance(value, (np.bool_, np.number)) and value.dtype.name != "bfloat16":
                if isinstance(value, np.str_):
                    return str(value)
                raise self._unsupported(value, path)
            self._check_dtype(value.dtype, path)
            return {"$scalar": [dtype_name(value.dtype), self.encode(value.item(), path)]}
        if isinstance(value, tuple):
            return {"$tuple": [self.encode(v, f"{path}[{i}]", depth + 1)
                               for i, v in enumerate(value)]}
        if isinstance(value, list):
            return [self.encode(v, f"{path}[{i}]", depth + 1) for i, v in enumerate(value)]
        if isinstance(value, dict):
            return self._dict(value, path, depth)
        if hasattr(type(value), "_nmr_state"):
            return self._object(value, path, depth)
        raise self._unsupported(value, path)

    def _dtype(self, value: Any, path: str) -> Any:
        """A dtype parameter (``dtype=np.float32``, ``dtype=float``), from a fixed list only."""
        if isinstance(value, np.dtype) and dtype_name(value.newbyteorder("=")) in BY_NAME:
            return {"$dtype": [dtype_name(value.newbyteorder("=")), "dtype"]}
        if value in _BUILTIN_TYPES.values():
            return {"$dtype": [value.__name__, "builtin"]}
        if isinstance(value, type) and issubclass(value, np.generic):
            name = dtype_name(np.dtype(value))
            if name in BY_NAME and BY_NAME[name].type is value:
                return {"$dtype": [name, "type"]}
        raise self._unsupported(value, path)

    def _unsupported(self, value: Any, path: str) -> ValidationError:
        if isinstance(value, np.dtype):
            got = f"dtype {value} (not a numeru dtype)"
        elif isinstance(value, type):
            got = f"the class {value.__qualname__} (classes are not saved, only instances of "\
                  "registered ones)"
        else:
            got = f"a {type(value).__qualname__}"
        return ValidationError(f"{_where(path)}: expected a Tensor, NumPy array, JSON-safe "
                               "value, dtype, list, tuple, dict or registered model (no "
                               f"pickling), got {got}")

    def _check_dtype(self, dtype: np.dtype, path: str) -> None:
        if dtype_name(dtype.newbyteorder("=")) not in BY_NAME:
            raise expected(_where(path), f"an array of one of the dtypes {sorted(BY_NAME)}",
                           f"dtype {dtype}", error=ValidationError)

    def _array(self, owner: Any, host: np.ndarray, path: str) -> int:
        row = self._seen.get(id(owner))
        if row is not None:
            return row
        self._check_dtype(host.dtype, path)
        if host.dtype.byteorder == ">":
            host = host.astype(host.dtype.newbyteorder("<"))  # the format is little-endian
        row = len(self.arrays)
        self.arrays.append((path or "/", host))
        self._seen[id(owner)] = row
        self._keep.append(owner)
        return row

    def _strings(self, value: np.ndarray, path: str) -> Any:
        flat = value.ravel().tolist()
        if not all(isinstance(v, str) for v in flat):
            other = next(v for v in flat if not isinstance(v, str))
            raise ValidationError(f"{_where(path)}: expected an array of numbers, or of strings "
                                  f"only, got an object array holding {type(other).__name__}")
        return {"$strings": {"shape": list(value.shape), "values": flat}}

    def _dict(self, value: dict[Any, Any], path: str, depth: int) -> Any:
        plain = all(isinstance(k, str) and not k.startswith("$") for k in value)
        if plain:
            return {k: self.encode(v, f"{path}.{k}" if path else k, depth + 1)
                    for k, v in value.items()}
        return {"$dict": [[self.encode(k, path, depth + 1),
                           self.encode(v, f"{path}[{k!r}]", depth + 1)]
                          for k, v in value.items()]}

    def _object(self, value: Any, path: str, depth: int) -> Any:
        kind, name = registered_name(type(value))
        distribution, version = producer(kind, name)
        self.producers[distribution] = version
        state = value._nmr_state()
        return {"$object": {"kind": kind, "name": name, "class": type(value).__name__,
                            "distribution": distribution, "version": version,
                            "state": self.encode(state, f"{path}.state" if path else "state",
                                                 depth + 1)}}


def producer(kind: str, name: str) -> tuple[str, str | None]:
    """(distribution, version) of the plugin that registered ``name`` in registry ``kind``."""
    from ..plugins import plugin_info, registry

    plugin = registry(kind).provider(name)
    for info in plugin_info():
        if info.name == plugin:
            return info.distribution or plugin, info.version
    return plugin, None


def registered_name(cls: type) -> tuple[str, str]:
    """The (registry kind, name) under which ``cls`` is registered (reverse look-up).

    Registry entries are often ``"module:attribute"`` strings resolved on first use; those
    are compared as text first so that saving a model does not import every installed plugin.
    """
    from ..plugins import registry

    reference = f"{cls.__module__}:{cls.__qualname__}"
    package = ".".join(cls.__module__.split(".")[:2])
    for kind in KINDS:
        reg = registry(kind)
        for name in reg.names():
            entry = reg._entries[name][0]
            if entry is cls or entry == reference:
                return kind, name
    for kind in KINDS:  # re-exported references ("numeru.trees:RandomForestClassifier")
        reg = registry(kind)
        for name in reg.names():
            entry = reg._entries[name][0]
            if isinstance(entry, str) and entry.startswith(package) and reg.get(name) is cls:
                return kind, name
    raise expected("obj", f"an instance of a registered class ({cls.__qualname__} is not in "
                   "any registry; register it with the register_models hook)", cls.__qualname__,
                   error=PluginError)


class Decoder:
    """Rebuilds a value from its tree and the loaded arrays (already on the target device)."""

    def __init__(self, arrays: list[Any], to_tensor: Any, device_name: str) -> None:
        self.arrays = arrays  # host NumPy arrays, one per table row
        self.to_tensor = to_tensor  # host array -> Tensor on the target device
        self.as_tensors = device_name != "cpu"  # off the CPU every array becomes a Tensor
        self.device_name = device_name
        self._tensors: dict[int, Tensor] = {}

    def decode(self, node: Any, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            raise FormatError(f"object tree: expected at most {MAX_DEPTH} levels, got more")
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):
            return [self.decode(v, depth + 1) for v in node]
        if not isinstance(node, dict):
            raise FormatError(f"object tree: unexpected JSON value {type(node).__name__}")
        tags = [k for k in node if k.startswith("$")]
        if not tags:
            return {k: self.decode(v, depth + 1) for k, v in node.items()}
        if len(node) != 1:
            raise FormatError(f"object tree: a tagged value has one key, got {sorted(node)}")
        tag, body = tags[0], node[tags[0]]
        method = getattr(self, "_" + tag[1:], None) if tag[1:].isidentifier() else None
        if method is None or tag not in TAGS:
            raise FormatError(f"object tree: unknown tag {_clip(tag)}")
        return method(body, depth)

    def _row(self, body: Any) -> int:
        if not isinstance(body, int) or isinstance(body, bool) or not 0 <= body < len(self.arrays):
            raise FormatError(f"object tree: tensor reference expected in [0, "
                              f"{len(self.arrays)}), got {_clip(body)}")
        return body

    def _ndarray(self, body: Any, depth: int) -> Any:
        row = self._row(body)
        return self._tensor(row, depth) if self.as_tensors else self.arrays[row]

    def _tensor(self, body: Any, depth: int) -> Any:
        row = self._row(body)
        found = self._tensors.get(row)
        if found is None:
            found = self._tensors[row] = self.to_tensor(self.arrays[row])
        return found

    def _strings(self, body: Any, depth: int) -> Any:
        if not isinstance(body, dict) or set(body) != {"shape", "values"}:
            raise FormatError("object tree: $strings expects 'shape' and 'values'")
        shape, values = body["shape"], body["values"]
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values) or \
                not isinstance(shape, list) or len(shape) > 64 or not all(
                    isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= 2**31
                    for d in shape) or math.prod(shape) != len(values):
            raise FormatError("object tree: $strings expects a shape matching its values")
        # NumPy stores every string at the longest one's width (4 bytes a character): refuse
        # an array far larger than its text, so a small header cannot demand a huge allocation.
        width = max((len(v) for v in values), default=1) or 1
        text = sum(len(v) for v in values) + len(values)
        if 4 * width * len(values) > 16 * text + (1 << 20):
            raise FormatError(f"object tree: $strings of {len(values)} values up to {width} "
                              "characters long would need far more memory than its text")
        try:
            return np.array(values, dtype=f"<U{width}").reshape(shape)
        except (ValueError, MemoryError) as exc:
            raise FormatError(f"object tree: $strings cannot be built ({exc})") from None

    def _tuple(self, body: Any, depth: int) -> Any:
        if not isinstance(body, list):
            raise FormatError("object tree: $tuple expects a list")
        return tuple(self.decode(v, depth + 1) for v in body)

    def _dict(self, body: Any, depth: int) -> Any:
        if not isinstance(body, list) or not all(isinstance(p, list) and len(p) == 2
                                                 for p in body):
            raise FormatError("object tree: $dict expects a list of [key, value] pairs")
        result = {}
        for key_node, value_node in body:
            key = self.decode(key_node, depth + 1)
            try:
                result[key] = self.decode(value_node, depth + 1)
            except TypeError:  # an unhashable key (a list) from a corrupt file
                raise FormatError("object tree: $dict key is not hashable") from None
        return result

    def _float(self, body: Any, depth: int) -> Any:
        if body not in ("nan", "inf", "-inf"):
            raise FormatError("object tree: $float expects 'nan', 'inf' or '-inf', got "
                              f"{_clip(body)}")
        return float(body)

    def _complex(self, body: Any, depth: int) -> Any:
        if not isinstance(body, list) or len(body) != 2:
            raise FormatError("object tree: $complex expects [real, imag]")
        parts = [self.decode(v, depth + 1) for v in body]
        if not all(isinstance(p, (int, float)) and not isinstance(p, bool) for p in parts):
            raise FormatError("object tree: $complex expects two numbers")
        try:
            return complex(parts[0], parts[1])
        except OverflowError:  # an integer too large for a float
            raise FormatError("object tree: $complex part out of range") from None

    def _bytes(self, body: Any, depth: int) -> Any:
        if not isinstance(body, str):
            raise FormatError("object tree: $bytes expects a base64 string")
        try:
            return base64.b64decode(body.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError):
            raise FormatError("object tree: $bytes holds invalid base64") from None

    def _scalar(self, body: Any, depth: int) -> Any:
        if not isinstance(body, list) or len(body) != 2 or body[0] not in BY_NAME:
            raise FormatError("object tree: $scalar expects [dtype name, value]")
        value = self.decode(body[1], depth + 1)
        if not isinstance(value, (bool, int, float, complex)):
            raise FormatError("object tree: $scalar expects a number")
        try:
            with np.errstate(all="ignore"):
                scalar_type: Any = BY_NAME[body[0]].type
                return scalar_type(value)
        except (OverflowError, TypeError, ValueError):
            raise FormatError(f"object tree: $scalar value {_clip(value)} does not fit "
                              f"{body[0]}") from None

    def _dtype(self, body: Any, depth: int) -> Any:
        if not isinstance(body, list) or len(body) != 2 or not all(isinstance(b, str)
                                                                   for b in body):
            raise FormatError("object tree: $dtype expects [name, 'dtype'|'type'|'builtin']")
        name, form = body
        if form == "builtin" and name in _BUILTIN_TYPES:
            return _BUILTIN_TYPES[name]
        if form in ("dtype", "type") and name in BY_NAME:
            return BY_NAME[name] if form == "dtype" else BY_NAME[name].type
        raise FormatError(f"object tree: $dtype {_clip(body)} is not a numeru dtype")

    def _object(self, body: Any, depth: int) -> Any:
        if not isinstance(body, dict) or body.get("kind") not in KINDS or \
                not isinstance(body.get("name"), str) or "state" not in body:
            raise FormatError("object tree: $object expects 'kind', 'name' and 'state'")
        from ..plugins import registry

        kind, name = body["kind"], body["name"]
        reg = registry(kind)
        if name not in reg:
            raise PluginError(_unknown_message(reg.noun, kind, name, body))
        cls = reg.get(name)
        if not hasattr(cls, "_nmr_from_state"):
            raise PluginError(f"{reg.noun} {name!r} ({reg.provider(name)}) does not implement "
                              "the .nmr state protocol (_nmr_from_state)")
        state = self.decode(body["state"], depth + 1)
        try:
            obj = cls._nmr_from_state(state)
        except Exception as exc:  # the model refused its state: the file does not fit it
            raise FormatError(f"{reg.noun} {name!r} could not be rebuilt from the file's state: "
                              f"{type(exc).__name__}: {exc}") from exc
        from ..validation import FIT_DEVICE

        if isinstance(getattr(obj, FIT_DEVICE, None), str):
            setattr(obj, FIT_DEVICE, self.device_name)
        return obj


# What a distribution name and a version look like (PEP 508 names, PEP 440-ish versions).
_DISTRIBUTION = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,98}[A-Za-z0-9])?")
_VERSION = re.compile(r"[A-Za-z0-9.+!_-]{1,64}")


def _unknown_message(noun: str, kind: str, name: str, body: dict[str, Any]) -> str:
    """The error for a registry name nothing installed provides.

    Only numeru's own catalog gives a ``pip install`` command: the distribution recorded in the
    file is reported as what the file claims, never turned into a command to run (a forged
    file could name any package), and shown only when it looks like a distribution name.
    """
    from .. import catalog

    message = f"unknown {noun} {_clip(name)}"
    distribution, version = body.get("distribution"), body.get("version")
    if isinstance(distribution, str) and _DISTRIBUTION.fullmatch(distribution):
        shown = distribution + (f" {version}" if isinstance(version, str)
                                and _VERSION.fullmatch(version) else "")
        message += f" (the file says it was saved by {shown})"
    known = catalog.provider(kind, name)
    if known is not None:
        return f"{message}: pip install {known}"
    return f"{message}: no installed plugin registers it"


TAGS = {"$ndarray", "$tensor", "$strings", "$tuple", "$dict", "$float", "$complex", "$bytes",
        "$scalar", "$dtype", "$object"}
