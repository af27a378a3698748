"""Colour pairs of the figures under simulated colour-vision deficiencies, and in greyscale.

A dichromat simulator (Machado, Oliveira & Fernandes 2009, "A Physiologically-based Model for
Simulation of Color Vision Deficiency", IEEE TVCG 15(6), severity 1.0, applied in linear sRGB),
CIELAB (D65) and the CIEDE2000 difference (Sharma, Wu & Dalal 2005, Color Res. Appl. 30(1)).

Thresholds are a design criterion of this package, not a number quoted from a study: CIEDE2000
is scaled so that a difference near 1 is just noticeable between large uniform patches, and thin
lines and small markers need far more (Szafir 2018, "Modeling Color Difference for Visualization
Design", IEEE TVCG 24(1): the difference needed grows as marks get smaller). We ask for ΔE00 >= 20
between the two colours of a two-way comparison and >= 10 between any two colours of a larger
categorical set (whose members also differ by marker symbol or dash), under normal vision and
under each simulated deficiency. Greyscale: where two traces differ by colour alone, their CIE L*
must differ by >= 20 (a fifth of the black-to-white range).
"""

import itertools
import re

import numpy as np
import pytest

from ntkviz import plots
from ntkviz.experiments import circle
from ntkviz.experiments.dynamics import dynamics_state
from ntkviz.plots import augmentation, equivariant_accuracy, style

PAIR_DE = 20.0
SET_DE = 10.0
GREY_DL = 20.0

#: Machado et al. (2009), Table 1, severity 1.0: linear sRGB -> simulated linear sRGB.
MACHADO = {
    "protanopia": np.array([[0.152286, 1.052583, -0.204868],
                            [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968],
                              [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779],
                            [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
}
VISIONS = (None, *MACHADO)
_XYZ = np.array([[0.4124564, 0.3575761, 0.1804375],
                 [0.2126729, 0.7151522, 0.0721750],
                 [0.0193339, 0.1191920, 0.9503041]])
_WHITE = np.array([0.95047, 1.0, 1.08883])


def srgb(colour: str) -> np.ndarray:
    """``#rrggbb``, ``#rgb`` or ``rgba(r,g,b,a)`` as sRGB in [0, 1], a translucent colour
    composited over the white background of the figures."""
    if colour.startswith("rgb"):
        *rgb, alpha = ([float(v) for v in re.findall(r"[\d.]+", colour)] + [1.0])[:4]
        return alpha * np.array(rgb) / 255 + (1 - alpha)
    h = colour.lstrip("#")
    h = "".join(c * 2 for c in h) if len(h) == 3 else h
    return np.array([int(h[i:i + 2], 16) for i in (0, 2, 4)]) / 255


def linear(c):
    c = np.asarray(c, dtype=float)
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def gamma(c):
    c = np.clip(c, 0.0, 1.0)
    return np.where(c <= 0.0031308, 12.92 * c, 1.055 * c ** (1 / 2.4) - 0.055)


def simulate(colour: str, vision: str | None) -> np.ndarray:
    """The linear sRGB a reader with ``vision`` (None: normal) sees."""
    rgb = linear(srgb(colour))
    return rgb if vision is None else np.clip(MACHADO[vision] @ rgb, 0.0, 1.0)


def lab(rgb_linear) -> np.ndarray:
    t = (_XYZ @ rgb_linear) / _WHITE
    f = np.where(t > (6 / 29) ** 3, np.cbrt(t), t / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def ciede2000(lab1, lab2) -> float:
    (L1, a1, b1), (L2, a2, b2) = lab1, lab2
    mean_c = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(mean_c**7 / (mean_c**7 + 25**7)))
    a1, a2 = (1 + g) * a1, (1 + g) * a2
    c1, c2 = np.hypot(a1, b1), np.hypot(a2, b2)
    h1 = np.degrees(np.arctan2(b1, a1)) % 360 if c1 else 0.0
    h2 = np.degrees(np.arctan2(b2, a2)) % 360 if c2 else 0.0
    dh = 0.0 if c1 * c2 == 0 else (h2 - h1 + 180) % 360 - 180
    dH = 2 * np.sqrt(c1 * c2) * np.sin(np.radians(dh / 2))
    mean_l, mean_c = (L1 + L2) / 2, (c1 + c2) / 2
    if c1 * c2 == 0:
        mean_h = h1 + h2
    elif abs(h1 - h2) <= 180:
        mean_h = (h1 + h2) / 2
    else:
        mean_h = (h1 + h2 + (360 if h1 + h2 < 360 else -360)) / 2
    t = (1 - 0.17 * np.cos(np.radians(mean_h - 30)) + 0.24 * np.cos(np.radians(2 * mean_h))
         + 0.32 * np.cos(np.radians(3 * mean_h + 6)) - 0.20 * np.cos(np.radians(4 * mean_h - 63)))
    s_l = 1 + 0.015 * (mean_l - 50) ** 2 / np.sqrt(20 + (mean_l - 50) ** 2)
    s_c, s_h = 1 + 0.045 * mean_c, 1 + 0.015 * mean_c * t
    r_c = 2 * np.sqrt(mean_c**7 / (mean_c**7 + 25**7))
    r_t = -np.sin(np.radians(60 * np.exp(-(((mean_h - 275) / 25) ** 2)))) * r_c
    dl, dc, dh = (L2 - L1) / s_l, (c2 - c1) / s_c, dH / s_h
    return float(np.sqrt(dl**2 + dc**2 + dh**2 + r_t * dc * dh))


def delta_e(c1: str, c2: str, vision: str | None = None) -> float:
    return ciede2000(lab(simulate(c1, vision)), lab(simulate(c2, vision)))


def lightness(colour: str) -> float:
    return float(lab(linear(srgb(colour)))[0])


# --------------------------------------------------------------------------- the simulator

@pytest.mark.parametrize("vision", list(MACHADO))
def test_white_stays_white_and_greys_stay_grey(vision):
    for level in (0.0, 0.2, 0.5, 1.0):
        np.testing.assert_allclose(MACHADO[vision] @ np.full(3, level), level, atol=2e-6)
    assert delta_e("#ffffff", "#ffffff", vision) == 0.0
    assert delta_e("#777777", "#777777", vision) < 1e-9
    np.testing.assert_allclose(lab(simulate("#ffffff", vision)), [100.0, 0.0, 0.0], atol=1e-3)


def test_red_under_protanopia_is_a_dark_olive():
    """Pure red: the first column of the protanopia matrix (clipped), sRGB (109, 95, 0)."""
    np.testing.assert_allclose(simulate("#ff0000", "protanopia"), [0.152286, 0.114503, 0.0])
    np.testing.assert_allclose(np.round(255 * gamma(simulate("#ff0000", "protanopia"))),
                               [109, 95, 0])
    assert np.allclose(simulate("#0000ff", None), [0, 0, 1])


def test_a_classic_red_green_confusion_collapses():
    """Plotly's old orange and green (the NTK/NNGP pair before this palette) differ a lot for
    normal vision and almost not at all for a protanope; blue/orange survives every vision."""
    assert delta_e("#ff7f0e", "#2ca02c") > 40 and delta_e("#ff7f0e", "#2ca02c", "protanopia") < 3
    assert min(delta_e("#0072B2", "#E69F00", v) for v in VISIONS) > 40


@pytest.mark.parametrize("lab1, lab2, expected", [  # Sharma, Wu & Dalal (2005), Table 1
    ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
    ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
    ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ((2.0776, 0.0795, -1.1350), (0.9033, -0.0636, -0.5514), 0.9082),
])
def test_ciede2000_matches_published_test_data(lab1, lab2, expected):
    assert ciede2000(lab1, lab2) == pytest.approx(expected, abs=1e-4)
    assert ciede2000(lab2, lab1) == pytest.approx(expected, abs=1e-4)


# --------------------------------------------------------------------------- the palette

@pytest.mark.parametrize("name", list(style.CONTRASTS))
@pytest.mark.parametrize("vision", VISIONS)
def test_declared_colours_stay_apart(name, vision):
    colours = style.CONTRASTS[name]
    need = PAIR_DE if len(colours) == 2 else SET_DE
    for c1, c2 in itertools.combinations(colours, 2):
        assert delta_e(c1, c2, vision) >= need, (name, c1, c2, vision or "normal vision")


# --------------------------------------------------------------------------- the figures

def _look(trace, part: str) -> tuple[str, str]:
    """(colour, symbol or dash) of a trace's markers or line."""
    if part == "marker":
        return trace.marker.color or trace.line.color, trace.marker.symbol or "circle"
    return trace.line.color, trace.line.dash or "solid"


def assert_told_apart(traces, part: str, contrast: str):
    """Every two ``traces`` use colours of ``style.CONTRASTS[contrast]`` and differ by marker
    symbol / dash, or else by at least ``GREY_DL`` in L* (greyscale)."""
    for t1, t2 in itertools.combinations(traces, 2):
        (c1, form1), (c2, form2) = _look(t1, part), _look(t2, part)
        assert {c1, c2} <= set(style.CONTRASTS[contrast]), (contrast, c1, c2)
        assert c1 != c2 or form1 != form2, (t1.name, t2.name)
        if form1 == form2:
            assert abs(lightness(c1) - lightness(c2)) >= GREY_DL, (t1.name, t2.name, c1, c2)


@pytest.fixture(scope="module")
def circle_state():
    return circle.circle_state(8, 1.0, 1.0)


@pytest.fixture(scope="module")
def dynamics():
    return dynamics_state("circle", 1, 0.5, 1.0, 256, 10.0)


def test_classes_differ_by_marker_and_dash(circle_state, dynamics):
    s = circle_state
    orbits = plots.orbits_3d(s.X, s.y)
    assert_told_apart(orbits.data[:2], "marker", "class A / class B")
    ring = plots.posterior_ring(s.ring_angles, s.ring_mean_A, s.ring_mean_B, s.X, s.y,
                                s.loo_prediction)
    assert_told_apart(ring.data[:2], "line", "class A / class B")
    assert_told_apart(ring.data[2:4], "marker", "class A / class B")
    images = np.random.default_rng(0).normal(size=(4, 5, 5))
    assert_told_apart(plots.orbit_strip(images, images).data[1:3], "line", "class A / class B")
    assert_told_apart(plots.error_bars(0.5, 0.4, 0.7, -0.2).data[1:3], "marker",
                      "class A / class B")
    targets = plots.outputs_figure(dynamics).data[1].marker
    y = np.asarray(dynamics.setup.y_clean)
    assert {targets.symbol[i] for i in np.flatnonzero(y > 0)} == {style.CLASS_SYMBOLS["A"]}
    assert {targets.symbol[i] for i in np.flatnonzero(y < 0)} == {style.CLASS_SYMBOLS["B"]}
    assert_told_apart(plots.error_vs_time(dynamics).data[:2], "line", "class A / class B")


def test_eigen_directions_differ_by_dash_and_marker(dynamics):
    fig = plots.mode_decay(dynamics)
    K = len(dynamics.modes)
    assert K >= 2
    assert_told_apart(fig.data[:K], "line", "eigen-directions")
    assert_told_apart(fig.data[K:2 * K], "marker", "eigen-directions")


def test_compared_kernels_differ_by_marker_and_dash():
    fig = plots.gcnn_error_vs_width([4, 16], [[0.4, 0.5], [0.2, 0.3]], [[0.3, 0.4], [0.1, 0.2]],
                                    -0.5, 0.0, -0.5, -0.3)
    by = {t.meta: t for t in fig.data}
    assert_told_apart([by["ntk_mean"], by["nngp_mean"]], "marker", "NTK / NNGP")
    assert_told_apart([by["ntk_mean"], by["nngp_mean"]], "line", "NTK / NNGP")
    assert_told_apart([by["ntk_fit"], by["nngp_fit"]], "line", "NTK / NNGP")
    assert by["ntk_seeds"].marker.symbol != by["nngp_seeds"].marker.symbol


def test_architectures_and_kernels_differ_by_marker():
    keys = list(style.ARCH_COLORS)
    curves = {k: np.linspace(0.2, 0.9, 3) for k in keys}
    fig = plots.accuracy_curve((2, 4, 8), curves, 4, "gcnn")
    assert_told_apart(fig.data[:len(keys)], "marker", "architectures")
    kernels = list(style.KERNEL_COLORS)
    curves = {k: (np.array([0.5, 0.6]), np.array([0.1, 0.1])) for k in kernels}
    fig = equivariant_accuracy.accuracy_vs_ntrain([10, 20], curves)
    assert_told_apart(fig.data[1:2 * len(kernels):2], "marker", "equivariant kernels")


def test_augmentation_strategies_differ_by_dash_or_lightness():
    run = {"epochs": np.arange(3), "loss": np.ones(3), "orbit_loss": np.ones(3)}
    fig = augmentation.loss_curves({slot: run for slot in augmentation.SLOTS})
    assert_told_apart(fig.data[:len(augmentation.SLOTS)], "line", "augmentation strategies")


def test_survey_outcomes_and_width_panels_differ_by_form():
    fig = plots.error_scatter([0.1, 0.9], [0.2, 1.2], [[1, 0, 2, 0], [3, 0, 4, 0]], 0.5,
                              misclassified=[False, True])
    assert_told_apart(fig.data[:2], "marker", "right / wrong sign")
    fig = plots.ntk_curves([0.0, 1.0], [1.0, 0.5], [[1.1, 0.4]], 16)
    assert_told_apart(fig.data[:2], "line", "finite / infinite width")
    fig = plots.error_bars(0.5, 0.4, 0.7, -0.2)
    assert set(fig.data[0].marker.color) == set(style.CONTRASTS["spectral / exact error"])
    fig = plots.inverse_spectrum(np.array([4.0, 2.0, 1.0, 2.0]), 2, 0.5)
    assert {fig.data[0].fillcolor, fig.data[1].fillcolor} == set(style.CONTRASTS["area / rectangle"])
    assert (fig.data[0].line.dash or "solid") != fig.data[1].line.dash


@pytest.mark.parametrize("labelled", [True, False])
def test_wrong_digits_are_marked_as_well_as_coloured(labelled):
    correct = [True, False, True, False]
    extra = dict(predicted=[1, 2, 3, 4], true_labels=[1, 3, 3, 5]) if labelled else {}
    fig = plots.digit_thumbnails(np.ones((4, 3, 3)), correct, ncols=2, **extra)
    assert len(fig.data[1].text) == correct.count(False)
    assert fig.data[1].textfont.color == style.OUTCOME_COLORS["wrong"]
    scale = [c for _, c in fig.data[0].colorscale]
    assert set(style.CONTRASTS["correct / wrong digit"]) <= set(scale)
