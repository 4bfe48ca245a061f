"""The ``smekit`` command line.

Every command prints one clear line on bad input (what, where, how to fix)
and exits with status 2; ``--debug`` shows the traceback instead. Heavy
libraries are imported inside commands so ``smekit --help`` answers at once.
Each module of this package registers one group of commands on
:data:`smekit.cli.base.app`.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys

import typer

from smekit.cli.base import app

# Command groups in the order ``smekit --help`` lists them; each module registers its own.
_GROUPS = (
    "study",
    "serve",
    "instrument",
    "survey",
    "interviews",
    "themes",
    "regress",
    "panel",
    "did",
    "report",
    "benchmark",
)
_PRESENT = {m.name for m in pkgutil.iter_modules(__path__)}
for _module in _GROUPS:
    if _module in _PRESENT:
        importlib.import_module(f"{__name__}.{_module}")


def _usage_error(exc: BaseException) -> bool:
    """Whether ``exc`` is a command-line usage error (click's, or the copy Typer vendors)."""
    return callable(getattr(exc, "show", None)) and isinstance(getattr(exc, "exit_code", None), int)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app, turning errors into one message and an exit status.

    A smekit error (bad input) prints ``error: <where>: <what> (<fix>)`` and exits
    with 2; a usage error (unknown command, missing option) prints the usage
    and the problem and exits with 2, as every click program does; anything
    unexpected prints one line and exits with 1. ``--debug`` re-raises instead.
    """
    from smekit.core.errors import SmekitError

    try:
        code = app(args=argv, prog_name="smekit", standalone_mode=False)
    except SmekitError as exc:
        if os.environ.get("SMEKIT_DEBUG"):
            raise
        typer.echo(f"error: {exc.message}", err=True)
        sys.exit(2)
    except (typer.Abort, KeyboardInterrupt):
        typer.echo("aborted", err=True)
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:
        if _usage_error(exc):
            exc.show()
            sys.exit(exc.exit_code)
        if os.environ.get("SMEKIT_DEBUG"):
            raise
        typer.echo(
            f"error: unexpected {type(exc).__name__}: {exc} (run with --debug for the traceback)",
            err=True,
        )
        sys.exit(1)
    if isinstance(code, int) and code:  # a command's typer.Exit(code) without standalone mode
        sys.exit(code)


if __name__ == "__main__":
    main()
