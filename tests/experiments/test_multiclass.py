"""Several seeds per class and ten classes one-versus-many
(docs/theory.md#several-seeds-and-ten-classes): single pairs equal
``orbits``, the multi-seed exact error against a brute-force solve, exact invariance gives ε = 0
and accuracy 1, the accuracy against a hand computation, reproducibility, bad input."""

import dataclasses

import numpy as np
import pytest

from ntkviz import block_circulant, datasets, gp
from ntkviz.experiments import accuracy, architectures, digit_orbits, digits, multiclass, orbits

RIDGE = gp.DEFAULT_RIDGE


# --------------------------------------------------------------------------- digits


def test_class_samples_follow_select_digits():
    rows = multiclass.class_samples(4, seed=7)
    assert rows.shape == (10, 4)
    _, labels = datasets.load_mnist()
    train, _ = accuracy.select_digits(accuracy.Config(classes=10, n_train=4, n_test=1, seed=7))
    for c in range(10):
        members = np.flatnonzero(labels == c)
        np.testing.assert_array_equal(members[rows[c]], train[c])
    np.testing.assert_array_equal(multiclass.class_samples(2, seed=7), rows[:, :2])
    assert not np.array_equal(multiclass.class_samples(4, seed=8), rows)


# --------------------------------------------------------------------------- several seeds


def test_one_seed_equals_the_orbit_pair_state():
    trial = multiclass.seeds_trial(3, 8, seeds=1, N=6, seed=2)
    a = (3, int(trial.samples_a[0]))
    b = (8, int(trial.samples_b[0]))
    state = orbits.orbit_pair_state(a, b, "rotate", 6, "mlp1")
    assert trial.eps_pairs.shape == (1, 1)
    assert trial.eps_spectral == pytest.approx(state.eps_spectral, rel=1e-9, abs=1e-12)
    # the symmetrised error of the pair, computed independently with gp on the pair alone
    expected = gp.symmetrized_error(state.K, state.y)
    assert trial.eps_exact == pytest.approx(expected, rel=1e-7, abs=1e-10)
    assert trial.predictions_a[0] == pytest.approx(state.prediction_a, rel=1e-7, abs=1e-10)
    assert trial.predictions_b[0] == pytest.approx(state.prediction_b, rel=1e-7, abs=1e-10)


def _brute_force(class_a, class_b, samples_a, samples_b, N, action, key):
    """Exact multi-seed error with an explicit inverse on a dataset in a different order
    (element-major: all orbits at angle 0, then at angle 1, …)."""
    digits = [(class_a, int(s)) for s in samples_a] + [(class_b, int(s)) for s in samples_b]
    S = len(samples_a)
    # (2S, N, R, R)
    orbit_stack = np.stack([digit_orbits.prepared_orbit(d, action, N, key) for d in digits])
    X = orbit_stack.transpose(1, 0, 2, 3).reshape(2 * S * N, *orbit_stack.shape[2:])
    y = np.tile(np.repeat([1.0, -1.0], S), N)
    K = architectures.kernel_matrix(key, X, kind="ntk", action=action, N=N)
    errors = []
    for test, target in ((np.arange(S), 1.0), (np.arange(S, 2 * S), -1.0)):
        train = np.setdiff1d(np.arange(len(X)), test)
        K_train = K[np.ix_(train, train)]
        inverse = np.linalg.inv(K_train + RIDGE * np.trace(K_train) * np.eye(len(train)))
        prediction = K[np.ix_(test, train)] @ inverse @ y[train]
        errors.append(np.mean(np.abs(prediction - target)))
    return 0.5 * (errors[0] + errors[1]), K, X


def test_exact_multi_seed_error_equals_a_brute_force_solve():
    trial = multiclass.seeds_trial(1, 7, seeds=3, N=4, seed=5)
    expected, K, X = _brute_force(1, 7, trial.samples_a, trial.samples_b, 4, "rotate", "mlp1")
    assert trial.eps_exact == pytest.approx(expected, rel=1e-6)
    assert trial.eps_exact == pytest.approx(0.5 * (trial.error_a + trial.error_b), rel=1e-15)
    assert trial.error_a == pytest.approx(np.mean(np.abs(trial.predictions_a - 1)), rel=1e-15)
    # every pair's spectral error from its own 2N×2N kernel (independent of the shared Gram)
    S, N = 3, 4
    for i in range(S):
        for j in range(S):
            state = orbits.pair_state_from_orbits(X[i::2 * S], X[S + j::2 * S], N=N)
            assert trial.eps_pairs[i, j] == pytest.approx(state.eps_spectral, rel=1e-9)
    assert trial.eps_spectral == pytest.approx(trial.eps_pairs.mean(), rel=1e-15)


def test_exactly_invariant_kernel_has_zero_spectral_error():
    trial = multiclass.seeds_trial(2, 5, seeds=2, N=4, action="rot90", architecture="orbit_mlp")
    np.testing.assert_array_equal(trial.eps_pairs, 0.0)
    assert trial.eps_spectral == 0.0
    assert trial.eps_exact < 1e-5  # only the tiny ridge
    np.testing.assert_allclose(trial.predictions_a, 1.0, atol=1e-5)
    np.testing.assert_allclose(trial.predictions_b, -1.0, atol=1e-5)


def test_seeds_agreement_is_reproducible_and_summarises():
    calls = []
    result = multiclass.seeds_agreement(n_trials=4, seeds=2, Ns=(4, 6), seed=1,
                                        progress=lambda done, total: calls.append((done, total)))
    assert calls == [(k, 8) for k in range(1, 9)]
    assert result.eps_spectral.shape == result.eps_exact.shape == (2, 4)
    assert np.all(result.class_a != result.class_b)
    for n, N in enumerate(result.Ns):
        for t in range(4):
            trial = result.trial(t, N)
            assert trial.class_a == result.class_a[t] and trial.class_b == result.class_b[t]
            assert result.eps_spectral[n, t] == trial.eps_spectral
            assert result.eps_exact[n, t] == trial.eps_exact
        s, e = result.eps_spectral[n], result.eps_exact[n]
        assert result.correlation[n] == pytest.approx(np.corrcoef(s, e)[0, 1], rel=1e-12)
        assert result.mean_abs_difference[n] == pytest.approx(np.mean(np.abs(s - e)), rel=1e-12)
        assert result.at(N)["correlation"] == result.correlation[n]
    # the same digits at every N
    assert result.trial(0, 4).samples_a.tolist() == result.trial(0, 6).samples_a.tolist()
    multiclass.seeds.trial.cache_clear()
    again = multiclass.seeds_agreement(n_trials=4, seeds=2, Ns=(4, 6), seed=1)
    np.testing.assert_array_equal(again.eps_spectral, result.eps_spectral)
    np.testing.assert_array_equal(again.eps_exact, result.eps_exact)
    longer = multiclass.seeds_agreement(n_trials=5, seeds=2, Ns=(4,), seed=1)
    np.testing.assert_array_equal(longer.class_a[:4], result.class_a)
    np.testing.assert_array_equal(longer.eps_spectral[0, :4], result.eps_spectral[0])
    other = multiclass.seeds_agreement(n_trials=4, seeds=2, Ns=(4,), seed=2)
    assert not np.array_equal(other.trial_seeds, result.trial_seeds)


# --------------------------------------------------------------------------- one versus many


def test_spectral_accuracy_equals_a_hand_computation():
    classes, S, N = (0, 4, 9), 2, 4
    result = multiclass.spectral_accuracy(S, N, classes=classes, seed=3)
    samples = multiclass.class_samples(S, 3)
    per_class = []
    for c, A in enumerate(classes):
        right = 0
        for i in range(S):
            orbit_a = digit_orbits.prepared_orbit((A, int(samples[A, i])), "rotate", N)
            ok = True
            for d, B in enumerate(classes):
                if B == A:
                    continue
                mean = 0.0
                for j in range(S):
                    orbit_b = digit_orbits.prepared_orbit((B, int(samples[B, j])), "rotate", N)
                    eps = orbits.pair_state_from_orbits(orbit_a, orbit_b, N=N).eps_spectral
                    assert result.eps[c, i, d, j] == pytest.approx(eps, rel=1e-9)
                    mean += (1.0 - eps) / S
                assert result.prediction[c, i, d] == pytest.approx(mean, rel=1e-9, abs=1e-12)
                ok = ok and mean > 0
            right += ok
            assert result.correct[c, i] == ok
        per_class.append(right / S)
    np.testing.assert_allclose(result.per_class, per_class)
    assert result.accuracy == pytest.approx(np.mean(per_class))
    assert 0.0 <= result.accuracy <= 1.0
    assert np.all(np.isnan(result.prediction[np.arange(3), :, np.arange(3)]))
    assert result.of_class(4) == result.per_class[1]


def test_spectral_accuracy_is_one_for_an_exactly_invariant_kernel():
    result = multiclass.spectral_accuracy(2, 4, action="rot90", architecture="orbit_mlp",
                                          classes=(1, 2, 3, 5), seed=0)
    assert result.accuracy == 1.0
    np.testing.assert_array_equal(result.per_class, 1.0)
    np.testing.assert_array_equal(result.eps[~np.isnan(result.eps)], 0.0)


def test_spectral_accuracy_vs_N_and_reproducibility():
    calls = []
    curve = multiclass.spectral_accuracy_vs_N(
        (4, 6), seeds_per_class=2, classes=range(4), seed=1,
        progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 2), (2, 2)]
    assert curve.per_class.shape == (2, 4) and curve.accuracy.shape == (2,)
    assert np.all((curve.per_class >= 0) & (curve.per_class <= 1))
    for n, N in enumerate((4, 6)):
        single = multiclass.spectral_accuracy(2, N, classes=range(4), seed=1)
        assert curve.results[n] is single
        assert curve.accuracy[n] == single.accuracy
        np.testing.assert_array_equal(curve.per_class[n], single.per_class)
    multiclass.one_vs_many._spectral_accuracy.cache_clear()
    again = multiclass.spectral_accuracy(2, 4, classes=range(4), seed=1)
    np.testing.assert_array_equal(again.eps, curve.results[0].eps)
    # a class's digits do not depend on which other classes take part
    pair = multiclass.spectral_accuracy(2, 4, classes=(2, 3), seed=1)
    np.testing.assert_array_equal(pair.samples, again.samples[2:4])
    np.testing.assert_allclose(pair.eps[0, :, 1, :], again.eps[2, :, 3, :], rtol=1e-9)
    # the two-class case is the pair-averaged picture of seeds_trial
    trial = multiclass.seeds_trial(2, 3, seeds=2, N=4, seed=1)
    np.testing.assert_allclose(pair.eps[0, :, 1, :], trial.eps_pairs, rtol=1e-9)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("kwargs, error, name", [
    (dict(seeds=0), ValueError, "seeds"), (dict(class_a=10), ValueError, "class_a"),
    (dict(class_b=-1), ValueError, "class_b"), (dict(class_b=3), ValueError, "different"),
    (dict(action="rot90", N=8), ValueError, "N=8"), (dict(N=1), ValueError, "N"),
    (dict(action="shift", N=5), ValueError, "N=5"),
    (dict(architecture="vit"), ValueError, "architecture"),
    (dict(kind="ntkk"), ValueError, "kind"), (dict(seed=-1), ValueError, "seed"),
    (dict(seeds=2.5), TypeError, "seeds")])
def test_seeds_trial_rejects_bad_arguments(kwargs, error, name):
    arguments = dict(class_a=3, class_b=8, seeds=1, N=4)
    arguments.update(kwargs)
    with pytest.raises(error, match=name):
        multiclass.seeds_trial(**arguments)


@pytest.mark.parametrize("kwargs, error, name", [
    (dict(seeds_per_class=0), ValueError, "seeds_per_class"),
    (dict(classes=(1, 12)), ValueError, "classes"),
    (dict(classes=(1,)), ValueError, "classes"), (dict(classes=(1, 1)), ValueError, "classes"),
    (dict(classes=5), TypeError, "classes"), (dict(action="rot90", N=3), ValueError, "N=3")])
def test_spectral_accuracy_rejects_bad_arguments(kwargs, error, name):
    arguments = dict(seeds_per_class=1, N=4, classes=(0, 1))
    arguments.update(kwargs)
    with pytest.raises(error, match=name):
        multiclass.spectral_accuracy(**arguments)


@pytest.mark.parametrize("function, kwargs, name", [
    (multiclass.seeds_agreement, dict(n_trials=0), "n_trials"),
    (multiclass.seeds_agreement, dict(seeds=0), "seeds"),
    (multiclass.seeds_agreement, dict(Ns=(4, 65)), "N=65"),
    (multiclass.seeds_agreement, dict(Ns=(4, 4)), "Ns"),
    (multiclass.seeds_agreement, dict(Ns=()), "Ns"),
    (multiclass.spectral_accuracy_vs_N, dict(Ns=(2, 8), action="rot90"), "N=8"),
    (multiclass.spectral_accuracy_vs_N, dict(classes=(3, 10)), "classes")])
def test_sweeps_reject_bad_arguments(function, kwargs, name):
    with pytest.raises(ValueError, match=name):
        function(**kwargs)


def test_progress_must_be_callable():
    with pytest.raises(TypeError, match="progress"):
        multiclass.seeds_agreement(n_trials=1, seeds=1, Ns=(4,), progress=3)


# --------------------------------------------------------------------------- exact, one versus many


def _independent_orbits(classes, S, N, action, key, seed=0):
    """(M, N, R, W) orbits built without multiclass: ``digits.digit``, pooling, zero padding to
    a multiple of N for shifts, then ``datasets.orbit`` (normalises every element)."""
    resolution = architectures.architecture(key).resolution
    samples = multiclass.class_samples(S, seed)
    stack = []
    for c in classes:
        for s in samples[c]:
            image = architectures.architecture(key).prepare(digits.digit(c, int(s))[None])[0]
            if action == "shift" and resolution % N:
                width = -(-resolution // N) * N
                pad = width - resolution
                image = np.pad(image, ((0, 0), (pad // 2, pad - pad // 2)))
            stack.append(datasets.orbit(image, N, action))
    return np.stack(stack)


def _posterior(K, Y, train, test, ridge):
    """``gp.posterior`` mean for each target column (absolute ridge)."""
    return np.stack([gp.posterior(K, Y[train, t], train, test, ridge=ridge, relative=False).mean
                     for t in range(Y.shape[1])], axis=1)


def _independent_predictions(classes, S, N, action, key, kind="ntk"):
    """Per class, ``gp.posterior`` on the raw dense Gram (element-major) with the absolute ridge
    of the full matrix: the reference for every solver. Also returns K and M."""
    stack = _independent_orbits(classes, S, N, action, key)
    M = stack.shape[0]
    X = stack.transpose(1, 0, 2, 3).reshape(M * N, *stack.shape[2:])
    k = architectures.architecture(key).kernel(action, N)
    K = k.ntk(X) if kind == "ntk" else k.nngp(X)
    C = len(classes)
    Y = np.tile(np.repeat(np.eye(C), S, axis=0), (N, 1))
    ridge = RIDGE * np.trace(K)
    out = []
    for c in range(C):
        test = c * S + np.arange(S)  # angle 0: element-major rows 0..M-1
        train = np.setdiff1d(np.arange(M * N), test)
        out.append(_posterior(K, Y, train, test, ridge))
    return np.stack(out), K, M


@pytest.mark.parametrize("action, N, key, kind", [
    ("shift", 8, "mlp1", "ntk"),       # padded canvas 28 → 32
    ("shift", 7, "mlp1", "nngp"),      # N divides 28: no padding, odd N
    ("rot90", 4, "mlp1", "ntk"),
    ("shift", 4, "cnn_gap", "ntk"),    # 14×14 pixel-pair kernel, canvas 14 → 16
    ("rot90", 4, "gcnn", "ntk"),
])
@pytest.mark.slow
def test_exact_block_equals_dense_and_an_independent_solve(action, N, key, kind):
    classes, S = (1, 4, 6), 2
    block = multiclass.exact_accuracy(S, N, action, key, kind, classes=classes, solver="block")
    dense = multiclass.exact_accuracy(S, N, action, key, kind, classes=classes, solver="dense")
    auto = multiclass.exact_accuracy(S, N, action, key, kind, classes=classes)
    assert (block.solver, dense.solver, auto.solver) == ("block", "dense", "block")
    assert auto is block  # "auto" resolves before the cache
    expected, K, M = _independent_predictions(classes, S, N, action, key, kind)
    # the kernel is invariant under the action on both inputs: K is block-circulant
    blocks = block_circulant.from_gram(K, M, N, rtol=1e-10)
    assert blocks.shape == (N, M, M)
    np.testing.assert_allclose(block.predictions, dense.predictions, rtol=0, atol=1e-8)
    np.testing.assert_allclose(block.predictions, expected, rtol=0, atol=1e-8)
    np.testing.assert_array_equal(block.predicted, dense.predicted)
    np.testing.assert_array_equal(block.per_class, dense.per_class)
    assert block.ridge == pytest.approx(RIDGE * np.trace(K), rel=1e-12)
    assert block.points == M * N == len(classes) * S * N
    assert block.circulant_deviation is None and block.prediction_difference is None
    assert not block.circularized and not dense.circularized


def test_exact_block_leave_outs_equal_the_library_identity():
    classes, S, N = (0, 3, 5, 8), 3, 8
    result = multiclass.exact_accuracy(S, N, classes=classes, solver="block")
    stack = _independent_orbits(classes, S, N, "shift", "mlp1")
    k = architectures.architecture("mlp1").kernel("shift", N)
    bc = block_circulant.BlockCirculantKernel.from_kernel(k.ntk, stack)
    M = stack.shape[0]
    Y = np.tile(np.repeat(np.eye(4), S, axis=0), (N, 1))
    for c in range(4):
        S_c = block_circulant.point_index(0, c * S + np.arange(S), M)
        expected = block_circulant.leave_out_predictions(bc, Y, S_c)
        np.testing.assert_allclose(result.predictions[c], expected, rtol=0, atol=1e-10)


def test_exact_accuracy_counts_argmax_hits_and_follows_class_order():
    first = multiclass.exact_accuracy(2, 4, action="rot90", classes=(5, 2, 7))
    second = multiclass.exact_accuracy(2, 4, action="rot90", classes=(2, 7, 5))
    assert first.classes == (5, 2, 7)
    np.testing.assert_array_equal(first.samples, multiclass.class_samples(2, 0)[[5, 2, 7]])
    order = [1, 2, 0]  # second's classes in first's positions
    np.testing.assert_allclose(second.predictions, first.predictions[order][:, :, order],
                               atol=1e-9)
    np.testing.assert_array_equal(second.predicted, first.predicted[order])
    for label in (2, 5, 7):
        assert first.of_class(label) == second.of_class(label)
    # the bookkeeping against a hand count
    classes = np.array(first.classes)
    predicted = classes[first.predictions.argmax(axis=2)]
    np.testing.assert_array_equal(first.predicted, predicted)
    np.testing.assert_array_equal(first.correct, predicted == classes[:, None])
    np.testing.assert_allclose(first.per_class, (predicted == classes[:, None]).mean(axis=1))
    assert first.accuracy == pytest.approx(first.per_class.mean())
    with pytest.raises(ValueError, match="label"):
        first.of_class(3)
    with pytest.raises(ValueError):
        first.predictions[0, 0, 0] = 1.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.accuracy = 1.0


def test_exact_accuracy_is_one_for_a_kernel_invariant_in_each_input():
    # GAP CNN on shifts: every orbit mate of a left-out image has the same kernel row, so the
    # prediction is its own class (up to the tiny ridge)
    result = multiclass.exact_accuracy(2, 7, "shift", "cnn_gap", classes=(0, 1, 9))
    assert result.accuracy == 1.0
    expected = np.broadcast_to(np.eye(3)[:, None, :], result.predictions.shape)
    np.testing.assert_allclose(result.predictions, expected, atol=1e-4)


def test_exact_rotate_circularised_block_path_records_its_error():
    classes, S, N = (2, 3, 8), 2, 6
    block = multiclass.exact_accuracy(S, N, "rotate", classes=classes, solver="block")
    dense = multiclass.exact_accuracy(S, N, "rotate", classes=classes, solver="dense")
    assert multiclass.exact_accuracy(S, N, "rotate", classes=classes, solver="auto") is dense
    assert block.solver == "block" and block.circularized
    assert dense.circulant_deviation is None and dense.prediction_difference is None
    expected, K, M = _independent_predictions(classes, S, N, "rotate", "mlp1")
    np.testing.assert_allclose(dense.predictions, expected, rtol=0, atol=1e-8)
    # interpolated rotations: K is close to, but not, block-circulant
    deviation = block_circulant.block_circulant_deviation(K, M, N)
    assert 0 < deviation < 1e-2
    assert block.circulant_deviation == pytest.approx(deviation, rel=1e-6)
    with pytest.raises(ValueError, match="not block-circulant"):
        block_circulant.from_gram(K, M, N, rtol=1e-10)
    # the block solve on K̃ = block_row_average(K), independently with gp on the dense K̃
    Kc = block_circulant.block_circularize(K, M, N)
    Y = np.tile(np.repeat(np.eye(3), S, axis=0), (N, 1))
    for c in range(3):
        test = c * S + np.arange(S)
        train = np.setdiff1d(np.arange(M * N), test)
        mean = _posterior(Kc, Y, train, test, RIDGE * np.trace(K))
        np.testing.assert_allclose(block.predictions[c], mean, rtol=0, atol=1e-8)
    difference = np.abs(block.predictions - dense.predictions).max()
    assert block.prediction_difference == pytest.approx(difference, rel=1e-6)
    assert block.prediction_difference > 0


def test_canvas_width_pads_shifts_to_a_multiple_of_N():
    assert [multiclass.canvas_width(28, N, "shift") for N in (4, 7, 8, 16, 32, 3)] == \
        [28, 28, 32, 32, 32, 30]
    assert multiclass.canvas_width(14, 8, "shift") == 16
    assert multiclass.canvas_width(28, 8, "rotate") == multiclass.canvas_width(28, 4, "rot90") == 28
    result = multiclass.exact_accuracy(1, 16, classes=(0, 1))
    assert (result.resolution, result.canvas_width) == (28, 32)
    small = multiclass.exact_accuracy(1, 8, architecture="cnn_gap", classes=(0, 1))
    assert (small.resolution, small.canvas_width) == (14, 16)


@pytest.mark.slow
def test_exact_accuracy_medium_case_progress_and_cache():
    calls = []
    result = multiclass.exact_accuracy(10, 32, progress=lambda d, t: calls.append((d, t)))
    assert result.points == 3200 and result.canvas_width == 32 and result.solver == "block"
    assert result.predictions.shape == (10, 10, 10) and result.per_class.shape == (10,)
    assert result.correct.dtype == bool and 0.0 <= result.accuracy <= 1.0
    assert result.accuracy > 0.5  # one-pixel shifts of seen digits: mostly right
    total = calls[-1][1]
    assert calls == [(k, total) for k in range(1, total + 1)] and total >= 11
    assert set(result.timings) == {"kernel", "solve", "leave-out"}
    assert result.wall_time >= sum(result.timings.values()) > 0
    again = []
    assert multiclass.exact_accuracy(10, 32, progress=lambda d, t: again.append((d, t))) is result
    assert again == [(1, 1)]


def test_exact_accuracy_vs_N():
    calls = []
    curve = multiclass.exact_accuracy_vs_N((4, 8), seeds_per_class=1, classes=(3, 8),
                                           progress=lambda d, t: calls.append((d, t)))
    assert calls == [(1, 2), (2, 2)]
    assert curve.Ns == (4, 8) and curve.classes == (3, 8) and curve.solver == "block"
    assert curve.per_class.shape == (2, 2) and curve.accuracy.shape == curve.wall_time.shape == (2,)
    for n, N in enumerate((4, 8)):
        single = multiclass.exact_accuracy(1, N, classes=(3, 8))
        assert curve.results[n] is single
        assert curve.accuracy[n] == single.accuracy
        np.testing.assert_array_equal(curve.results[n].samples, single.samples)


@pytest.mark.parametrize("kwargs, error, name", [
    (dict(N=65), ValueError, "N=65"), (dict(N=1), ValueError, "N"),
    (dict(action="rot90", N=3), ValueError, "N=3"),
    (dict(action="rotate", N=65), ValueError, "N=65"),
    (dict(solver="fast"), ValueError, "solver"),
    (dict(solver="dense", seeds_per_class=100, N=16, classes=range(10)), ValueError, "8000"),
    (dict(action="rotate", solver="block", seeds_per_class=100, N=16, classes=range(10)),
     ValueError, "points"),
    (dict(seeds_per_class=0), ValueError, "seeds_per_class"),
    (dict(classes=(2,)), ValueError, "classes"), (dict(architecture="vit"), ValueError,
                                                  "architecture"),
    (dict(kind="x"), ValueError, "kind"), (dict(seed=-2), ValueError, "seed"),
    (dict(action="flip"), ValueError, "action"), (dict(progress=5), TypeError, "progress"),
    (dict(N=2.5), TypeError, "N")])
def test_exact_accuracy_rejects_bad_arguments(kwargs, error, name):
    arguments = dict(seeds_per_class=1, N=4, classes=(0, 1))
    arguments.update(kwargs)
    with pytest.raises(error, match=name):
        multiclass.exact_accuracy(**arguments)


def test_exact_accuracy_vs_N_rejects_bad_arguments():
    for Ns, name in (((), "Ns"), ((4, 4), "Ns"), ((4, 70), "N=70")):
        with pytest.raises(ValueError, match=name):
            multiclass.exact_accuracy_vs_N(Ns, seeds_per_class=1, classes=(0, 1))


def test_exact_block_path_only_evaluates_the_first_block_row(monkeypatch):
    calls = []
    original = multiclass.exact.kernel_function

    def recording(key, kind, action, N):
        k = original(key, kind, action, N)

        def kernel(x1, x2=None):
            calls.append((len(x1), None if x2 is None else len(x2)))
            return k(x1, x2)
        return kernel

    monkeypatch.setattr(multiclass.exact, "kernel_function", recording)
    monkeypatch.setattr(multiclass.leave_out, "CHUNK_ENTRIES", 2 * 6 * 6)  # force 2 elements per call
    multiclass.exact._exact_accuracy.cache_clear()
    result = multiclass.exact_accuracy(2, 8, classes=(4, 5, 6), seed=3, solver="block")
    M = 6
    assert calls == [(M, 2 * M)] * 4  # 4 equal calls, M × 2M each: M × MN entries in total
    dense = multiclass.exact_accuracy(2, 8, classes=(4, 5, 6), seed=3, solver="dense")
    assert calls[-1] == (M * 8, None)
    np.testing.assert_allclose(result.predictions, dense.predictions, rtol=0, atol=1e-8)
