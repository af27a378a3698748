"""Dashboard: tabs build their explorer on first opening; a failing tab shows its error."""

import threading

import ipywidgets as W
import pytest

from ntkviz.widgets.dashboard import Dashboard, Tab


class _Fake:
    built = []

    def __init__(self, name):
        self.widget = W.HTML(name)
        _Fake.built.append(name)


def _boom(dashboard):
    raise ValueError("N must be at least 2")


def _tabs():
    return (
        Tab("one", "First", "the first tab", lambda d: _Fake("one")),
        Tab("two", "Second", "needs the first", lambda d: _Fake("two:" + d.explorer("one").widget.value)),
        Tab("bad", "Broken", "cannot start", _boom),
    )


def test_first_tab_is_built_and_others_wait():
    _Fake.built = []
    d = Dashboard(_tabs(), warm_up=False)
    assert _Fake.built == ["one"]
    assert d.widget.titles == ("First", "Second", "Broken")
    assert "the first tab" in d._boxes["one"].children[0].value
    assert d._boxes["one"].children[1] is d.explorer("one").widget
    assert len(d._boxes["two"].children) == 1


def test_selecting_a_tab_builds_it_once():
    _Fake.built = []
    d = Dashboard(_tabs(), warm_up=False)
    d.select("two")
    d.widget.selected_index = 0
    d.widget.selected_index = 1
    assert _Fake.built == ["one", "two:one"]
    assert d._boxes["two"].children[1].value == "two:one"


def test_an_explorer_built_for_another_tab_is_placed_in_its_own():
    tabs = _tabs()
    tabs = (tabs[1], tabs[0])  # "two" first: building it builds "one" as well
    d = Dashboard(tabs, warm_up=False)
    assert d._boxes["one"].children[1] is d.explorer("one").widget


def test_a_failing_tab_shows_its_error_and_the_page_lives():
    d = Dashboard(_tabs(), warm_up=False)
    d.widget.selected_index = 2
    message = d._boxes["bad"].children[1].value
    assert "ntkviz-message-error" in message and "N must be at least 2" in message
    d.select("one")
    assert d.widget.selected_index == 0


def test_unknown_tab_is_a_clear_error():
    d = Dashboard(_tabs(), warm_up=False)
    try:
        d.select("nope")
    except ValueError as error:
        assert "key must be one of" in str(error)
    else:
        raise AssertionError("expected a ValueError")


def test_warm_up_compiles_in_the_background(monkeypatch):
    from ntkviz.experiments import orbits
    from ntkviz.widgets import dashboard

    monkeypatch.delenv("JAX_COMPILATION_CACHE_DIR", raising=False)  # no shared cache: always
    calls = []
    monkeypatch.setattr(orbits, "warm_up", lambda architecture, Ns: calls.append((architecture, Ns)))
    d = Dashboard(_tabs())
    d.warm_up_thread.join(timeout=30)
    assert calls == list(dashboard.WARM_UP)


def test_with_a_shared_compilation_cache_one_kernel_warms_up_once(monkeypatch, tmp_path):
    from ntkviz.widgets import dashboard

    monkeypatch.setenv("JAX_COMPILATION_CACHE_DIR", str(tmp_path))
    inside, release, seen = threading.Event(), threading.Event(), []

    def first_kernel():
        with dashboard._warm_up_turn() as mine:
            seen.append(("first", mine))
            inside.set()
            release.wait(30)

    thread = threading.Thread(target=first_kernel)
    thread.start()
    assert inside.wait(30)
    with dashboard._warm_up_turn() as mine:  # another kernel while the first warms up
        seen.append(("meanwhile", mine))
    release.set()
    thread.join(30)
    with dashboard._warm_up_turn() as mine:  # a kernel started after a finished warm-up
        seen.append(("after", mine))
    assert seen == [("first", True), ("meanwhile", False), ("after", False)]


def test_an_interrupted_warm_up_leaves_the_turn_to_the_next_kernel(monkeypatch, tmp_path):
    from ntkviz.widgets import dashboard

    monkeypatch.setenv("JAX_COMPILATION_CACHE_DIR", str(tmp_path))
    with pytest.raises(RuntimeError):
        with dashboard._warm_up_turn() as mine:
            assert mine
            raise RuntimeError("kernel ended mid-way")
    with dashboard._warm_up_turn() as mine:
        assert mine
