"""numeru-gen installs, imports and loads as a plugin that registers nothing yet."""

import importlib.metadata

import numeru.gen
from numeru.core import plugins


def test_version_is_single_sourced():
    assert numeru.gen.__version__ == importlib.metadata.version("numeru-gen")


def test_plugin_loads_and_registers_nothing():
    info = {i.name: i for i in plugins.plugin_info()}["numeru-gen"]
    assert info.error is None
    assert info.distribution == "numeru-gen"
    assert info.registered == {}
