"""ntkviz.params: declared parameters check and convert values, naming the argument."""

import pytest

from ntkviz.params import Param, Params

PARAMS = Params(Param("N", "int", 2, 10), Param("kernels", "choices", choices=("a", "b", "c")),
                Param("config", "object", choices=(dict,)))


@PARAMS.validated
def f(N: int, kernels=("a",), config=None):
    return N, kernels, config


def test_choices_are_distinct_choices_returned_as_a_tuple():
    assert f(3, "b", {}) == (3, ("b",), {})
    assert f(3.0, ["c", "a"], {})[:2] == (3, ("c", "a"))
    for value, error in (((), ValueError), (("a", "a"), ValueError), (("d",), ValueError),
                         (3, TypeError), (None, TypeError), (b"a", TypeError)):
        with pytest.raises(error, match="kernels"):
            f(3, value, {})


def test_object_is_an_instance_of_a_declared_type():
    with pytest.raises(TypeError, match="config must be a dict, got list"):
        f(3, "a", [])
    assert f.unchecked(1, "z", 5) == (1, "z", 5)  # callers with clean values skip the checks
    with pytest.raises(ValueError, match="N must be >= 2"):
        f(1, "a", {})
