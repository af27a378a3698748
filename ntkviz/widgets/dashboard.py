"""``Dashboard``: every explorer in one ``ipywidgets.Tab``.

The first tab is built at once, so the page appears quickly. Meanwhile a background thread
compiles the orbit kernels once per JAX shape bucket (``experiments.orbits.warm_up``),
so moving N later costs milliseconds instead of a compile (0.2–1.5 s each), then, once a page
has drawn the first tab, builds the other tabs' explorers, so opening a tab only draws it; a
tab opened before its explorer is ready builds it then (a "preparing…" line shows meanwhile). A
tab whose explorer fails to build shows the error in place; the other tabs keep working. Voila
keeps a preheated kernel, so usually the compiling is done before anyone looks.
Under ``ntkviz serve`` the kernels share a persistent compilation cache, and only one kernel of
the server warms up (``_warm_up_turn``).

The background thread runs at the kernel's own priority, not a lower one: JAX compiles a
program once per process, and a visitor needing a program the warm-up is compiling waits for
that compile; at a low priority on a busy machine it crawls (measured on 2 busy cores: a
visitor waited 57 s for a compile taking 16 s alone, and a dashboard test timed out).
"""

from __future__ import annotations

import contextlib
import dataclasses
import html
import os
import threading
from pathlib import Path
from typing import Callable

import ipywidgets as W

from . import views
from .display import STYLE, explanation_html
from .explanations import EXPLANATIONS

__all__ = ["Dashboard", "Tab", "default_tabs", "WARM_UP", "warm_up_kernels", "warmed_up_marker"]

#: (architecture, orbit sizes) compiled in the background, on the orbit tab's opening pair:
#: every shape bucket of 2N up to 128 for the cheap kernels; for the GAP and group CNNs (0.1–2 s
#: per N at 14×14) every N up to 32, whose kernel matrices are then shared by the server's
#: kernels (``experiments.grams``), and for the group CNN because its chunk shapes depend on how
#: many images are quarter turns of others (measured: p95 of an N move 1.6 s without).
WARM_UP = (
    ("mlp1", (2, 4, 8, 16, 32, 64)),
    ("mlp5", (2, 4, 8, 16, 32, 64)),
    ("cnn_flatten", (2, 4, 8, 16, 32, 64)),
    ("cnn_gap", tuple(range(2, 33))),
    ("gcnn", tuple(range(2, 33))),
)


@dataclasses.dataclass(frozen=True)
class Tab:
    """One tab: a title, an explanation (folded behind "What am I looking at?") and a factory
    ``(dashboard) -> explorer``;
    ``prepare``: build it in the background before it is opened (see ``Dashboard``)."""

    key: str
    title: str
    explanation: str
    build: Callable
    prepare: bool = True


def default_tabs() -> tuple[Tab, ...]:
    """The tabs of ``notebooks/dashboard.ipynb``, in the order of the paper's story.

    Explorers are imported when their tab is built, so an unopened tab costs nothing.
    """
    from .. import widgets as w

    def tab(key, title, build, prepare=True):
        return Tab(key, title, EXPLANATIONS[key], build, prepare)

    return (
        tab("circle", "Circle toy model", lambda d: w.CircleExplorer()),
        tab("orbit", "Orbits of two digits", lambda d: w.OrbitExplorer()),
        tab("survey", "Pair survey",
            lambda d: w.PairSurvey(d.explorer("orbit"), on_pair_selected=lambda *_: d.select("orbit"))),
        tab("accuracy", "Equivariant vs plain", lambda d: w.AccuracyExplorer()),
        tab("width", "Finite width", lambda d: w.WidthExplorer()),
        tab("equivariant", "Equivariant kernels", lambda d: w.EquivariantKernelsExplorer()),
        tab("dynamics", "Training dynamics", lambda d: w.DynamicsExplorer()),
        # (built only when opened: it compiles its training steps when built)
        tab("augmentation", "Augmentation", lambda d: w.AugmentationExplorer(), prepare=False),
    )


class Dashboard:
    """The explorers as tabs; ``widget`` is the ``ipywidgets.Tab`` (with an intro line per tab).

    ``explorer(key)`` builds (once) and returns a tab's explorer; ``select(key)`` opens a tab;
    ``view()`` is the tab and its controls' values, ``open_view(query)`` goes to a view given as
    a URL query (``tab=orbit&N=8…``). Under Voila the page's own URL query is opened when a
    visitor arrives (``follow_url``); the "Link and code for this view" button shows both.
    """

    def __init__(self, tabs: tuple[Tab, ...] | None = None, *, warm_up: bool = True,
                 follow_url: bool = True):
        if tabs is not None and (isinstance(tabs, (str, bytes)) or not hasattr(tabs, "__iter__")):
            raise TypeError(f"tabs must be a sequence of Tab, got {type(tabs).__name__}")
        self.tabs = tuple(default_tabs() if tabs is None else tabs)
        if not self.tabs or not all(isinstance(t, Tab) for t in self.tabs):
            raise TypeError(f"tabs must be a non-empty sequence of Tab, got {self.tabs!r:.80}")
        self._explorers: dict[str, object] = {}
        self._building = threading.RLock()   # one explorer built at a time (page or background)
        self._boxes = {t.key: W.VBox([self._intro(t)]) for t in self.tabs}
        for tab in self.tabs:
            self._boxes[tab.key].add_class(f"ntkviz-tab-{tab.key}")
        self.widget = W.Tab(children=[self._boxes[t.key] for t in self.tabs])
        self.widget.titles = tuple(t.title for t in self.tabs)
        self.widget.add_class("ntkviz-dashboard")
        self.share_button = W.Button(description="Link and code for this view",
                                     layout=W.Layout(width="240px"))
        self.share_button.add_class("ntkviz-share")
        self.share = W.HTML()
        self.share.add_class("ntkviz-share-view")
        self.share_button.on_click(lambda _: self._show_share())
        self._fill(self.tabs[0])
        self.widget.observe(self._on_select, names="selected_index")
        self._displayed = threading.Event()
        if follow_url:
            threading.Thread(target=self._follow_page_url, name="ntkviz-url", daemon=True).start()
        self.warm_up_thread = None
        if warm_up:
            self.warm_up_thread = threading.Thread(target=self._warm_up, name="ntkviz-warm-up",
                                                   daemon=True)
            self.warm_up_thread.start()

    def explorer(self, key: str):
        """The explorer of tab ``key``, built on first request."""
        with self._building:
            if key not in self._explorers:
                tab = self._tab(key)
                self._explorers[key] = tab.build(self)
            return self._explorers[key]

    def select(self, key: str):
        """Open tab ``key`` (building its explorer if needed)."""
        self.widget.selected_index = [t.key for t in self.tabs].index(self._tab(key).key)

    def view(self) -> tuple[str, dict]:
        """The open tab's key and its explorer's control values."""
        key = self.tabs[self.widget.selected_index or 0].key
        return key, self.explorer(key).values()

    def open_view(self, query: str) -> bool:
        """Open the view of a URL query (``tab=…&<control>=…``): select its tab (the first tab
        when it names none) and set the controls it names. Returns whether every part applied;
        what did not is shown (under the button, or in the explorer's message line)."""
        tab, raw = views.parse_view(query)
        key = self.tabs[0].key if tab is None else tab
        try:
            explorer = self.explorer(key)
            values = views.typed_values(explorer.CONTROLS, raw)
        except ValueError as error:
            self.share.value = _message(f"This link could not be opened: {error}", "error")
            return False
        self.select(key)
        return explorer.set(**values) if values else True

    def display(self):
        from IPython.display import display

        display(W.VBox([W.HTML(STYLE), self.widget, W.HBox([self.share_button, self.share])]))
        self._displayed.set()

    def _ipython_display_(self):
        self.display()

    # --- internals ----------------------------------------------------------------------------
    def _tab(self, key: str) -> Tab:
        for tab in self.tabs:
            if tab.key == key:
                return tab
        raise ValueError(f"key must be one of {[t.key for t in self.tabs]}, got {key!r}")

    def _follow_page_url(self):
        try:
            query = views.page_query()
            if query:
                # Not before the page has drawn the first tab: until then it is still loading
                # the widgets it was rendered with, and widgets made meanwhile (the view's
                # explorer) could be referred to before the page knows them ("widget model not
                # found", seen under load in 1 of 4–8 visits). Nor while the notebook is still
                # building or showing the page (a visitor may claim a kernel mid-render).
                self._displayed.wait(timeout=120)
                self._first_tab_drawn(timeout=60)
                self.open_view(query)
        except Exception as error:  # noqa: BLE001 - the page works without its link
            self.share.value = _message(f"The link's view could not be opened: {error}", "error")

    def _first_tab_drawn(self, timeout: float | None = None) -> bool:
        """Wait until a page has drawn the first tab's figure (False: it has none, or the wait
        timed out)."""
        plot = getattr(self.explorer(self.tabs[0].key), "plot", None)
        return plot is not None and plot.drawn.wait(timeout)

    def _warm_up(self):
        """The background work of a new dashboard: compile the orbit kernels
        (``_warm_up_kernels``), then, once a page has drawn the first tab (so that its widgets
        reach the page alone, and sooner), build the explorers of the other tabs: opening a tab
        then only draws it (building one takes 0.1-1.1 s of CPU, measured)."""
        _warm_up_kernels()
        if not self._first_tab_drawn():
            return
        for tab in (t for t in self.tabs if t.prepare):
            try:
                self.explorer(tab.key)
            except Exception:  # noqa: BLE001 - a tab that fails shows its error when opened
                pass

    def _show_share(self):
        key, values = self.view()
        query = html.escape(views.view_query(key, values), quote=True)
        code = html.escape(views.view_code(self.explorer(key), values))
        self.share.value = (f'<a class="ntkviz-view-link" href="?{query}" target="_blank">link '
                            f"to this view</a> (served by Voila) · code for a notebook:"
                            f'<pre class="ntkviz-view-code">{code}</pre>')

    @staticmethod
    def _intro(tab: Tab) -> W.HTML:
        """The tab's explanation, folded, until its explorer shows its own (``_place``)."""
        return W.HTML(f'<div class="ntkviz-intro">'
                      f"{explanation_html(html.escape(tab.explanation), open_=False)}</div>")

    @staticmethod
    def _place(box, explorer) -> None:
        """Show ``explorer`` in its tab's ``box``: its own "What am I looking at?" (folded)
        takes the place of the intro's."""
        fold = getattr(explorer, "fold_explanation", None)
        if fold is not None:
            fold()
            box.children[0].layout.display = "none"
        box.children = (box.children[0], explorer.widget)

    def _on_select(self, change):
        index = change["new"]
        if index is not None and 0 <= index < len(self.tabs):
            self._fill(self.tabs[index])

    def _fill(self, tab: Tab):
        box = self._boxes[tab.key]
        if len(box.children) > 1:
            return
        waiting = W.HTML('<div class="ntkviz-message ntkviz-message-note">preparing this explorer…</div>')
        box.children = (box.children[0], waiting)
        try:
            explorer = self.explorer(tab.key)
        except Exception as error:  # a tab that cannot be built must not take the page down
            text = f"This explorer could not start: {type(error).__name__}: {error}"
            box.children = (box.children[0], W.HTML(_message(text, "error")))
            return
        self._place(box, explorer)
        # A tab built for another (the orbit explorer behind the survey) goes on its page at
        # once, so that tab shows it when opened.
        for other in self.tabs:
            other_box = self._boxes[other.key]
            if other.key in self._explorers and len(other_box.children) == 1:
                self._place(other_box, self._explorers[other.key])


def _message(text: str, level: str) -> str:
    return f'<div class="ntkviz-message ntkviz-message-{level}">{html.escape(text)}</div>'


def _shared_cache_dir() -> Path | None:
    """The folder of JAX's persistent compilation cache, when one is configured (``ntkviz serve``
    gives its kernels one: ``serve.kernel_environment``)."""
    folder = os.environ.get("JAX_COMPILATION_CACHE_DIR")
    return Path(folder) if folder else None


def warmed_up_marker(folder: Path) -> Path:
    """The file that marks the compilation cache ``folder`` as warmed up by this ntkviz (its
    version and source) and JAX."""
    import jax

    from .. import __version__
    from ..experiments import grams

    return Path(folder) / f"ntkviz-{__version__}-{grams.code_digest()[:12]}-jax-{jax.__version__}-warmed-up"


@contextlib.contextmanager
def _warm_up_turn(wait: bool = False):
    """Yield whether this kernel should warm up. Without a shared compilation cache: always.
    With one, the warm-up (~30 s of CPU, two thirds of it computing the kernels, not compiling)
    is done by one kernel of the server, once: the others load the compiled programs from the
    cache when a visitor first needs them. ``wait``: wait for a warm-up under way to end (then
    it is done) instead of leaving at once. A kernel ended mid-way leaves no mark, so the next
    one warms up instead."""
    folder = _shared_cache_dir()
    if folder is None:
        yield True
        return
    import fcntl

    done = warmed_up_marker(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if done.exists():
        yield False
        return
    with open(folder / "ntkviz-warm-up.lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # another kernel is warming up
            yield False
            return
        if done.exists():  # finished while this one waited
            yield False
            return
        yield True
        done.touch()  # reached only when the warm-up finished


def _sizes(Ns) -> str:
    Ns = tuple(Ns)
    if len(Ns) > 3 and Ns == tuple(range(Ns[0], Ns[-1] + 1)):
        return f"{Ns[0]}–{Ns[-1]}"
    return ", ".join(map(str, Ns))


def warm_up_kernels(*, wait: bool = True,
                    report: Callable[[str, float], None] | None = None) -> bool:
    """Compile now, in this thread, everything the dashboard compiles ahead of a visitor's moves:
    the orbit kernels of ``WARM_UP`` (add further parts here). With a persistent compilation
    cache (``JAX_COMPILATION_CACHE_DIR``) the programs land in it and the cache is marked as
    warmed up, so kernels using it skip their own warm-up (``ntkviz warm-cache``, Binder's
    postBuild). Returns False, compiling nothing, when the cache already is marked, or when
    another kernel is warming it up and ``wait`` is False. ``report(part, seconds)`` follows
    each part."""
    import time

    from ..experiments import grams, orbits

    def part(what: str, compile_, *args):
        start = time.perf_counter()
        compile_(*args)
        if report is not None:
            report(what, time.perf_counter() - start)

    with _warm_up_turn(wait=wait) as mine:
        if not mine:
            return False
        grams.prune()   # (matrices of an earlier version of the code)
        for architecture, Ns in WARM_UP:
            part(f"orbit kernels, {architecture}, N = {_sizes(Ns)}", orbits.warm_up, architecture, Ns)
    return True


def _warm_up_kernels():
    """The dashboard's background warm-up: ``warm_up_kernels``, when it is this kernel's turn
    (errors are ignored: this only saves time)."""
    try:
        warm_up_kernels(wait=False)
    except Exception:  # noqa: BLE001 - a failed warm-up must never disturb the page
        pass
