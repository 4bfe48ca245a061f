"""The analysis runner: every stage ``study.yaml`` asks for, then ``results/manifest.json``."""

from __future__ import annotations

import hashlib
import importlib
import json
import platform
import time
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from smekit import __version__
from smekit.context import RunContext, Stage, _json_default
from smekit.study import Study


def stages() -> list[Stage]:
    """The analysis stages in run order.

    Survey (import, quality, scoring, descriptives), interviews (import,
    pseudonymisation, codings, agreement), themes (clustering, theme table,
    matrices), the regression suite, the panel and policy-evaluation analyses,
    the joint display, benchmarking, and last the study report. Each stage
    runs only when study.yaml asks for its part.
    """
    from smekit import stages as parts

    order = (
        "survey",
        "interviews",
        "themes",
        "regression",
        "panel",
        "did",
        "integration",
        "benchmark",
        "report",
    )
    out: list[Stage] = []
    for name in order:
        module = importlib.import_module(f"{parts.__name__}.{name}")
        out.extend(module.STAGES)
        if name == "panel":
            # dynamic-panel GMM on the S2 panel needs the prepared panel of panel.prepare
            out.extend(importlib.import_module(f"{parts.__name__}.did").GMM_STAGES)
    return out


def sha256(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


DEPENDENCIES = (
    "numpy",
    "pandas",
    "scipy",
    "statsmodels",
    "formulaic",
    "pydantic",
    "pyreadstat",
    "openpyxl",
    "pyarrow",
    "matplotlib",
)


def versions() -> dict[str, str]:
    """Installed versions of smekit's main dependencies."""
    out = {"smekit": __version__, "python": platform.python_version()}
    for name in DEPENDENCIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _register_declared_inputs(ctx: RunContext) -> None:
    """Hash the interview and panel inputs study.yaml names, so the manifest records them."""
    cfg = ctx.study.config
    declared: dict[str, str | None] = {}
    if cfg.interviews is not None:
        for key in ("participants", "transcripts"):
            declared[f"interviews.{key}"] = getattr(cfg.interviews, key)
    if cfg.panels is not None:
        declared["panels.s2"] = cfg.panels.s2.data if cfg.panels.s2 else None
        declared["panels.s3"] = cfg.panels.s3.data if cfg.panels.s3 else None
    for key, rel in declared.items():
        if rel is None:
            continue
        path = ctx.study.input_file(rel, key)
        if path.is_dir():
            for f in sorted(p for p in path.rglob("*") if p.is_file()):
                ctx.inputs[f"{key}/{f.relative_to(path)}"] = f
        else:
            ctx.inputs[key] = path


def validate_study(study: Study) -> dict[str, object]:
    """Checks that need more than ``study.yaml`` itself, run before any stage.

    Loads the instrument and checks every name ``regression:`` uses against it
    (:func:`smekit.study.survey.check_names`), so a typo is reported against its
    line in ``study.yaml`` before the survey stage has read a single response.

    Returns
    -------
    Results to seed the run context with (the loaded ``instrument``).
    """
    cfg = study.config
    if cfg.survey is None:
        return {}
    from smekit.study.survey import check_names
    from smekit.survey.instrument import load_instrument, resolve_instrument

    path = resolve_instrument(cfg.survey.instrument, base=study.root)
    instrument = load_instrument(path)
    check_names(cfg.survey, cfg.regression, instrument, study.where)
    return {"instrument": instrument, "instrument_path": path}


def run_study(
    study: Study,
    progress: Callable[[str, int, int], None] | None = None,
) -> RunContext:
    """Run every stage that ``study.yaml`` asks for and write ``results/``.

    Parameters
    ----------
    study
        A loaded study.
    progress
        Called as ``progress(stage_name, index, total)`` before each stage.

    Returns
    -------
    RunContext
        In-memory results of each stage and the list of files written.
    """
    ctx = RunContext(study=study)
    ctx.results.update(validate_study(study))
    study.results_dir.mkdir(parents=True, exist_ok=True)
    _register_declared_inputs(ctx)
    started = datetime.now(UTC)
    todo = [s for s in stages() if s.applies(study.config)]
    ran = []
    t0 = time.perf_counter()
    for i, stage in enumerate(todo):
        if progress is not None:
            progress(stage.description, i, len(todo))
        t = time.perf_counter()
        stage.run(ctx)
        ran.append({"stage": stage.name, "seconds": round(time.perf_counter() - t, 3)})
    if progress is not None:
        progress("done", len(todo), len(todo))
    manifest = {
        "study": study.config.name,
        "smekit_version": __version__,
        "started_utc": started.isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - t0, 3),
        "seeds": {"study": study.config.seed},
        "inputs": {
            key: {
                "path": str(path.relative_to(study.root))
                if path.is_relative_to(study.root)
                else str(path),
                "sha256": sha256(path) if path.is_file() else None,
                "bytes": path.stat().st_size if path.is_file() else None,
            }
            for key, path in sorted(ctx.inputs.items())
        },
        "config": json.loads(study.config.model_dump_json()),
        "stages": ran,
        "notes": ctx.notes,
        "versions": versions(),
        "outputs": sorted(
            {
                str(p.relative_to(study.results_dir)): sha256(p)
                for p in ctx.outputs
                if p.exists() and p.is_file()
            }.items()
        ),
    }
    manifest["outputs"] = dict(manifest["outputs"])
    (study.results_dir / "manifest.json").write_text(
        json.dumps(manifest, indent=2, default=_json_default) + "\n"
    )
    return ctx
