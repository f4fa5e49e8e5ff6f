"""The python examples of numeru-core's README and of the repository's README run as written
and print what the text beside them says (``run_readme`` in the root conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

import numeru.core as nm
from numeru.core import plugins

ROOT = Path(__file__).resolve().parents[3]
README = ROOT / "packages" / "numeru-core" / "README.md"
PACKAGES = sorted(p for p in (ROOT / "packages").iterdir() if (p / "README.md").exists())
READMES = [ROOT / "README.md", *(p / "README.md" for p in PACKAGES),
           *sorted(ROOT.glob("examples/*/README.md"))]
# Where each README's python examples run (the repository's README shows numeru-core).
README_TESTS = {ROOT / "README.md": "packages/numeru-core/tests/test_core_readme.py",
                **{p / "README.md": f"packages/{p.name}/tests/test_"
                   f"{p.name.removeprefix('numeru-')}_readme.py" for p in PACKAGES},
                **{p: f"{p.parent.relative_to(ROOT)}/tests/test_example_readme.py"
                   for p in ROOT.glob("examples/*/README.md")}}
# Plugins that the README's examples register by hand, as tests do.
README_PLUGINS = ("readme-models", "readme-exporters")


@pytest.fixture
def restore_settings():
    threads = nm.get_num_threads()
    yield
    nm.set_num_threads(threads)
    for name in README_PLUGINS:
        if any(info.name == name for info in plugins.plugin_info()):
            plugins.unregister(name)


def test_root_readme_examples(run_readme):
    # The repository's README shows numeru-core only; its one block stands alone.
    run_readme(ROOT / "README.md")


def test_readme_examples(run_readme, restore_settings):
    # One namespace: the README is a tour whose sections build on each other (the estimator
    # written under Estimators is saved under Artifacts and exported under ONNX export).
    # torch (installed in every numeru-core test environment, noxfile's NEEDS_TORCH) and
    # onnx/onnxruntime (numeru-core's test extra) are always there: no importorskip.
    run_readme(README)


@pytest.mark.cuda
def test_readme_cuda_examples(run_readme):
    run_readme(README, requires=("cuda",))


@pytest.mark.parametrize("readme", READMES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_readme_fence_names_its_language(readme, readme_blocks):
    # A shell session is ```bash or ```console, output ```text: only ```python blocks run.
    assert [str(b) for b in readme_blocks(readme) if not b.language] == []


@pytest.mark.parametrize("readme", READMES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_readme_with_python_examples_has_a_test(readme, readme_blocks):
    if any(b.language == "python" for b in readme_blocks(readme)):
        test = ROOT / README_TESTS[readme]
        assert test.exists(), f"{readme.relative_to(ROOT)}: its examples need {test.name}"
        assert "run_readme" in test.read_text()
