"""``numeru inspect FILE.nmr``: what a file holds, without building the object.

Prints the stored object (a registered model's name, class and distribution), the producing
distributions and versions, the model's parameters, the metadata and the tensor table with
each tensor's checksum status. Exits with status 1 when any checksum does not match. Nothing
is imported or constructed: only the header is parsed and the buffers are checksummed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, TextIO

from ._io import verify_file
from ._layout import Header


def _text(value: Any) -> str:
    """``value`` as text safe for a terminal: control characters (escape sequences, carriage
    returns, newlines, bidi overrides) read from a file are shown escaped, never sent raw, so a
    crafted file cannot rewrite what ``inspect`` prints (a "MISMATCH" line, say)."""
    text = value if isinstance(value, str) else repr(value)
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii")
                   for c in text)


def _kind(body: dict[str, Any]) -> str:
    """``model`` for ``"models"``: the singular of an ``$object``'s registry kind."""
    kind = body.get("kind")
    return _text(kind[:-1]) if isinstance(kind, str) and kind else "?"


def _describe_value(node: Any, header: Header, depth: int = 0) -> str:
    """A short readable form of an encoded value (tensor references become their shape)."""
    if depth > 8:
        return "..."
    if isinstance(node, dict) and len(node) == 1:
        (tag, body), = node.items()
        if tag in ("$tensor", "$ndarray") and isinstance(body, int) and \
                0 <= body < len(header.tensors):
            entry = header.tensors[body]
            kind = "Tensor" if tag == "$tensor" else "ndarray"
            return f"<{kind} {entry.dtype} {list(entry.shape)}>"
        if tag == "$object" and isinstance(body, dict):
            return f"<{_kind(body)} {_text(repr(body.get('name')))}>"
        if tag == "$float":
            return _text(body)
        if tag == "$scalar" and isinstance(body, list) and len(body) == 2:
            return f"{_text(body[0])}({_describe_value(body[1], header, depth + 1)})"
        if tag == "$strings" and isinstance(body, dict):
            return f"<str array {_text(body.get('shape'))}>"
        if tag == "$tuple" and isinstance(body, list):
            return "(" + ", ".join(_describe_value(v, header, depth + 1) for v in body) + ")"
    if isinstance(node, list):
        return "[" + ", ".join(_describe_value(v, header, depth + 1) for v in node) + "]"
    if isinstance(node, dict):
        items = (f"{_text(repr(k))}: {_describe_value(v, header, depth + 1)}"
                 for k, v in node.items())
        return "{" + ", ".join(items) + "}"
    text = _text(repr(node))  # Python spelling (True, None, 'text'): the reader is a Python user
    return text if len(text) <= 100 else text[:97] + "..."


def _items(count: int) -> str:
    return f"{count} item" + ("" if count == 1 else "s")


_ROOTS = {"$strings": "a NumPy array of strings", "$float": "a float",
          "$complex": "a complex number", "$bytes": "bytes", "$scalar": "a NumPy scalar",
          "$dtype": "a dtype"}


def _describe_root(node: Any) -> str:
    if isinstance(node, dict) and len(node) == 1:
        (tag, body), = node.items()
        if tag == "$object" and isinstance(body, dict):
            version = f" {_text(body['version'])}" if body.get("version") else ""
            return (f"{_kind(body)} {_text(repr(body.get('name')))} ({_text(body.get('class'))}) "
                    f"from {_text(body.get('distribution'))}{version}")
        if tag in ("$tensor", "$ndarray"):
            return "a Tensor" if tag == "$tensor" else "a NumPy array"
        if tag == "$tuple" and isinstance(body, list):
            return f"a tuple of {_items(len(body))}"
        if tag == "$dict" and isinstance(body, list):
            return f"a dict of {_items(len(body))}"
        if tag in _ROOTS:
            return _ROOTS[tag]
    if isinstance(node, dict):
        return f"a dict of {_items(len(node))}"
    if isinstance(node, list):
        return f"a list of {_items(len(node))}"
    return f"a {type(node).__name__}"


def _parameters(node: Any) -> dict[str, Any] | None:
    if isinstance(node, dict) and isinstance(node.get("$object"), dict):
        state = node["$object"].get("state")
        if isinstance(state, dict) and isinstance(state.get("params"), dict):
            return state["params"]
    return None


def report(path: str, out: TextIO) -> int:
    """Write the inspection of ``path`` to ``out``; 1 when a checksum fails, else 0."""
    from ..cli import write_table

    header, results = verify_file(path)
    size = os.path.getsize(path)
    out.write(f"file: {path} ({size} bytes, .nmr format version {header.version})\n")
    out.write(f"object: {_describe_root(header.root)}\n")
    producers = ", ".join(f"{_text(d)} {_text(v) if v else '(unknown version)'}"
                          for d, v in header.producers.items())
    out.write(f"produced by: {producers or '(not recorded)'}\n")
    params = _parameters(header.root)
    if params is not None:
        out.write("parameters:\n")
        for name, value in params.items():
            out.write(f"  {_text(name)} = {_describe_value(value, header)}\n")
    if header.metadata:
        out.write("metadata:\n")
        for key, value in header.metadata.items():
            out.write(f"  {_text(key)}: {_text(value)}\n")
    total = sum(e.nbytes for e in header.tensors)
    out.write(f"tensors: {len(header.tensors)} ({total} bytes)\n")
    if header.tensors:
        rows = [[_text(e.name), str(e.dtype), str(e.shape), e.offset,
                 e.nbytes, f"{e.crc32:08x}", "ok" if ok else "MISMATCH"]
                for e, ok in zip(header.tensors, results, strict=True)]
        write_table(out, ["name", "dtype", "shape", "offset", "nbytes", "crc32", "checksum"],
                    rows)
    bad = results.count(False)
    out.write(f"checksums: {'all ok' if not bad else f'{bad} MISMATCH (the file is corrupt)'}\n")
    return 1 if bad else 0


def _run(args: argparse.Namespace) -> int:
    if not os.path.isfile(args.file):
        problem = "not a file" if os.path.exists(args.file) else "no such file"
        print(f"numeru inspect: error: {args.file}: {problem}", file=sys.stderr)
        return 1
    if args.header:
        from ._io import read_header

        with open(args.file, "rb") as file:
            json.dump(read_header(file).raw, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    return report(args.file, sys.stdout)


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="the .nmr file to inspect")
    parser.add_argument("--header", action="store_true", help="print the raw JSON header")


def _command() -> Any:
    from ..cli import Command

    return Command("show a .nmr file: object, producers, parameters, tensors, checksums",
                   _run, _configure)


COMMAND = _command()
