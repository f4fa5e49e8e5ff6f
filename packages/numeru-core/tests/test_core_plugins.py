"""The plugin manager and registries: lazy loading, isolation, errors, build()."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

import numeru.core as nm
from numeru.core import plugins
from numeru.core.errors import NumeruError, PluginError
from numeru.core.hookspecs import hookimpl


class Widget:
    def __init__(self, size: int = 1) -> None:
        self.size = size


class WidgetPlugin:
    @hookimpl
    def register_models(self, register):
        register("test_widget", Widget)
        register("test_lazy_widget", "collections:OrderedDict")

    @hookimpl
    def register_optimizers(self, register):
        register("test_optimizer", Widget)


@pytest.fixture
def widget_plugin():
    plugins.register(WidgetPlugin(), "test-widgets")
    yield
    plugins.unregister("test-widgets")


def run_python(code: str) -> str:
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout + result.stderr


def test_registered_object_is_found_and_attributed(widget_plugin):
    models = nm.registry("models")
    assert models.get("test_widget") is Widget
    assert models.provider("test_widget") == "test-widgets"
    assert "test_widget" in models.names()
    assert nm.registry("optimizers").get("test_optimizer") is Widget


def test_string_reference_is_imported_on_first_use(widget_plugin):
    from collections import OrderedDict

    assert nm.registry("models").get("test_lazy_widget") is OrderedDict


def test_unregister_removes_everything_the_plugin_registered(widget_plugin):
    plugins.unregister("test-widgets")
    assert "test_widget" not in nm.registry("models")
    assert "test_optimizer" not in nm.registry("optimizers")
    plugins.register(WidgetPlugin(), "test-widgets")  # for the fixture's teardown


def test_unknown_name_lists_known_names_and_the_distribution_to_install(widget_plugin):
    with pytest.raises(PluginError) as info:
        nm.registry("models").get("gradient_boosting_classifier_missing")
    assert "unknown model 'gradient_boosting_classifier_missing'" in str(info.value)
    assert "test_widget" in str(info.value)
    with pytest.raises(PluginError, match="pip install numeru-cuda"):
        nm.registry("backends").get("cuda") if "cuda" not in nm.registry("backends") else (
            _raise_cuda_hint())


def _raise_cuda_hint():
    # numeru-cuda is installed in the full test environment: check the hint text directly.
    raise PluginError(nm.registry("backends")._unknown_message("cuda"))


def test_known_catalog_name_names_its_distribution():
    message = nm.registry("models")._unknown_message("gradient_boosting_classifier")
    assert "pip install numeru-trees" in message


def test_unknown_registry_kind_is_an_error():
    with pytest.raises(PluginError, match="registry: expected one of"):
        nm.registry("widgets")


def test_duplicate_name_names_both_plugins(widget_plugin):
    class Clash:
        @hookimpl
        def register_models(self, register):
            register("test_widget", dict)

    with pytest.raises(PluginError) as info, pytest.warns(RuntimeWarning):
        plugins.register(Clash(), "test-clash")
    assert "'test-widgets'" in str(info.value) and "'test-clash'" in str(info.value)
    # The failed plugin left nothing behind; the first registration still stands.
    assert nm.registry("models").get("test_widget") is Widget
    assert all(i.name != "test-clash" for i in plugins.plugin_info())


def test_a_failing_hook_is_isolated(widget_plugin):
    class Broken:
        @hookimpl
        def register_models(self, register):
            register("test_half_registered", dict)
            raise RuntimeError("boom")

    with pytest.raises(PluginError, match="boom"), pytest.warns(RuntimeWarning, match="boom"):
        plugins.register(Broken(), "test-broken")
    assert "test_half_registered" not in nm.registry("models")
    assert nm.registry("models").get("test_widget") is Widget


def test_build_constructs_a_registered_model(widget_plugin):
    widget = nm.build({"model": "test_widget", "params": {"size": 3}})
    assert isinstance(widget, Widget) and widget.size == 3
    assert isinstance(nm.build({"optimizer": "test_optimizer"}), Widget)


@pytest.mark.parametrize("config, fragment", [
    ([], "expected a dict"),
    ({}, "exactly one of the keys"),
    ({"model": "x", "optimizer": "y"}, "exactly one of the keys"),
    ({"model": "test_widget", "params": [1]}, "config['params']"),
    ({"model": "test_widget", "extra": 1}, "only the keys"),
])
def test_build_rejects_bad_configs(widget_plugin, config, fragment):
    with pytest.raises(NumeruError, match=fragment.replace("[", r"\[")):
        nm.build(config)


def test_entry_points_load_lazily_not_at_import():
    out = run_python("""
        import numeru.core as nm
        from numeru.core import plugins
        print("loaded at import:", plugins._loaded)
        nm.registry("backends").names()
        print("loaded after look-up:", plugins._loaded)
    """)
    assert "loaded at import: False" in out
    assert "loaded after look-up: True" in out


def test_loading_is_once_and_thread_safe():
    out = run_python("""
        import threading, importlib.metadata
        from numeru.core import plugins
        calls = []
        real = importlib.metadata.entry_points
        def counting(**kw):
            calls.append(1)
            return real(**kw)
        importlib.metadata.entry_points = counting
        threads = [threading.Thread(target=lambda: plugins.registry("models").names())
                   for _ in range(8)]
        [t.start() for t in threads]; [t.join() for t in threads]
        print("entry point scans:", len(calls))
    """)
    assert "entry point scans: 1" in out


def test_a_plugin_that_fails_to_import_is_reported_and_skipped():
    out = run_python("""
        import importlib.metadata, warnings
        from numeru.core import plugins
        real = importlib.metadata.entry_points
        def with_broken(**kw):
            broken = importlib.metadata.EntryPoint(
                name="broken-plugin", value="numeru_no_such_module_xyz", group="numeru")
            return list(real(**kw)) + [broken]
        importlib.metadata.entry_points = with_broken
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            backends = plugins.registry("backends").names()
        print("backends:", backends)
        print("warnings:", [str(w.message) for w in caught])
        info = {i.name: i.error for i in plugins.plugin_info()}
        print("error:", info["broken-plugin"])
    """)
    assert "backends: ['cpu'" in out
    assert "broken-plugin" in out and "failed to import" in out
    assert "error: ModuleNotFoundError" in out


def test_numeru_plugins_env_var_selects_entry_points():
    out = run_python("""
        import os
        os.environ["NUMERU_PLUGINS"] = ""
        from numeru.core import plugins
        print("plugins:", [i.name for i in plugins.plugin_info()])
    """)
    assert "plugins: ['numeru-core']" in out


class EveryHookPlugin:
    """One plugin implementing every hook, each registering something recognisable."""

    @hookimpl
    def register_backends(self, register):
        from numeru.core.backends import CPUBackend

        class SecondCPU(CPUBackend):
            name = "test-cpu2"

        register(SecondCPU())

    @hookimpl
    def register_kernels(self, register):
        register("test_op", "test-cpu2", len)

    @hookimpl
    def register_gradients(self, register):
        register("test_op", len)

    @hookimpl
    def register_models(self, register):
        register("test_every_model", Widget)

    @hookimpl
    def register_optimizers(self, register):
        register("test_every_optimizer", Widget)

    @hookimpl
    def register_schedulers(self, register):
        register("test_every_scheduler", Widget)

    @hookimpl
    def register_index_types(self, register):
        register("test_every_index", Widget)

    @hookimpl
    def register_exporters(self, register):
        register("test_every_model", len)

    @hookimpl
    def register_commands(self, register):
        from numeru.core.cli import Command

        register("test-hello", Command("say hello", lambda args: print("hello") or 0))

    @hookimpl
    def register_demos(self, register):
        register("test-demo", lambda out: out.write("demo ran\n"))


def test_every_hook_fills_its_registry(capsys):
    info = plugins.register(EveryHookPlugin(), "test-every-hook")
    try:
        assert set(info.registered) == set(plugins.KINDS)
        assert nm.registry("kernels").get(("test_op", "test-cpu2")) is len
        assert nm.registry("gradients").get("test_op") is len
        assert nm.registry("schedulers").get("test_every_scheduler") is Widget
        assert nm.registry("index_types").get("test_every_index") is Widget
        assert nm.registry("exporters").get("test_every_model") is len
        # A registered backend is a device type at once.
        x = nm.asarray([1.0, 2.0], device="test-cpu2")
        assert str(x.device) == "test-cpu2:0" and (x + x).tolist() == [2.0, 4.0]
        from numeru.core.cli import main

        assert main(["test-hello"]) == 0
        assert main(["demo", "test-demo"]) == 0
        out = capsys.readouterr().out
        assert "hello" in out and "demo ran" in out
    finally:
        plugins.unregister("test-every-hook")
    assert "test-cpu2" not in nm.registry("backends")


def test_a_command_that_fails_to_load_does_not_break_the_cli(capsys):
    class BrokenCommand:
        @hookimpl
        def register_commands(self, register):
            register("test-broken-command", "numeru_no_such_module_xyz:command")

    plugins.register(BrokenCommand(), "test-broken-command")
    try:
        from numeru.core.cli import main

        with pytest.warns(RuntimeWarning, match="test-broken-command"):
            assert main(["plugins"]) == 0
        assert "numeru-core" in capsys.readouterr().out
    finally:
        plugins.unregister("test-broken-command")


def test_demo_checks_every_section_name_before_running_any(capsys):
    ran = []

    class OneDemo:
        @hookimpl
        def register_demos(self, register):
            register("test-first-demo", lambda out: ran.append("first"))

    plugins.register(OneDemo(), "test-one-demo")
    try:
        from numeru.core.cli import main

        assert main(["demo", "test-first-demo", "test-no-such-demo"]) == 1
        err = capsys.readouterr().err
        assert "unknown demo section 'test-no-such-demo'" in err and "test-first-demo" in err
        assert ran == []  # the valid section did not run before the error
        assert main(["demo", "test-first-demo"]) == 0 and ran == ["first"]
    finally:
        plugins.unregister("test-one-demo")


def test_info_reports_a_backend_that_fails_to_answer_and_goes_on(capsys):
    from numeru.core import cli
    from numeru.core.backends import CPUBackend

    class BrokenBackend(CPUBackend):
        name = "test-broken"

        def info(self):
            raise RuntimeError("driver fell over")

    class Plugin:
        @hookimpl
        def register_backends(self, register):
            register(BrokenBackend())

    plugins.register(Plugin(), "test-broken-backend")
    try:
        assert cli.main(["info"]) == 0
    finally:
        plugins.unregister("test-broken-backend")
    out = capsys.readouterr().out
    assert "test-broken (test-broken-backend): unavailable: RuntimeError: driver fell over" in out
    assert "cpu (numeru-core): usable, 1 device(s)" in out and "threads:" in out
