"""Props. 1–4 of arXiv 2412.11521 (App. C), their extension, the table, plain matrices, bad
input, plots."""

import numpy as np
import plotly.graph_objects as go
import pytest

from ntkviz import datasets, kernels, plots, spectral
from ntkviz.experiments import propositions as P
from ntkviz.experiments.architectures import architecture


def cnn1_ntk(x, y, readout, q=3, W=1.0, b=1.0):
    """Independent numpy NTK of Conv(q×q, circular) → ReLU → flatten/GAP → Dense
    (docs/theory.md#neural-kernels)."""
    r = q // 2
    offsets = [(a, c) for a in range(-r, r + 1) for c in range(-r, r + 1)]

    def patches(z):  # row p holds z[p + d] for every filter offset d
        return np.stack([np.roll(z, (-a, -c), axis=(0, 1)).ravel() for a, c in offsets], axis=1)

    px, py = patches(x), patches(y)
    sigma = W**2 * px @ py.T / q**2 + b**2
    norm = np.sqrt((W**2 * np.sum(px * px, 1) / q**2 + b**2)[:, None]
                   * (W**2 * np.sum(py * py, 1) / q**2 + b**2)[None, :])
    cos = np.clip(sigma / norm, -1.0, 1.0)
    theta = np.arccos(cos)
    nngp = norm * (np.sin(theta) + (np.pi - theta) * cos) / (2 * np.pi)
    ntk = sigma * (np.pi - theta) / (2 * np.pi)
    if readout == "flatten":
        nngp, ntk = np.diag(nngp), np.diag(ntk)
    return W**2 * ntk.mean() + W**2 * nngp.mean() + b**2


def reference_gram(O, readout):
    return np.array([[cnn1_ntk(a, b, readout) for b in O] for a in O])


@pytest.fixture(scope="module")
def digits():
    images, _ = P.default_images()
    return datasets.pool2(images)  # (2, 14, 14)


@pytest.fixture(scope="module")
def table():
    return P.proposition_table()


def dirac(side=14, pixels=((3, 5),)):
    image = np.zeros((side, side))
    for p in pixels:
        image[p] = 1.0
    return image


# --------------------------------------------------------------------------- the propositions


@pytest.mark.slow
def test_reference_cnn_matches_the_package():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(2, 8, 8))
    for readout in ("flatten", "gap"):
        assert kernels.cnn(readout=readout).ntk(x[None], y[None])[0, 0] == pytest.approx(
            cnn1_ntk(x, y, readout), rel=1e-12)


def test_prop1_flatten_cnn_on_a_shift_orbit_is_circulant_not_constant_full_rank(digits):
    x = digits[0]
    O = datasets.orbit(x, 7, "shift")
    K_ref = reference_gram(O, "flatten")
    # circulant in the independent computation: every wrapped diagonal constant
    np.testing.assert_allclose(K_ref, np.roll(np.roll(K_ref, 1, 0), 1, 1), rtol=1e-12, atol=0)
    p = P.orbit_properties(kernels.cnn(readout="flatten"), x, "shift", 7)
    np.testing.assert_allclose(p.K, K_ref, rtol=1e-12)
    assert p.is_circulant and p.circulant_deviation < 1e-12 and p.circulant == "exact"
    assert not p.is_constant and p.constant_deviation > 1e-4
    assert p.rank == 7 and not p.is_rank_deficient
    # the proof's full-rank example: one active pixel, shifts (2 px) ... still full rank
    q = P.orbit_properties(kernels.cnn(readout="flatten"), dirac(), "shift", 7)
    assert q.is_circulant and q.rank == 7 and not q.is_constant


def test_prop2_gap_cnn_on_a_shift_orbit_is_constant_so_two_orbits_give_eps_zero(digits):
    x, other = digits
    O = datasets.orbit(x, 7, "shift")
    K_ref = reference_gram(O, "gap")
    np.testing.assert_allclose(K_ref, K_ref[0, 0], rtol=1e-12)  # independent: constant
    p = P.orbit_properties(kernels.cnn(readout="gap"), x, "shift", 7, other=other)
    np.testing.assert_allclose(p.K, K_ref, rtol=1e-12)
    assert p.is_constant and p.constant_deviation < 1e-12 and p.is_circulant
    assert p.rank == 1 and p.is_rank_deficient
    pair = p.pair
    assert pair.rank == 2 and pair.is_rank_deficient
    assert pair.eps_spectral == 0.0 and pair.lam_N > 0 and pair.mean_inverse == np.inf
    # the exact leave-one-out solve agrees up to the ridge (1e-10·tr K on a ~1e-4 class contrast)
    assert pair.eps_exact < 1e-4
    assert "ε = 0" in pair.note


@pytest.mark.parametrize("readout", ["flatten", "gap"])
def test_props3_4_cnns_on_a_rot90_orbit_are_circulant_not_constant_full_rank(digits, readout):
    x = digits[0]
    O = datasets.orbit(x, 4, "rot90")
    K_ref = reference_gram(O, readout)
    np.testing.assert_allclose(K_ref, np.roll(np.roll(K_ref, 1, 0), 1, 1), rtol=1e-12, atol=0)
    p = P.orbit_properties(kernels.cnn(readout=readout), x, "rot90", 4)
    np.testing.assert_allclose(p.K, K_ref, rtol=1e-12)
    assert p.is_circulant and not p.is_constant and p.rank == 4
    # the proofs' examples: a Dirac off the centre (Prop. 3); for Prop. 4 three pixels in an L
    # within one filter (the proof's two Diracs are, on the torus, a translate of their own 180°
    # turn, so the shift-invariant GAP kernel repeats with period 2: rank 2, see below)
    image = dirac(pixels=((3, 5),)) if readout == "flatten" else dirac(pixels=((3, 5), (4, 5), (4, 6)))
    q = P.orbit_properties(kernels.cnn(readout=readout), image, "rot90", 4)
    assert q.is_circulant and not q.is_constant and q.rank == 4
    if readout == "gap":
        two = P.orbit_properties(kernels.cnn(readout="gap"), dirac(pixels=((3, 5), (4, 5))), "rot90", 4)
        np.testing.assert_allclose(two.K[0, 2], two.K[0, 0], rtol=1e-12)
        assert two.is_circulant and not two.is_constant and two.rank == 2


def test_mlp_is_circulant_on_any_permutation_orbit(digits):
    x = digits[1]
    for action, N in (("shift", 14), ("rot90", 4)):
        O = datasets.orbit(x, N, action).reshape(N, -1)
        G = O @ O.T  # a dot-product kernel only sees these: circulant for a permutation action
        np.testing.assert_allclose(G, np.roll(np.roll(G, 1, 0), 1, 1), atol=1e-15)
        p = P.orbit_properties(kernels.mlp(depth=2), x, action, N)
        assert p.is_circulant and p.circulant_deviation < 1e-12 and not p.is_constant


def test_group_cnn_unchanged_by_rot90_or_shift_of_either_input(digits):
    x, y = digits
    k = kernels.gcnn()
    base = k.ntk(x[None], y[None])[0, 0]
    for moved in (np.rot90(y), np.rot90(y, 3), np.roll(y, 3, axis=1), np.roll(np.rot90(y), 2, axis=0)):
        assert k.ntk(x[None], moved[None])[0, 0] == pytest.approx(base, rel=1e-10)
        assert k.ntk(moved[None], x[None])[0, 0] == pytest.approx(base, rel=1e-10)
    for action, N in (("rot90", 4), ("shift", 7)):
        p = P.orbit_properties(k, x, action, N, other=y)
        assert p.is_constant and p.rank == 1 and p.pair.eps_spectral == 0.0


@pytest.mark.parametrize("action, N", [("rot90", 4), ("shift", 7)])
def test_orbit_averaged_kernel_is_constant(digits, action, N):
    x = digits[0]
    k = architecture("orbit_mlp").kernel(action, N)
    O = datasets.orbit(x, N, action)
    base = kernels.mlp(depth=1)
    # independent: (1/N) Σ_g k(x_i, g·x_j) over the orbit is the mean of row i of the base Gram
    # matrix, the same for every j; and the base kernel is circulant, so also for every i
    mean = base.ntk(O).mean()
    p = P.orbit_properties(k, x, action, N)
    np.testing.assert_allclose(p.K, mean, rtol=1e-12)
    assert p.is_constant and p.rank == 1


def test_interpolated_rotations_are_only_approximately_circulant(digits):
    x = digits[0]
    p = P.orbit_properties(kernels.mlp(depth=1), x, "rotate", 8)
    assert 1e-10 < p.circulant_deviation < 1e-3
    assert p.circulant == "approximate" and not p.is_circulant
    assert p.noncirculant_share < 0.25  # most of the kernel's variation is circulant
    exact = P.orbit_properties(kernels.mlp(depth=1), x, "rot90", 4)
    assert exact.circulant == "exact"


# --------------------------------------------------------------------------- the table


def test_table_reproduces_every_claim(table):
    assert len(table.rows) == len(P.TABLE_KERNELS) * len(P.TABLE_ACTIONS) == 15
    assert table.agrees, [r.mismatches for r in table.rows if not r.agrees]
    assert table.digits is not None and table.resolution == 14
    gap_shift = table.row("cnn_gap", "shift")
    assert gap_shift.claim.source == "Prop. 2" and gap_shift.properties.is_constant
    assert gap_shift.properties.pair.eps_spectral == 0.0
    assert table.row("cnn_flatten", "shift").claim.source == "Prop. 1"
    assert table.row("cnn_flatten", "rot90").claim.source == "Prop. 3"
    assert table.row("cnn_gap", "rot90").claim.source == "Prop. 4"
    assert not table.row("cnn_gap", "rot90").properties.is_constant
    for row in table.rows:
        if row.action == "rotate":
            assert row.approximate and row.properties.circulant == "approximate"
        else:
            assert row.properties.is_circulant
    assert P.proposition_table() is table  # cached


def test_table_markdown_and_cells(table):
    text = table.to_markdown()
    lines = text.splitlines()
    assert len(lines) == 2 + 15 and lines[0].count("|") == len(table.HEADER) + 1
    for k in range(1, 5):
        assert f"Prop. {k}" in text
    cells = table.cells()
    assert all(len(c) == len(table.HEADER) for c in cells)
    first = table.rows[0].properties
    assert f"{first.circulant_deviation:.1e}" in cells[0][2]


def test_claim_mismatches_are_reported():
    K = spectral.circulant([2.0, 1.0, 0.5, 1.0])
    props = P.orbit_properties(K, action="rot90")
    assert P.Claim("x", circulant="exact", constant="no", rank_deficient=False).mismatches(props) == ()
    wrong = P.Claim("x", constant="exact", rank_deficient=True, eps_zero=True).mismatches(props)
    assert len(wrong) == 3 and "constant" in wrong[0] and "rank" in wrong[1]


@pytest.mark.slow
def test_table_on_user_images_and_nngp(digits):
    t = P.proposition_table(np.array(digits), kind="nngp")
    assert t.kind == "nngp" and t.digits is None and t.agrees


# --------------------------------------------------------------------------- plain matrices


def test_plain_circulant_matrix():
    rng = np.random.default_rng(3)
    row = rng.uniform(size=9)
    row = 0.5 * (row + np.roll(row[::-1], 1))
    row[0] += 5.0
    K = spectral.circulant(row)
    p = P.orbit_properties(K)
    assert p.is_circulant and not p.is_constant and p.rank == 9
    np.testing.assert_allclose(np.sort(p.lam), np.linalg.eigvalsh(K), atol=1e-12)
    np.testing.assert_allclose(p.eigenvalues, np.linalg.eigvalsh(K), atol=1e-12)
    assert p.noncirculant_share == pytest.approx(0.0, abs=1e-14)
    assert "circulant exact" in p.summary()


def test_plain_matrices_constant_and_not_circulant():
    p = P.orbit_properties(np.full((5, 5), 2.5).tolist())  # nested lists are fine
    assert p.is_constant and p.rank == 1 and p.is_rank_deficient and p.noncirculant_share == 0.0
    rng = np.random.default_rng(4)
    A = rng.normal(size=(6, 6))
    K = A @ A.T
    q = P.orbit_properties(K, N=6)
    assert q.circulant == "no" and q.constant == "no" and q.rank == 6
    Kc = spectral.circularize(K)
    share = np.linalg.norm(K - Kc) / np.linalg.norm(K - K.mean())
    assert q.noncirculant_share == pytest.approx(share) and 0 < share <= 1


def test_pair_properties_of_blockwise_constant_orbits():
    N = 5
    K = np.empty((2 * N, 2 * N))
    K[0::2, 0::2], K[1::2, 1::2] = 3.0, 2.0
    K[0::2, 1::2] = K[1::2, 0::2] = 1.0
    pair = P.pair_properties(K)
    assert pair.rank == 2 and pair.is_rank_deficient and pair.N == N
    assert pair.eps_spectral == 0.0 and pair.eps_exact < 1e-6


def test_unhashable_kernel_is_computed_not_cached(digits):
    class Dot:
        __hash__ = None

        def __call__(self, a, b):
            return a.reshape(len(a), -1) @ b.reshape(len(b), -1).T

    p = P.orbit_properties(Dot(), digits[0], "rot90")
    O = datasets.orbit(digits[0], 4, "rot90").reshape(4, -1)
    np.testing.assert_allclose(p.K, O @ O.T, atol=1e-15)
    assert p.N == 4 and p.action == "rot90" and p.is_circulant


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("call, error, words", [
    (lambda: P.orbit_properties(np.ones((3, 4))), ValueError, "square"),
    (lambda: P.orbit_properties(np.ones((1, 1))), ValueError, "at least 2"),
    (lambda: P.orbit_properties(np.array([[1.0, 0.0], [1.0, 1.0]])), ValueError, "symmetric"),
    (lambda: P.orbit_properties(np.array([[1.0, np.nan], [np.nan, 1.0]])), ValueError, "finite"),
    (lambda: P.orbit_properties(np.eye(3), N=4), ValueError, "N must equal"),
    (lambda: P.orbit_properties(np.eye(3), np.ones((4, 4))), TypeError, "image must be None"),
    (lambda: P.orbit_properties(np.eye(3), action="flip"), ValueError, "action"),
    (lambda: P.orbit_properties(np.eye(3), rtol=-1.0), ValueError, "rtol"),
    (lambda: P.orbit_properties(np.eye(3), approx_rtol=1e-12), ValueError, "approx_rtol"),
    (lambda: P.orbit_properties(np.eye(3), kind="gp"), ValueError, "kind"),
    (lambda: P.orbit_properties("kernel"), TypeError, "real numbers"),
    (lambda: P.orbit_properties(kernels.mlp()), TypeError, "image must be given"),
    (lambda: P.orbit_properties(kernels.mlp(), np.ones((4, 5)), "rot90", 4), ValueError, "square"),
    (lambda: P.orbit_properties(kernels.mlp(), np.eye(6), "shift", 4), ValueError, "divide"),
    (lambda: P.orbit_properties(kernels.rbf(), np.eye(6), "rot90", kind="nngp"), TypeError, "nngp"),
    (lambda: P.orbit_properties(kernels.mlp(), np.eye(6), "rot90", other=np.eye(4)), ValueError, "other"),
    (lambda: P.pair_properties(np.eye(3)), ValueError, "even"),
    (lambda: P.proposition_table(np.ones((3, 14, 14))), ValueError, "two seed images"),
    (lambda: P.proposition_table(np.ones((2, 14, 12))), ValueError, "square"),
    (lambda: P.proposition_table(resolution=10), ValueError, "resolution"),
    (lambda: P.proposition_table(kind="gp"), ValueError, "kind"),
])
def test_bad_input(call, error, words):
    with pytest.raises(error, match=words):
        call()


# --------------------------------------------------------------------------- plots


def test_propositions_figure(table):
    data = table.figure_data()
    fig = plots.propositions_figure(**data)
    assert isinstance(fig, go.Figure) and len(fig.data) == 16
    heatmaps, tab = fig.data[:15], fig.data[15]
    assert all(t.type == "heatmap" for t in heatmaps) and tab.type == "table"
    np.testing.assert_array_equal(np.asarray(heatmaps[0].z), table.row("mlp1", "shift").properties.K)
    np.testing.assert_array_equal(np.asarray(heatmaps[14].z), table.row("orbit_mlp", "rotate").properties.K)
    assert "%{z:.12g}" in heatmaps[0].hovertemplate
    assert list(tab.header.values) == list(table.HEADER)
    assert list(tab.cells.values[6]) == [c[6] for c in table.cells()]
    assert fig.layout.title.text
    # a constant panel is one colour: its range does not show round-off
    gap = heatmaps[6]  # cnn_gap, shift
    assert gap.zmax - gap.zmin > 1.0
    # the update twin reproduces a fresh figure
    fresh = plots.propositions_figure(**data)
    plots.apply_update(fresh, plots.propositions_figure_update(**data))
    np.testing.assert_array_equal(np.asarray(fresh.data[3].z), np.asarray(fig.data[3].z))


def test_heatmaps_and_table_figures(table):
    data = table.figure_data()
    fig = plots.orbit_heatmaps(data["grams"], data["row_labels"], data["column_labels"])
    assert len(fig.data) == 15 and fig.layout.yaxis.autorange == "reversed"
    t = plots.proposition_table_figure(table.HEADER, table.cells(), [r.agrees for r in table.rows])
    assert len(t.data) == 1 and len(t.data[0].cells.values) == len(table.HEADER)
    with pytest.raises(ValueError, match="grams"):
        plots.orbit_heatmaps([[np.ones((2, 3))]], ["a"], ["b"])
    with pytest.raises(ValueError, match="cells"):
        plots.proposition_table_figure(["a", "b"], [["only one"]])
