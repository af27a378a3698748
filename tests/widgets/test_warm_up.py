"""The dashboard's warm-up as one public entry point (``warm_up_kernels``): what it compiles,
the mark it leaves in a shared compilation cache, and its turn among a server's kernels."""

import threading

from ntkviz.widgets import dashboard


def _record_warm_ups(monkeypatch):
    from ntkviz.experiments import orbits

    calls = []
    monkeypatch.setattr(orbits, "warm_up", lambda architecture, Ns: calls.append((architecture, Ns)))
    return calls


def test_warm_up_kernels_compiles_every_part_reports_it_and_marks_the_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("JAX_COMPILATION_CACHE_DIR", str(tmp_path))
    calls, reports = _record_warm_ups(monkeypatch), []
    assert dashboard.warm_up_kernels(report=lambda part, seconds: reports.append((part, seconds)))
    assert calls == list(dashboard.WARM_UP)
    assert [part for part, _ in reports] == [
        f"orbit kernels, {a}, N = {dashboard._sizes(Ns)}" for a, Ns in dashboard.WARM_UP]
    assert all(seconds >= 0 for _, seconds in reports)
    assert dashboard.warmed_up_marker(tmp_path).exists()
    # marked: neither a later call nor a kernel's background warm-up compiles again
    assert not dashboard.warm_up_kernels() and calls == list(dashboard.WARM_UP)
    assert dashboard._sizes(range(2, 33)) == "2–32" and dashboard._sizes((8, 16)) == "8, 16"


def test_without_a_shared_cache_it_always_compiles_and_marks_nothing(monkeypatch, tmp_path):
    monkeypatch.delenv("JAX_COMPILATION_CACHE_DIR", raising=False)
    calls = _record_warm_ups(monkeypatch)
    assert dashboard.warm_up_kernels() and dashboard.warm_up_kernels()
    assert calls == 2 * list(dashboard.WARM_UP)


def test_waiting_for_a_warm_up_under_way_finds_it_done(monkeypatch, tmp_path):
    monkeypatch.setenv("JAX_COMPILATION_CACHE_DIR", str(tmp_path))
    inside, release, got = threading.Event(), threading.Event(), {}

    def other_kernel():
        with dashboard._warm_up_turn() as mine:
            assert mine
            inside.set()
            release.wait(30)

    thread = threading.Thread(target=other_kernel)
    thread.start()
    assert inside.wait(30)
    calls = _record_warm_ups(monkeypatch)
    assert not dashboard.warm_up_kernels(wait=False)  # the background thread's way: leave
    waiter = threading.Thread(target=lambda: got.setdefault("result", dashboard.warm_up_kernels()))
    waiter.start()
    waiter.join(0.5)
    assert waiter.is_alive()  # ntkviz warm-cache's way: wait ...
    release.set()
    thread.join(30)
    waiter.join(30)
    assert got == {"result": False} and calls == []  # ... and find the warm-up done


def test_the_other_tabs_are_built_in_the_background_once_a_page_drew_the_first(monkeypatch):
    """After the warm-up (here: nothing to compile), the dashboard builds the tabs marked
    ``prepare`` once a page has drawn its first tab, not before (its widgets would slow the
    page's first render); a tab not marked is built only when opened."""
    from ntkviz.widgets import CircleExplorer, WidthExplorer

    monkeypatch.setattr(dashboard, "_warm_up_kernels", lambda: None)
    tabs = (dashboard.Tab("circle", "Circle", "first", lambda d: CircleExplorer()),
            dashboard.Tab("width", "Width", "prepared", lambda d: WidthExplorer()),
            dashboard.Tab("later", "Later", "on demand", lambda d: CircleExplorer(), prepare=False))
    d = dashboard.Dashboard(tabs, follow_url=False)
    d.warm_up_thread.join(timeout=0.5)
    assert d.warm_up_thread.is_alive() and set(d._explorers) == {"circle"}
    first = d.explorer("circle").plot
    first._on_message(first, {"event": "drawn"}, [])   # the page drew the first tab
    d.warm_up_thread.join(timeout=120)
    assert not d.warm_up_thread.is_alive() and set(d._explorers) == {"circle", "width"}
    d.select("later")
    assert set(d._explorers) == {"circle", "width", "later"}
