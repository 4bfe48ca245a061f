"""The joint display and its convergence rule (Fetters, Curry & Creswell, 2013)."""

from __future__ import annotations

import pandas as pd
import pytest

from smekit.analysis.integration import joint_display, propose_verdict

SUITE = {
    "ols": {
        "params": {"Intercept": -1.5, "tools": 0.45, "chain": 0.05, "care": -0.30},
        "conf_int": {"tools": [0.36, 0.55], "chain": [-0.05, 0.15], "care": [-0.40, -0.20]},
    },
    "huber": {
        "params": {"tools": 0.50, "chain": 0.06, "care": -0.28},
        "conf_int": {"tools": [0.40, 0.60], "chain": [-0.04, 0.16], "care": [-0.38, -0.18]},
    },
    "subgroups": {
        "Retail": {"params": {"tools": 0.5}, "pvalues": {"tools": 0.001}},
        "Services": {"params": {"tools": 0.2}, "pvalues": {"tools": 0.20}},
        "equality_test": {"fstat": 1.0},
    },
}
THEMES = pd.DataFrame(
    {
        "theme": ["t_tools", "t_chain", "t_care", "t_rare"],
        "name": ["Tools", "Chain", "Care", "Rare"],
        "participants": [12, 9, 3, 2],
        "n_participants": [15, 15, 15, 15],
        "segments": [30, 20, 4, 2],
    }
)


@pytest.mark.parametrize(
    ("prevalence", "ols", "huber", "expected"),
    [
        (0.5, (0.01, 0.2), (0.01, 0.2), "converges"),  # exactly at the prevalence cut-off
        (0.49, (0.01, 0.2), (0.01, 0.2), "complements"),  # just below it
        (0.8, (0.0, 0.2), (0.1, 0.2), "diverges"),  # OLS interval touching zero covers it
        (0.8, (0.1, 0.3), (-0.01, 0.2), "complements"),  # Huber not clearly positive
        (0.2, (-0.4, -0.1), (-0.4, -0.1), "diverges"),  # negative effect
        (None, (0.1, 0.3), (0.1, 0.3), "complements"),  # no interviews coded
    ],
)
def test_rule_at_its_boundaries(prevalence, ols, huber, expected):
    assert propose_verdict(prevalence, ols, huber) == expected


def test_joint_display_rows():
    quotes = pd.DataFrame(
        {
            "theme": ["t_tools", "t_tools", "t_tools"],
            "quote": ["a", "b", "c"],
            "attribution": ["Participant 1, Owner"] * 3,
        }
    )
    pairs = [("t_tools", "tools"), ("t_chain", "chain"), ("t_care", "care"), ("t_x", "nope")]
    display = joint_display(pairs, THEMES, SUITE, quotes, n_quotes=2)
    rows = display.to_frame().set_index("theme")
    assert rows.loc["t_tools", "proposed_verdict"] == "converges"
    assert rows.loc["t_tools", "prevalence"] == pytest.approx(0.8)
    assert rows.loc["t_tools", "subgroups_supporting"] == 1
    assert rows.loc["t_tools", "subgroups_modelled"] == 2
    assert rows.loc["t_chain", "proposed_verdict"] == "diverges"  # voiced by 60%, CI covers 0
    assert rows.loc["t_care", "proposed_verdict"] == "diverges"  # negative effect
    assert len(display.quotes) == 2
    assert display.notes == [
        "theme 't_x' has no row in the theme table",
        "construct 'nope' is not a term of the regression model",
    ]
    as_dict = display.to_dict()
    assert as_dict["pairs"][3]["prevalence"] is None
    assert "Fetters" in as_dict["rule"]
