"""The ``numeru`` command line.

Built-in commands (``plugins``, ``info``, ``demo``) and any a plugin adds through the
``register_commands`` hook are the same kind of object: a ``Command``.

Exit status: 0 on success; 1 for an error (a ``NumeruError`` or an ``OSError``, printed as one
``numeru COMMAND: error: ...`` line on stderr, no traceback) or a failed check (``inspect`` on a
checksum mismatch, ``plugins --strict`` on a load failure); 2 for a usage error (argparse's, or
no command given).
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO


@dataclass(frozen=True)
class Command:
    """A subcommand: ``configure`` adds its arguments, ``run`` does the work (exit code)."""

    help: str
    run: Callable[[argparse.Namespace], int | None]
    configure: Callable[[argparse.ArgumentParser], None] | None = None


def _plugins(args: argparse.Namespace) -> int:
    from .plugins import plugin_info

    failed = 0
    for info in plugin_info():
        version = f" {info.version}" if info.version else ""
        dist = info.distribution or "(registered by hand)"
        print(f"{info.name}: {dist}{version}")
        if info.error:
            failed += 1
            print(f"  FAILED: {info.error}")
        for kind, names in info.registered.items():
            more = f", ... ({len(names)} in all)" if len(names) > 12 else ""
            shown = ", ".join(names[:12]) + more
            print(f"  {kind}: {shown}")
    return 1 if failed and args.strict else 0


def _configure_plugins(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--strict", action="store_true",
                        help="exit with status 1 when any plugin failed to load")


def _info(args: argparse.Namespace) -> int:
    import importlib.metadata
    import platform

    from . import parallel
    from .plugins import plugin_info, registry

    print(f"python {platform.python_version()} on {platform.platform()}")
    print("packages:")
    for dist in sorted({i.distribution for i in plugin_info() if i.distribution}):
        try:
            print(f"  {dist} {importlib.metadata.version(dist)}")
        except importlib.metadata.PackageNotFoundError:
            print(f"  {dist} (not installed as a distribution)")
    print("backends:")
    backends = registry("backends")
    for name in backends.names():
        print(f"  {name} ({backends.provider(name)}): {_backend_state(backends.get(name))}")
    print(f"threads: {parallel.get_num_threads()} (numba, BLAS/OpenMP, task pool)")
    return 0


def _backend_state(backend: Any) -> str:
    """A backend's line and its facts, one per line below it. A backend that fails to answer
    (a third party's, a broken driver) is shown as unavailable with its error, so that
    ``numeru info`` still reports everything else."""
    try:
        reason = backend.unavailable_reason()
        if reason is not None:
            return f"unavailable: {reason}"
        lines = [f"usable, {backend.device_count()} device(s)"]
        lines += [f"    {key}: {value}" for key, value in backend.info().items()]
    except Exception as exc:  # any failure of plugin code is reported, not raised
        return f"unavailable: {type(exc).__name__}: {exc}"
    return "\n".join(lines)


def _demo(args: argparse.Namespace) -> int:
    from .plugins import registry

    demos = registry("demos")
    wanted = args.sections or demos.names()
    sections = [demos.get(name) for name in wanted]  # an unknown name fails before any runs
    for name, section in zip(wanted, sections, strict=True):
        print(f"\n== {name} ({demos.provider(name)}) ==")
        section(sys.stdout)
    return 0


def _configure_demo(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("sections", nargs="*", help="sections to run (default: all installed)")


BUILTIN_COMMANDS = {
    "plugins": Command("list plugins, what each registered, and load failures", _plugins,
                       _configure_plugins),
    "info": Command("versions, backends and devices, threads, BLAS", _info),
    "demo": Command("an end-to-end tour of the installed packages", _demo, _configure_demo),
}


def build_parser() -> argparse.ArgumentParser:
    from .plugins import registry

    parser = argparse.ArgumentParser(prog="numeru", description="numeru: numerical computing "
                                     "and machine learning on CPU and GPU.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands = registry("commands")
    for name in commands.names():
        try:
            command: Command = commands.get(name)
        except Exception as exc:  # one broken command must not take the others down
            warnings.warn(f"numeru: command {name!r} from {commands.provider(name)!r} failed to "
                          f"load and was skipped: {type(exc).__name__}: {exc}", RuntimeWarning,
                          stacklevel=2)
            continue
        child = sub.add_parser(name, help=command.help, description=command.help)
        if command.configure is not None:
            command.configure(child)
        child.set_defaults(_run=command.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "_run", None) is None:
        parser.print_help()
        return 2
    from .errors import NumeruError

    try:
        return int(args._run(args) or 0)
    except (NumeruError, OSError) as exc:  # a user's error or the system's: no traceback
        print(f"numeru {args.command}: error: {exc}", file=sys.stderr)
        return 1


def write_table(out: TextIO, header: list[str], rows: list[list[Any]]) -> None:
    """A plain aligned text table, for demo sections and ``inspect``."""
    cells = [header] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    for j, row in enumerate(cells):
        out.write("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() + "\n")
        if j == 0:
            out.write("  ".join("-" * w for w in widths) + "\n")


if __name__ == "__main__":
    raise SystemExit(main())
