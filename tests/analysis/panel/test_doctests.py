"""The runnable examples in the panel modules' docstrings."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "indices",
    "panel_prep",
    "panel_fe",
    "iv",
    "stock_yogo",
    "panel_mediation",
    "heterogeneity",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(f"smekit.analysis.{name}")
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
