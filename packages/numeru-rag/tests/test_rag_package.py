"""numeru-rag installs, imports and loads as a plugin that registers nothing yet."""

import importlib.metadata

import numeru.rag
from numeru.core import plugins


def test_version_is_single_sourced():
    assert numeru.rag.__version__ == importlib.metadata.version("numeru-rag")


def test_plugin_loads_and_registers_nothing():
    info = {i.name: i for i in plugins.plugin_info()}["numeru-rag"]
    assert info.error is None
    assert info.distribution == "numeru-rag"
    assert info.registered == {}
