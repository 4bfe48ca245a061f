"""A demo study written and analysed once for the app tests."""

from __future__ import annotations

import pytest

from smekit.demo import write_demo
from smekit.runner import run_study
from smekit.study import load_study


@pytest.fixture(scope="session")
def analysed_demo(tmp_path_factory):
    demo = write_demo(tmp_path_factory.mktemp("app") / "demo")
    run_study(load_study(demo.root))
    return demo.root
