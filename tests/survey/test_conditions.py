"""Relevance conditions: evaluation on data and translation to XLSForm."""

import numpy as np
import pandas as pd
import pytest

from smekit.survey import conditions


@pytest.fixture
def frame():
    return pd.DataFrame(
        {
            "sector": [1, 2, np.nan, 1],
            "size": [5, 50, 10, np.nan],
            "channels": ["1 2", "2", None, "1"],
        }
    )


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("sector == 1", [True, False, False, True]),
        ("sector != 1", [False, True, False, False]),
        ("size >= 10", [False, True, True, False]),
        ("10 <= size", [False, True, True, False]),
        ("sector == 1 and size < 10", [True, False, False, False]),
        ("sector == 2 or size == 10", [False, True, True, False]),
        ("not sector == 1", [False, True, True, False]),
        ("1 in channels", [True, False, False, True]),
        ("2 not in channels", [False, False, True, True]),
        ("sector in [2, 3]", [False, True, False, False]),
        ("1 < size < 20", [True, False, True, False]),
    ],
)
def test_evaluate(frame, expr, expected):
    got = conditions.evaluate(expr, frame, multiple=["channels"])
    assert got.tolist() == expected


def test_missing_answers_make_comparisons_false(frame):
    # row 2 has no sector: neither "== 1" nor "!= 1" holds, as in ODK
    assert not conditions.evaluate("sector == 1", frame).iloc[2]
    assert not conditions.evaluate("sector != 1", frame).iloc[2]


def test_to_xpath_uses_choice_names():
    names = {"sector": {1: "retail", 2: "services"}, "channels": {1: "web", 2: "market"}}
    assert conditions.to_xpath("sector == 1", choice_names=names) == "${sector} = 'retail'"
    assert (
        conditions.to_xpath("1 in channels and size > 3", ["channels"], names)
        == "(selected(${channels}, 'web') and ${size} > 3)"
    )
    assert conditions.to_xpath("not sector in [1, 2]", choice_names=names) == (
        "not((${sector} = 'retail' or ${sector} = 'services'))"
    )


@pytest.mark.parametrize(
    "expr", ["__import__('os')", "a.b == 1", "x + 1 > 2", "f(x)", "x ==", "[x][0]"]
)
def test_disallowed_syntax(expr):
    with pytest.raises(conditions.ConditionError):
        conditions.parse(expr)


def test_names():
    assert conditions.names("a == 1 and (b > 2 or 3 in c)") == {"a", "b", "c"}


def test_bare_name_on_nullable_integers():
    """Coded items arrive as pandas nullable integers; a missing answer is not relevant."""
    import pandas as pd

    from smekit.survey.conditions import evaluate

    frame = pd.DataFrame({"a": pd.array([1, 0, None], dtype="Int8")})
    assert evaluate("a", frame).tolist() == [True, False, False]
    assert evaluate("not a", frame).tolist() == [False, True, True]
