"""The ``core`` section of ``numeru demo``."""

from __future__ import annotations

from typing import TextIO


def core_section(out: TextIO) -> None:
    import numeru.core as nm

    x = nm.reshape(nm.arange(12, dtype=nm.float64), (3, 4))
    out.write(f"x = arange(12).reshape(3, 4):\n{x}\n")
    view = x[1:, ::-2]
    view[...] = 0.0
    out.write(f"x[1:, ::-2] is a view; zeroing it changes x:\n{x}\n")
    out.write(f"sum over axis 0: {nm.sum(x, axis=0).tolist()}\n")
    out.write(f"devices: {', '.join(nm.registry('backends').names())}; "
              f"threads: {nm.get_num_threads()}\n")
