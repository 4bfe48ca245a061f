"""The import contract: smekit's layers import one way, top to bottom.

Every ``import`` and ``from ... import`` in the package's source (including
imports inside functions) is read with :mod:`ast` and checked against the
layer table below. A module may import its own layer's modules and any lower
layer; never a higher one. ``smekit.survey`` and ``smekit.interviews`` share a
layer and are independent: neither imports the other.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# package prefix -> folder, as in pyproject.toml's package-dir
FOLDERS = {
    "smekit": ROOT / "smekit",
    "smekit.survey": ROOT / "survey",
    "smekit.interviews": ROOT / "interviews",
    "smekit.analysis": ROOT / "analysis",
    "smekit.app": ROOT / "app",
}

# top to bottom; each entry is a set of module prefixes sharing one layer
LAYERS: list[tuple[str, ...]] = [
    ("smekit.cli", "smekit.__main__", "smekit.app"),
    ("smekit.runner", "smekit.demo"),
    ("smekit.stages",),
    ("smekit.context", "smekit.study"),
    ("smekit.analysis",),
    ("smekit.survey", "smekit.interviews"),
    ("smekit.core", "smekit.instruments"),
    ("smekit",),  # the package root: __version__ only
]
INDEPENDENT = [("smekit.survey", "smekit.interviews")]


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for prefix, folder in FOLDERS.items():
        for path in sorted(folder.rglob("*.py")):
            rel = path.relative_to(folder).with_suffix("")
            parts = [p for p in rel.parts if p != "__init__"]
            name = ".".join([prefix, *parts])
            if prefix == "smekit" and parts and f"smekit.{parts[0]}" in FOLDERS:
                continue
            found[name] = path
    return found


def _layer_of(module: str) -> int:
    best, best_len = None, -1
    for index, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best_len:
                best, best_len = index, len(prefix)
    assert best is not None, f"{module} is in no layer"
    return best


def _group_of(module: str) -> str:
    for prefixes in LAYERS:
        for prefix in sorted(prefixes, key=len, reverse=True):
            if module == prefix or module.startswith(prefix + "."):
                return prefix
    return module


def _imports(path: Path, module: str) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, node.lineno) for a in node.names if a.name.startswith("smekit")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if not target.startswith("smekit"):
                continue
            if target == "smekit" or (node.level and not node.module):
                # ``from smekit import x``: x may be a module of a higher layer
                out += [(f"{target}.{a.name}", node.lineno) for a in node.names]
            else:
                out.append((target, node.lineno))
    return out


MODULES = _modules()


def _is_module_or_attr(name: str) -> str:
    """``smekit.x`` imported by ``from smekit import x``: a module if one exists."""
    return name if name in MODULES or name.rpartition(".")[0] != "smekit" else "smekit"


def test_every_module_is_in_a_layer():
    for module in MODULES:
        _layer_of(module)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_run_down_the_layers(module):
    path = MODULES[module]
    mine = _layer_of(module)
    wrong = []
    for target, line in _imports(path, module):
        target = _is_module_or_attr(target)
        theirs = _layer_of(target)
        if theirs < mine:
            wrong.append(f"{path.relative_to(ROOT)}:{line} imports {target} (a higher layer)")
        for a, b in INDEPENDENT:
            pair = {_group_of(module), _group_of(target)}
            if pair == {a, b}:
                where = f"{path.relative_to(ROOT)}:{line}"
                wrong.append(f"{where} imports {target} ({a} and {b} are independent)")
    assert not wrong, "\n".join(wrong)


def test_contract_catches_a_wrong_arrow(tmp_path):
    """The checker itself: an upward import in a survey module is reported."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from smekit.runner import run_study\n")
    targets = [_layer_of(t) for t, _ in _imports(bad, "smekit.survey.bad")]
    assert targets and targets[0] < _layer_of("smekit.survey.bad")
    side = tmp_path / "side.py"
    side.write_text("from smekit.interviews.codebook import Codebook\n")
    ((target, _),) = _imports(side, "smekit.survey.side")
    assert {_group_of("smekit.survey.side"), _group_of(target)} == set(INDEPENDENT[0])
