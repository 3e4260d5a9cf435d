"""`workbench app`: the what-if dashboard as a standalone web page for leads (Voila).

Voila runs a one-cell notebook, generated into a private temporary folder with the model's
path written in, and shows only its output: no code. It listens on 127.0.0.1 unless another
interface is asked for explicitly (`expose=True`), since anyone who can reach the page can
run the model and save scenarios into its folder.
"""
from __future__ import annotations

import importlib.util
import json
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

from .errors import WorkbenchError
from .io import load
from .scenarios import load_scenario

LOOPBACK = ("127.0.0.1", "localhost", "::1")
DEFAULT_PORT = 8866
NOTEBOOK = "what_if.ipynb"
EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "mental_health_strategy"


def app_notebook(model_dir: str | Path, scenario: str | None = None) -> dict:
    """The notebook Voila runs: one cell that loads the model and shows its dashboard."""
    code = ("import workbench as wb\n"
            f"wb.dashboard(wb.load({str(Path(model_dir).resolve())!r}), scenario={scenario!r}, "
            "defer=True)")
    return {
        "cells": [{"cell_type": "code", "execution_count": None, "id": "dashboard",
                   "metadata": {}, "outputs": [], "source": code}],
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                    "name": "python3"},
                     "language_info": {"name": "python"},
                     "title": "What-if dashboard"},
        "nbformat": 4, "nbformat_minor": 5,
    }


def write_app_notebook(model_dir: str | Path, folder: str | Path,
                       scenario: str | None = None) -> Path:
    """Write the app's notebook into `folder` and return its path."""
    path = Path(folder) / NOTEBOOK
    path.write_text(json.dumps(app_notebook(model_dir, scenario), indent=1), encoding="utf-8")
    return path


def voila_command(notebook: str | Path, port: int, host: str = LOOPBACK[0]) -> list[str]:
    """The Voila command line: code hidden, one fixed port on one interface, no browser."""
    return [sys.executable, "-m", "voila", str(notebook), "--no-browser",
            f"--port={int(port)}", f"--Voila.ip={host}", "--Voila.port_retries=0",
            "--strip_sources=True", "--theme=light",
            "--VoilaConfiguration.show_tracebacks=False"]


def check_host(host: str, expose: bool) -> str | None:
    """None for a loopback address; a warning for another one if `expose`; else an error."""
    if host in LOOPBACK:
        return None
    if not expose:
        raise WorkbenchError(f"--host {host}: the dashboard listens only on 127.0.0.1 unless you "
                             "also pass --expose (anyone who can reach it can run the model and "
                             "save scenarios into the model folder)")
    return (f"warning: serving on {host}: anyone who can reach this address can use the "
            "dashboard and save scenarios into the model folder")


def free_port(host: str = LOOPBACK[0]) -> int:
    """A port on `host` that nothing listens on now."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def wait_until_ready(port: int, process: subprocess.Popen | None = None,
                     timeout: float = 120.0, host: str = LOOPBACK[0]) -> None:
    """Return once Voila answers on the port (any HTTP status will do); raise WorkbenchError
    if `process` exits first or `timeout` [s] passes."""
    import time
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    url = f"http://{host}:{port}/voila/static/"
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise WorkbenchError(f"the app stopped with exit code {process.returncode} before "
                                 "it was ready")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise WorkbenchError(f"the app did not answer on {url} within {timeout:g} s")


def default_model_dir() -> Path:
    """The folder to serve when none is named: the current one if it holds a model, else the
    worked example shipped with the workbench."""
    if (Path.cwd() / "actions.csv").exists():
        return Path.cwd()
    if EXAMPLE.is_dir():
        return EXAMPLE
    raise WorkbenchError("name a model folder: workbench app path/to/model")


def serve(model_dir: str | Path | None = None, *, port: int = DEFAULT_PORT,
          host: str = LOOPBACK[0], expose: bool = False, scenario: str | None = None,
          announce=print) -> int:
    """Validate the model, then run Voila until interrupted (Ctrl-C or SIGTERM); its exit code.

    port 0 picks a free port. `announce` receives the address and any warning, one line each.
    """
    model_dir = Path(model_dir) if model_dir is not None else default_model_dir()
    model = load(model_dir)  # bad input stops here, with file:row:column problems
    if scenario:
        load_scenario(model, scenario)
    warning = check_host(host, expose)
    if importlib.util.find_spec("voila") is None:
        raise WorkbenchError("the app needs Voila: pip install voila (or pip install -e . in "
                             "the project)")
    port = free_port(host) if port == 0 else port
    folder = Path(tempfile.mkdtemp(prefix="workbench-app-"))
    child = None
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        notebook = write_app_notebook(model_dir, folder, scenario)
        if warning:
            announce(warning)
        shown = f"[{host}]" if ":" in host else host
        announce(f"What-if dashboard for {model_dir}: http://{shown}:{port}/ (Ctrl-C stops it)")
        child = subprocess.Popen(voila_command(notebook, port, host), cwd=folder)
        return child.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        if child is not None:
            stop_process(child, timeout=10)
        signal.signal(signal.SIGTERM, previous)
        shutil.rmtree(folder, ignore_errors=True)


def stop_process(process: subprocess.Popen, timeout: float) -> None:
    """Ask a server to stop; kill it if it has not stopped after `timeout` [s]."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _interrupt(signum, frame):
    raise KeyboardInterrupt
