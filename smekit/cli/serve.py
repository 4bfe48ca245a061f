"""``smekit app``: serve the Streamlit reviewer app on a study's results.

(The module is called ``serve`` so that it does not shadow :mod:`smekit.cli`'s ``app``.)

The server runs inside this process (Streamlit's bootstrap), so stopping
``smekit app`` (Ctrl+C or SIGTERM) stops the server: no child process keeps
serving. It binds to 127.0.0.1 unless ``--host`` says otherwise, with a
warning when the address is not a loopback one.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Annotated

import typer

from smekit.cli.base import DEFAULT_DEMO, app

LOOPBACK_NAMES = {"localhost"}


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and addresses in 127.0.0.0/8 or ``::1``.

    Examples
    --------
    >>> is_loopback("127.0.0.1"), is_loopback("::1"), is_loopback("0.0.0.0")
    (True, True, False)
    """
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def app_script() -> Path:
    """The Streamlit entry script of :mod:`smekit.app`."""
    import smekit.app as app_pkg

    return Path(app_pkg.__file__).parent / "main.py"


@app.command(name="app")
def app_command(
    study: Annotated[Path, typer.Argument(help="Study folder with results/.")] = DEFAULT_DEMO,
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8501,
    host: Annotated[
        str, typer.Option(help="Address to bind; 127.0.0.1 keeps the app on this machine.")
    ] = "127.0.0.1",
) -> None:
    """Start the Streamlit app on a study's results (the demo study by default).

    Reads STUDY/results/ and the researcher's edits in STUDY; writes nothing else.
    """
    from smekit.core.errors import StudyError

    results = study / "results"
    if not results.is_dir():
        raise StudyError(
            "no results/ folder", where=study, fix=f"run `smekit analyze {study}` first"
        )
    if not is_loopback(host):
        typer.echo(
            f"warning: serving on {host}, reachable from other machines; "
            "set SMEKIT_APP_PASSWORD to require a password",
            err=True,
        )
    from streamlit.web import bootstrap

    os.environ["SMEKIT_STUDY"] = str(study.resolve())
    typer.echo(f"Serving {study} on http://{host}:{port} (Ctrl+C to stop)")
    flags = {
        "server.address": host,
        "server.port": port,
        "server.headless": True,
        "browser.gatherUsageStats": False,
        "server.fileWatcherType": "none",
        "client.toolbarMode": "viewer",
    }
    bootstrap.load_config_options(flag_options=flags)
    bootstrap.run(str(app_script()), False, ["--study", str(study.resolve())], flag_options=flags)
