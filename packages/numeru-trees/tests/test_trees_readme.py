"""The python examples of numeru-trees' README run as written and print what the README
shows (``run_readme`` in the root conftest.py)."""

from __future__ import annotations

from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_examples(run_readme):
    # One namespace: the ONNX export section exports the model trained in the first block.
    # onnx and onnxruntime are in numeru-trees' test extra, so no skip when they are missing.
    run_readme(README)
