"""CuPy's API as numeru-cuda and numeru's generic code call it, checked without a GPU.

No GPU runs numeru-cuda's CuPy calls in CI, so a misspelt function, a keyword CuPy does not take
or an Array API name that ``array_api_compat.cupy`` lacks would first fail on a user's GPU.
These tests read the calls from the sources (``ast``) and check each against the installed CuPy:
the function exists and its signature binds the call's positional count and keyword names.

CuPy itself imports without a driver, but ``cupy.cublas`` and ``cupyx.scipy.linalg`` load cuBLAS
when imported; where the CUDA libraries are missing, their functions' signatures are read from
CuPy's Python sources instead. Compiled (Cython) functions without an introspectable signature
are checked for existence, and for their keywords when their docstring states the signature.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
from pathlib import Path
from typing import Any, NamedTuple

import pytest

pytest.importorskip("cupy")
compat = pytest.importorskip("array_api_compat.cupy")

import numeru.core  # noqa: E402
import numeru.cuda  # noqa: E402
from numeru.core import elementwise  # noqa: E402

CUDA_SOURCES = Path(numeru.cuda.__file__).parent
#: the modules whose CuPy calls run on the GPU, and names that stand for CuPy in each besides
#: ``cupy``/``cupyx`` and what they import (softmax.py's host code takes CuPy as ``xp``)
KERNEL_FILES = {"backend.py": {}, "_kernels/linalg.py": {}, "_kernels/philox.py": {},
                "_kernels/softmax.py": {"xp": "cupy"}, "_kernels/_nvrtc.py": {}}
ROOTS = {"cupy": "cupy", "cupyx": "cupyx"}


class Call(NamedTuple):
    where: str  # file:line
    target: str  # dotted name, e.g. cupy.linalg.solve
    positional: int | None  # None when a *args splat makes the count unknown
    keywords: tuple[str, ...]  # the literal keyword names (a **kwargs splat is left out)


# -- reading calls from sources ----------------------------------------------------------------

def _chain(node: ast.AST) -> list[str] | None:
    """``a.b.c`` as ["a", "b", "c"] (``self.cupy.x`` as ["cupy", "x"]); None for anything else."""
    names: list[str] = []
    while isinstance(node, ast.Attribute):
        names.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    if node.id == "self" and names and names[-1] == "cupy":
        return list(reversed(names))
    return [node.id, *reversed(names)]


def _call(where: str, target: str, node: ast.Call) -> Call:
    starred = any(isinstance(a, ast.Starred) for a in node.args)
    return Call(where, target, None if starred else len(node.args),
                tuple(k.arg for k in node.keywords if k.arg is not None))


def _aliases(tree: ast.AST, extra: dict[str, str]) -> dict[str, str]:
    """Local name -> CuPy module, from the file's imports (``from cupy import cublas``, ...)."""
    found = {**ROOTS, **extra}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in ROOTS:
            for alias in node.names:
                found[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                if top in ROOTS:  # ``import a.b`` binds ``a``; ``import a.b as c`` binds a.b
                    found[alias.asname or top] = alias.name if alias.asname else top
    return found


def kernel_calls() -> list[Call]:
    calls = []
    for file_name, extra in KERNEL_FILES.items():
        tree = ast.parse((CUDA_SOURCES / file_name).read_text(encoding="utf-8"))
        aliases = _aliases(tree, extra)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                chain = _chain(node.func)
                if chain and len(chain) > 1 and chain[0] in aliases:
                    target = ".".join([aliases[chain[0]], *chain[1:]])
                    calls.append(_call(f"{file_name}:{node.lineno}", target, node))
    return calls


# -- resolving a dotted name to a signature ----------------------------------------------------

def _source_def(module: str, name: str) -> ast.FunctionDef | None:
    """The ``def name`` of ``module`` (or of the module it re-exports ``name`` from), read from
    the source file without importing it."""
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        return None
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return node
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and any(
                (a.asname or a.name) == name for a in node.names):
            original = next(a.name for a in node.names if (a.asname or a.name) == name)
            sub = node.module.removeprefix(module + ".")
            folder = Path(spec.origin).parent
            path = folder / f"{sub.replace('.', '/')}.py"
            if sub != node.module and path.is_file():
                tree = ast.parse(path.read_text(encoding="utf-8"))
                return next((n for n in tree.body if isinstance(n, ast.FunctionDef)
                             and n.name == original), None)
            return _source_def(node.module, original)
    return None


def _signature_of_def(node: ast.FunctionDef) -> inspect.Signature:
    args, P = node.args, inspect.Parameter
    params = []
    positional = [*args.posonlyargs, *args.args]
    first_default = len(positional) - len(args.defaults)
    for i, arg in enumerate(positional):
        kind = P.POSITIONAL_ONLY if i < len(args.posonlyargs) else P.POSITIONAL_OR_KEYWORD
        params.append(P(arg.arg, kind, default=None if i >= first_default else P.empty))
    if args.vararg:
        params.append(P(args.vararg.arg, P.VAR_POSITIONAL))
    for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        params.append(P(arg.arg, P.KEYWORD_ONLY, default=P.empty if default is None else None))
    if args.kwarg:
        params.append(P(args.kwarg.arg, P.VAR_KEYWORD))
    return inspect.Signature(params)


def _signature_from_doc(obj: Any) -> inspect.Signature | None:
    """A Cython function's embedded signature (first docstring line), C types dropped."""
    line = (getattr(obj, "__doc__", None) or "").strip().splitlines()[:1]
    name = getattr(obj, "__name__", "")
    if not line or not line[0].startswith(f"{name}(") or ")" not in line[0]:
        return None
    inner = line[0][len(name) + 1:line[0].rindex(")")]
    cleaned = []
    for part in inner.split(","):
        head, eq, default = part.partition("=")
        words = head.split()
        cleaned.append(words[-1] + eq + default if words else part)
    try:
        tree = ast.parse(f"def f({', '.join(cleaned)}): pass")
    except SyntaxError:
        return None
    return _signature_of_def(tree.body[0])  # type: ignore[arg-type]


class Unloadable(Exception):
    """A CuPy module that exists but cannot be imported here (its CUDA library is missing)."""


def resolve(target: str) -> Any:
    """The object named ``target``, or an ``ast.FunctionDef`` read from CuPy's source where its
    module cannot be imported on this machine."""
    parts = target.split(".")
    obj: Any = importlib.import_module(parts[0])
    path = parts[0]
    for k, part in enumerate(parts[1:], start=1):
        try:
            obj = getattr(obj, part)
        except ImportError:  # a lazily imported module whose library is missing
            obj = None
        except AttributeError:
            if not inspect.ismodule(obj):
                raise
            obj = None
        if obj is None:
            name = f"{path}.{part}"
            try:
                obj = importlib.import_module(name)
            except ModuleNotFoundError:
                raise AttributeError(f"{path} has no attribute {part!r}") from None
            except ImportError:
                if len(parts) != k + 2:
                    raise Unloadable(name) from None
                node = _source_def(name, parts[-1])
                if node is None:
                    raise AttributeError(f"{name} has no function {parts[-1]!r}") from None
                return node
        path = f"{path}.{part}"
    return obj


def signature(obj: Any) -> inspect.Signature | None:
    if isinstance(obj, ast.FunctionDef):
        return _signature_of_def(obj)
    try:
        return inspect.signature(obj)
    except (TypeError, ValueError):
        return _signature_from_doc(obj)


def binds(sig: inspect.Signature, positional: int | None, keywords: tuple[str, ...]) -> str | None:
    """None when a call with ``positional`` arguments and ``keywords`` binds to ``sig``, else
    why not."""
    marker = object()
    try:
        if positional is None:
            sig.bind_partial(**dict.fromkeys(keywords, marker))
        else:
            sig.bind(*[marker] * positional, **dict.fromkeys(keywords, marker))
    except TypeError as exc:
        return str(exc)
    return None


# -- the kernels' CuPy calls -------------------------------------------------------------------

CALLS = kernel_calls()


def test_the_kernel_sources_are_read():
    """The scan sees the calls that matter (a scan that found nothing would check nothing)."""
    targets = {c.target for c in CALLS}
    assert {"cupy.linalg.solve", "cupy.linalg.cholesky", "cupyx.scipy.linalg.lu_factor",
            "cupyx.scipy.linalg.solve_triangular", "cupy.cublas.gemm", "cupyx.errstate",
            "cupy.from_dlpack", "cupy.cuda.runtime.getDeviceProperties"} <= targets


@pytest.mark.parametrize("call", CALLS, ids=lambda c: f"{c.target}@{c.where}")
def test_every_cupy_function_a_kernel_calls_exists_and_takes_its_arguments(call):
    try:
        obj = resolve(call.target)
    except Unloadable as exc:
        pytest.skip(f"{exc} cannot be imported here and is not a plain function of it")
    except AttributeError as exc:
        pytest.fail(f"{call.where}: {call.target} does not exist in CuPy "
                    f"{importlib.import_module('cupy').__version__}: {exc}")
    if inspect.isclass(obj) or (signature(obj) is None):
        return  # a class or a compiled function that states no signature: it exists
    problem = binds(signature(obj), call.positional, call.keywords)
    assert problem is None, (f"{call.where}: {call.target}({call.positional} positional, "
                             f"keywords {call.keywords}) does not bind to {signature(obj)}: "
                             f"{problem}")


def test_the_methods_the_backend_calls_on_cupy_objects_exist():
    """Calls on objects rather than modules, which the scan above cannot resolve."""
    import cupy

    pool = cupy.cuda.memory.MemoryPool
    assert callable(pool.used_bytes) and callable(pool.total_bytes)  # info()
    assert hasattr(cupy.cuda.Device, "id") and hasattr(cupy.ndarray, "device")  # device_index
    assert callable(cupy.cuda.Stream.synchronize)  # synchronize()
    assert callable(cupy.RawModule.get_function)  # _nvrtc.kernel


# -- the namespace numeru's generic code runs on ----------------------------------------------

#: functions through which ops are declared (``dispatch.op`` and the modules' aliases of it)
OP_FUNCTIONS = {"op", "_op", "_E"}
APPLY_FUNCTIONS = {"apply", "apply_one", "_apply_one"}


def _packages() -> list[Path]:
    """numeru-core and, where installed, the numeru packages whose generic code runs on cuda."""
    folders = [Path(numeru.core.__file__).parent]
    for name in ("numeru.linalg", "numeru.dl"):
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.origin is not None:
            folders.append(Path(spec.origin).parent)
    return folders


def _declared(node: ast.AST) -> tuple[str, bool] | None:
    """(op name, whether it has a generic implementation) of ``dispatch.op("name", ...)``."""
    if not isinstance(node, ast.Call) or not node.args:
        return None
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    first = node.args[0]
    if name not in OP_FUNCTIONS or not isinstance(first, ast.Constant) or not isinstance(
            first.value, str):
        return None
    return first.value, len(node.args) > 1 or any(k.arg == "generic" for k in node.keywords)


def _params(node: ast.AST) -> tuple[str, ...] | None:
    if isinstance(node, ast.Dict) and all(isinstance(k, ast.Constant) for k in node.keys):
        return tuple(k.value for k in node.keys)  # type: ignore[union-attr]
    if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "dict" and not node.args:
        return tuple(k.arg for k in node.keywords if k.arg is not None)
    return None


def generic_code() -> tuple[dict[str, dict[str, Any]], list[Call], set[str]]:
    """(ops resolved as ``getattr(xp, name)``: name -> {"generic", "calls"}, direct ``xp.f(...)``
    calls, every ``xp.<name>`` read) in the generic code of numeru's packages."""
    ops: dict[str, dict[str, Any]] = {}
    direct: list[Call] = []
    names: set[str] = set()
    for folder in _packages():
        for path in sorted(folder.rglob("*.py")):
            where = f"{folder.parent.name}.{folder.name}/{path.relative_to(folder)}"
            tree = ast.parse(path.read_text(encoding="utf-8"))
            bound = {t.id: d for n in ast.walk(tree) if isinstance(n, ast.Assign)
                     for t in n.targets if isinstance(t, ast.Name)
                     if (d := _declared(n.value)) is not None}
            for node in ast.walk(tree):
                declared = _declared(node)
                if declared is not None:
                    entry = ops.setdefault(declared[0], {"generic": False, "calls": []})
                    entry["generic"] |= declared[1]
                if isinstance(node, ast.Attribute) and node.attr and (
                        (isinstance(node.value, ast.Name) and node.value.id == "xp")
                        or (isinstance(node.value, ast.Attribute) and node.value.attr == "xp")):
                    names.add(node.attr)
                if not isinstance(node, ast.Call):
                    continue
                chain = _chain(node.func) or []
                if len(chain) == 2 and chain[0] == "xp" or (len(chain) > 2 and chain[-2] == "xp"):
                    direct.append(_call(f"{where}:{node.lineno}", chain[-1], node))
                func_name = chain[-1] if chain else None
                if func_name in APPLY_FUNCTIONS and len(node.args) >= 3:
                    first = node.args[0]
                    op = _declared(first) or (bound.get(first.id) if isinstance(first, ast.Name)
                                              else None)
                    keywords = _params(node.args[2])
                    if op is None or keywords is None:
                        continue
                    arrays = node.args[1]
                    positional = (1 if func_name != "apply" else
                                  len(arrays.elts) if isinstance(arrays, ast.Tuple) and not any(
                                      isinstance(e, ast.Starred) for e in arrays.elts) else None)
                    ops.setdefault(op[0], {"generic": op[1], "calls": []})["calls"].append(
                        Call(f"{where}:{node.lineno}", op[0], positional, keywords))
    for name in (*elementwise.UNARY, *elementwise.BINARY):  # declared in a loop over these
        ops.setdefault(name, {"generic": False, "calls": []})
    return ops, direct, names


OPS, DIRECT, NAMES = generic_code()
NAMESPACE_OPS = sorted(name for name, entry in OPS.items() if not entry["generic"])


def test_the_generic_code_is_read():
    assert {"reshape", "matmul", "sum", "add", "tril", "where"} <= set(NAMESPACE_OPS)
    assert any(c.target == "astype" for c in DIRECT) and "float64" in NAMES


@pytest.mark.parametrize("name", NAMESPACE_OPS)
def test_every_op_without_a_generic_is_a_function_of_array_api_compat_cupy(name):
    """Dispatch runs such an op as ``getattr(backend.xp, name)(*arrays, **params)`` on cuda
    (unless numeru-cuda registers a kernel for it): the name must exist and take the params."""
    fn = getattr(compat, name, None)
    assert fn is not None, f"array_api_compat.cupy has no {name!r}: op {name!r} fails on cuda"
    sig = signature(fn)
    if sig is None:
        return  # a CuPy ufunc: elementwise ops pass no params
    for call in OPS[name]["calls"]:
        problem = binds(sig, call.positional, call.keywords)
        assert problem is None, f"{call.where}: xp.{name}{sig} refuses {call}: {problem}"


@pytest.mark.parametrize("name", sorted(NAMES))
def test_every_xp_name_the_generic_code_reads_exists_in_array_api_compat_cupy(name):
    assert hasattr(compat, name), f"array_api_compat.cupy has no {name!r}"


@pytest.mark.parametrize("call", DIRECT, ids=lambda c: f"{c.target}@{c.where}")
def test_every_direct_xp_call_binds_to_array_api_compat_cupy(call):
    fn = getattr(compat, call.target, None)
    assert fn is not None, f"{call.where}: array_api_compat.cupy has no {call.target!r}"
    sig = signature(fn)
    if sig is not None:
        problem = binds(sig, call.positional, call.keywords)
        assert problem is None, f"{call.where}: xp.{call.target}{sig} refuses {call}: {problem}"
