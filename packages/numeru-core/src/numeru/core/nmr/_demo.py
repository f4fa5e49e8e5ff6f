"""The ``artifacts`` section of ``numeru demo``: save, inspect and load a .nmr file."""

from __future__ import annotations

import os
import tempfile
from typing import Any, TextIO


def artifacts_section(out: TextIO) -> None:
    import numpy as np

    import numeru.core as nm

    from ._inspect import report

    rng = np.random.default_rng(0)
    layer = {"weight": nm.asarray(rng.standard_normal((64, 32)).astype("float32")),
             "bias": nm.zeros(32, dtype=nm.float32)}
    weights: dict[str, Any] = {"layer1": layer, "classes": np.array(["cat", "dog"]),
                               "epochs": 12, "lr": 3e-4}
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "weights.nmr")
        nm.save(weights, path, metadata={"note": "numeru demo"})
        out.write(f"nm.save(...) wrote {os.path.getsize(path)} bytes; numeru inspect says:\n")
        report(path, out)
        loaded = nm.load(path)
        mapped = nm.load(path, mmap=True)
        same = bool(np.array_equal(loaded["layer1"]["weight"].numpy(),
                                   weights["layer1"]["weight"].numpy()))
        out.write(f"nm.load: equal weights {same}, epochs {loaded['epochs']}, "
                  f"classes {loaded['classes'].tolist()}\n")
        out.write(f"nm.load(mmap=True): {type(mapped['layer1']['weight']).__name__} over the "
                  "file, no copy\n")
        del mapped
