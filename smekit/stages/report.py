"""The last stage of ``smekit analyze``: the study report (HTML and DOCX) under results/report/."""

from __future__ import annotations

import json

from smekit import __version__
from smekit.analysis.report import write_report
from smekit.context import RunContext, Stage
from smekit.study import StudyConfig


def _always(config: StudyConfig) -> bool:
    return True


def run_report(ctx: RunContext) -> None:
    """Assemble the report from what the earlier stages wrote."""
    config = ctx.study.config
    manifest = {
        "study": config.name,
        "smekit_version": __version__,
        "config": json.loads(config.model_dump_json()),
    }
    ctx.outputs.extend(write_report(ctx.out, manifest))


STAGES = [Stage("report", "Writing the study report", _always, run_report)]
