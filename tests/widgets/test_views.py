"""A dashboard view as a link and as code (ntkviz.widgets.views, Dashboard.view / open_view);
the page's URL opening a view under Voila is tested in the browser (tests/serve/test_browser.py)."""

import html

import pytest

from ntkviz.widgets import Dashboard, views


@pytest.fixture(scope="module")
def dashboard():
    board = Dashboard(warm_up=False, follow_url=False)
    yield board
    for tab in board.tabs:   # background compiles and training end before the process does
        explorer = board.explorer(tab.key)
        for name in ("warm_up_thread", "thread"):
            thread = getattr(explorer, name, None)
            if thread is not None:
                thread.join()


@pytest.mark.slow
def test_every_tab_s_controls_read_back_from_its_link(dashboard):
    for tab in dashboard.tabs:
        dashboard.select(tab.key)
        key, values = dashboard.view()
        assert key == tab.key
        parsed_key, raw = views.parse_view("?" + views.view_query(key, values))
        assert parsed_key == key
        explorer = dashboard.explorer(key)
        assert views.typed_values(explorer.CONTROLS, raw) == values, key


def test_a_link_opens_its_tab_and_setting_on_a_new_dashboard(dashboard):
    dashboard.select("orbit")
    assert dashboard.explorer("orbit").set(N=12, architecture="cnn_gap", kind="nngp")
    query = views.view_query(*dashboard.view())
    assert query.startswith("tab=orbit&") and "N=12" in query and "architecture=cnn_gap" in query
    other = Dashboard(warm_up=False, follow_url=False)
    assert other.open_view("?" + query)
    assert other.view() == dashboard.view()
    assert other.explorer("orbit").state.eps_exact == dashboard.explorer("orbit").state.eps_exact
    # the circle's real-valued controls come back exactly
    dashboard.select("circle")
    assert dashboard.explorer("circle").set(delta=1.3, N=12, length_scale=0.7)
    assert other.open_view(views.view_query(*dashboard.view()))
    assert other.view() == ("circle", {"delta": 1.3, "N": 12, "length_scale": 0.7})


def test_the_code_for_a_view_rebuilds_it(dashboard):
    dashboard.select("circle")
    assert dashboard.explorer("circle").set(delta=0.8, N=6, length_scale=1.5)
    key, values = dashboard.view()
    code = views.view_code(dashboard.explorer(key), values)
    assert code.startswith("from ntkviz.widgets import CircleExplorer")
    scope = {}
    exec(code.rsplit("\n", 1)[0], scope)   # all but the last line, which only shows it
    assert scope["explorer"].values() == values
    assert scope["explorer"].state.eps_spectral == dashboard.explorer(key).state.eps_spectral


def test_the_share_button_shows_the_link_and_the_code(dashboard):
    dashboard.select("circle")
    dashboard.share_button.click()
    text = dashboard.share.value
    query = views.view_query(*dashboard.view()).replace("&", "&amp;")
    assert f'href="?{query}"' in text and "CircleExplorer" in text


@pytest.mark.parametrize("query, message", [
    ("tab=nowhere", "key must be one of"),
    ("tab=circle&N=eight", "N in the link must be an integer; got 'eight'"),
    ("tab=orbit&kind=ntk2", "kind in the link must be ntk, nngp; got 'ntk2'"),
])
def test_a_bad_link_is_explained_and_changes_nothing(dashboard, query, message):
    dashboard.select("circle")
    before = dashboard.view()
    assert not dashboard.open_view(query)
    assert message in html.unescape(dashboard.share.value)
    assert dashboard.view() == before


def test_a_link_with_an_unknown_control_or_value_out_of_range_says_so_in_the_explorer(dashboard):
    message = dashboard.explorer("circle").message
    assert not dashboard.open_view("tab=circle&colour=red")
    assert "unknown controls" in message.value and "colour" in message.value
    assert not dashboard.open_view("tab=circle&N=100000")
    assert "N must be" in message.value


def test_page_query_reads_voila_s_query_string(monkeypatch):
    monkeypatch.delenv("VOILA_PREHEAT", raising=False)
    monkeypatch.delenv("QUERY_STRING", raising=False)
    assert views.page_query() is None            # a notebook, not a Voila page
    monkeypatch.setenv("QUERY_STRING", "tab=orbit&N=12")
    assert views.page_query() == "tab=orbit&N=12"
