"""Run ``smekit`` in-process from a test, failing on a non-zero exit."""

from __future__ import annotations

from smekit.cli import main


def run_cli(args: list[str]) -> None:
    """Call the CLI's ``main`` with ``args``; a non-zero exit status fails the test."""
    try:
        main(args)
    except SystemExit as exc:  # main exits only on errors
        assert exc.code in (0, None), exc.code
