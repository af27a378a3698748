"""The shared argument checks (ntkviz._validate): what each accepts, and that every refusal
names the argument."""

import numpy as np
import pytest

from ntkviz._validate import check_allocation, check_choice, check_int, check_real


@pytest.mark.parametrize("value, expected", [(3, 3), (np.int64(4), 4), (8.0, 8), (np.float32(2), 2)])
def test_check_int_accepts_integers_and_integral_floats(value, expected):
    result = check_int("N", value)
    assert result == expected and type(result) is int


@pytest.mark.parametrize("value", [True, False, np.bool_(True)])
def test_check_int_refuses_booleans(value):
    # True is not a count: depth=True must not quietly become depth 1
    with pytest.raises(TypeError, match="depth must be an integer, got the boolean"):
        check_int("depth", value)


@pytest.mark.parametrize("value", [2.5, float("nan"), float("inf"), "3", None, [3], 3 + 0j])
def test_check_int_refuses_non_integers(value):
    with pytest.raises(TypeError, match="^N must be an integer"):
        check_int("N", value)


def test_check_int_bounds_name_the_argument():
    with pytest.raises(ValueError, match="N must be >= 1, got 0"):
        check_int("N", 0, minimum=1)
    with pytest.raises(ValueError, match="N must be <= 64, got 65"):
        check_int("N", 65, maximum=64)


@pytest.mark.parametrize("value", [True, "1.0", None])
def test_check_real_refuses_non_reals(value):
    with pytest.raises(TypeError, match="^ridge must be a real number"):
        check_real("ridge", value)


def test_check_real_range_and_finiteness():
    assert check_real("ridge", 0, minimum=0.0) == 0.0
    with pytest.raises(ValueError, match="ridge must be > 0"):
        check_real("ridge", 0, minimum=0.0, strict_minimum=True)
    with pytest.raises(ValueError, match="ridge must be finite"):
        check_real("ridge", float("nan"))


def test_check_choice_lists_the_choices():
    assert check_choice("readout", "gap", ("flatten", "gap")) == "gap"
    with pytest.raises(ValueError, match="readout must be one of 'flatten', 'gap'; got 'pool'"):
        check_choice("readout", "pool", ("flatten", "gap"))


def test_check_allocation_names_the_argument_and_the_size_it_would_need():
    check_allocation("C", (1000, 1000))  # 8 MB: fine
    with pytest.raises(ValueError, match=r"C is too large: .* 2,000,000 × 2,000,000 array "
                                         r"needing 29.1 TiB; at most MAX_ARRAY_BYTES = 2 GiB"):
        check_allocation("C", (2_000_000, 2_000_000))


def test_block_circulant_dense_refuses_a_matrix_beyond_memory():
    from ntkviz.block_circulant import block_circulant_dense

    blocks = np.broadcast_to(np.eye(2), (10**6, 2, 2))  # 32 MB of blocks, a 29 TiB matrix
    with pytest.raises(ValueError, match="^C is too large"):
        block_circulant_dense(blocks)
