"""widgets.ahead: a setting computed ahead is computed once, whoever asks for it first; the orbit
explorer computes the next N ahead for a slow architecture only."""

from __future__ import annotations

import threading

import pytest

from ntkviz.widgets import OrbitExplorer
from ntkviz.widgets.ahead import Ahead


class _Recorder:
    """A computation that records its calls and, for keys in ``hold``, waits until released."""

    def __init__(self, hold=()):
        self.calls, self.hold, self.started = [], set(hold), threading.Event()
        self.release = threading.Event()

    def __call__(self, key):
        self.calls.append(key)
        if key in self.hold:
            self.started.set()
            assert self.release.wait(30)
        if key == "bad":
            raise ValueError("bad key")
        return f"state {key}"


def test_a_request_waits_for_the_computation_running_ahead_instead_of_starting_another():
    compute = _Recorder(hold={1})
    ahead = Ahead(compute)
    ahead.ahead([1])
    assert compute.started.wait(30)
    result = []
    asker = threading.Thread(target=lambda: result.append(ahead.get(1)))
    asker.start()
    compute.release.set()
    asker.join(30)
    assert result == ["state 1"] and compute.calls == [1]


def test_a_new_guess_drops_the_queued_ones_that_have_not_started():
    compute = _Recorder(hold={1})
    ahead = Ahead(compute)
    ahead.ahead([1, 2])              # 1 runs (held), 2 waits in the queue
    assert compute.started.wait(30)
    ahead.ahead([3])                 # the user moved elsewhere: 2 is dropped, 1 keeps running
    compute.release.set()
    ahead.wait()
    assert compute.calls == [1, 3]
    assert ahead.get(2) == "state 2" and compute.calls == [1, 3, 2]


def test_a_failure_ahead_is_raised_to_whoever_asks_for_that_setting():
    compute = _Recorder()
    ahead = Ahead(compute)
    ahead.ahead(["bad"])
    ahead.wait()
    with pytest.raises(ValueError, match="bad key"):
        ahead.get("bad")
    assert compute.calls == ["bad", "bad"]


def _queued(explorer):
    explorer.ahead.wait()
    return [key[3] for key in explorer.ahead._futures]   # the Ns computed ahead (test only)


def test_the_orbit_explorer_computes_the_next_N_ahead_where_a_setting_is_slow(monkeypatch):
    from ntkviz.widgets import orbit

    monkeypatch.setattr(orbit, "AHEAD_SECONDS", float("inf"))   # no setting counts as slow
    fast = OrbitExplorer(architecture="mlp1", N=8)
    assert fast.set(N=9) and _queued(fast) == []
    # every setting counts as slow: the next N in the direction of the last move is computed
    monkeypatch.setattr(orbit, "AHEAD_SECONDS", 0.0)
    slow = OrbitExplorer(architecture="mlp5", N=8)
    assert slow.set(N=10) and _queued(slow) == [11]
    assert slow.set(N=11) and _queued(slow) == [12]
    assert slow.set(N=9) and _queued(slow) == [8]   # moving down: N - 1
    assert slow.set(kind="nngp") and _queued(slow) == [8]
    top = slow.N_slider.max
    assert slow.set(N=top) and top + 1 not in _queued(slow)   # never past the slider's end
    assert "error" not in slow.message.value
