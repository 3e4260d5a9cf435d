"""`workbench app`: the what-if dashboard as a standalone web page for leads (Voila).

Voila runs a one-cell notebook, generated into a private temporary folder with the model's
path written in, and shows only its output: no code. Anyone who can use the page can run the
model and save scenarios into its folder, so:

- it listens on 127.0.0.1 unless another interface is asked for explicitly (`expose=True`);
- every request must name this server in its Host header and come from its own page (Origin),
  else 403: a web page elsewhere cannot reach it through DNS rebinding (`app_server.py`);
- off loopback, every page needs a secret token, written into the URL it announces;
- Voila (`python -m workbench.app_server`) stops when `workbench app` stops, even by kill -9.
"""
from __future__ import annotations

import errno
import importlib.util
import ipaddress
import json
import os
import re
import secrets
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
WILDCARD = ("0.0.0.0", "::", "")
DEFAULT_PORT = 8866
HIGHEST_PORT = 65535
TOKEN_VARIABLE = "WORKBENCH_APP_TOKEN"  # a token of your choice (else: random when exposed)
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
    """The command that serves the notebook: Voila behind the Host and Origin check
    (`app_server.py`), code hidden, one fixed port on one interface, no browser, one kernel
    kept running the dashboard ahead of the next visitor. The notebook's folder is the
    server's own: it is removed when the server stops."""
    return [sys.executable, "-m", "workbench.app_server", str(notebook), "--no-browser",
            f"--port={int(port)}", f"--Voila.ip={host}", "--Voila.port_retries=0",
            "--strip_sources=True", "--theme=light",
            "--VoilaConfiguration.show_tracebacks=False",
            # a kernel runs the dashboard before anyone asks: the page shows in about 2 s
            "--preheat_kernel=True", "--pool_size=1",
            f"--GuardedVoila.private_folder={Path(notebook).parent}"]


def is_loopback(host: str) -> bool:
    """Whether `host` names this machine's loopback interface (127.0.0.1, ::1, localhost)."""
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_host(host: str, expose: bool) -> str | None:
    """None for a loopback address; a warning for another one if `expose`; else an error."""
    if is_loopback(host):
        return None
    if not expose:
        raise WorkbenchError(f"--host {host}: the dashboard listens only on 127.0.0.1 unless you "
                             "also pass --expose (anyone who can reach it can run the model and "
                             "save scenarios into the model folder)")
    return (f"warning: serving on {host}: anyone who can reach this address and has the "
            "address with its token can use the dashboard and save scenarios into the model "
            "folder")


def check_port(port: int) -> None:
    """Refuse a port number that no socket can have (0 asks for any free port)."""
    if not 0 <= port <= HIGHEST_PORT:
        raise WorkbenchError(f"--port {port}: expected a port from 1 to {HIGHEST_PORT}, or 0 "
                             "for any free port")


HOST_HEADER = re.compile(r"^(\[[0-9a-f:.]*\]|[^:\[\]]+)(?::(\d{1,5}))?$")


def allowed_host(header: str, ip: str, port: int) -> bool:
    """Whether a request's Host header names the server listening on `ip`, `port`.

    The port must be the one served. Served on loopback, only loopback names and addresses
    pass (127.0.0.1, localhost, [::1]); served elsewhere, also `ip` itself and this machine's
    names, and on a wildcard address (0.0.0.0, ::) any IP address. Any other name is refused:
    `evil.example` resolving to this machine is the DNS-rebinding pattern, where a page from
    elsewhere reaches a local server under its own origin.
    """
    match = HOST_HEADER.match(header.strip().lower())
    if match is None or int(match.group(2) or 80) != port:
        return False
    name = match.group(1).strip("[]")
    if is_loopback(name):
        return True
    if is_loopback(ip):
        return False
    if name == ip.strip("[]").lower() or name in machine_names():
        return True
    return ip in WILDCARD and is_ip_address(name)


def allowed_origin(origin: str | None, host: str) -> bool:
    """Whether a request's Origin header is absent (not from a web page) or this server's own
    page (`http://` + its Host header); another site's page is refused."""
    return origin is None or origin.strip().lower() == f"http://{host.strip().lower()}"


def is_ip_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def machine_names() -> set[str]:
    """This machine's own host names, in lower case."""
    return {socket.gethostname().lower(), socket.getfqdn().lower()}


def url_host(host: str) -> str:
    """`host` as written in a URL: IPv6 addresses in brackets."""
    return f"[{host}]" if ":" in host else host


def free_port(host: str = LOOPBACK[0]) -> int:
    """A port on `host` that nothing listens on now."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def claim_port(host: str, port: int) -> int:
    """The port to serve on: `port` if a server could listen there now, a free one if it is 0;
    a WorkbenchError that says why not otherwise (in use, not allowed, not this machine's)."""
    if port == 0:
        return free_port(host)
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as Voila's server does
        try:
            probe.bind((host, port))
        except OSError as error:
            argument, hint = f"--port {port}", {
                errno.EADDRINUSE: "another program listens there: choose another --port, or "
                                  "--port 0 for any free one",
                errno.EACCES: "ports below 1024 need administrator rights: choose a port from "
                              "1024 up"}.get(error.errno, "check --host and --port")
            if isinstance(error, socket.gaierror) or error.errno == errno.EADDRNOTAVAIL:
                argument, hint = f"--host {host}", "name an address of this machine"
            raise WorkbenchError(f"{argument}: cannot listen on {url_host(host)}:{port}: "
                                 f"{error.strerror or error}; {hint}") from None
    return port


def wait_until_ready(port: int, process: subprocess.Popen | None = None,
                     timeout: float = 120.0, host: str = LOOPBACK[0]) -> None:
    """Return once Voila answers on the port (any HTTP status will do); raise WorkbenchError
    if `process` exits first or `timeout` [s] passes."""
    import time
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    url = f"http://{url_host(host)}:{port}/voila/static/"
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise WorkbenchError(f"the app stopped with exit code {process.returncode} before "
                                 "it was ready (its messages are above)")
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


def app_token(host: str) -> str:
    """The secret the page's address must carry: $WORKBENCH_APP_TOKEN if set; else none on
    loopback (the Host check guards it) and a fresh random one on any other interface."""
    chosen = os.environ.get(TOKEN_VARIABLE, "")
    if chosen or is_loopback(host):
        return chosen
    return secrets.token_urlsafe(24)


def serve(model_dir: str | Path | None = None, *, port: int = DEFAULT_PORT,
          host: str = LOOPBACK[0], expose: bool = False, scenario: str | None = None,
          announce=print) -> int:
    """Validate the arguments and the model, start Voila, announce its address once it answers,
    and serve until interrupted (Ctrl-C or SIGTERM); Voila's exit code.

    port 0 picks a free port. `announce` receives any warning and the address (with its token,
    if any), one line each. Voila also stops when this process dies: it watches a pipe from us.
    """
    check_port(port)
    model_dir = Path(model_dir) if model_dir is not None else default_model_dir()
    model = load(model_dir)  # bad input stops here, with file:row:column problems
    if scenario:
        load_scenario(model, scenario)
    warning = check_host(host, expose)
    if importlib.util.find_spec("voila") is None:
        raise WorkbenchError("the app needs Voila: pip install voila (or pip install -e . in "
                             "the project)")
    port = claim_port(host, port)
    token = app_token(host)
    folder = Path(tempfile.mkdtemp(prefix="workbench-app-"))
    child = None
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        notebook = write_app_notebook(model_dir, folder, scenario)
        if warning:
            announce(warning)
        child = subprocess.Popen(voila_command(notebook, port, host), cwd=folder,
                                 stdin=subprocess.PIPE, env={**os.environ, TOKEN_VARIABLE: token})
        wait_until_ready(port, child, host=LOOPBACK[0] if host == "0.0.0.0" else
                         "::1" if host in WILDCARD else host)
        query = f"?token={token}" if token else ""
        announce(f"What-if dashboard for {model_dir}: http://{url_host(host)}:{port}/{query} "
                 "(Ctrl-C stops it)")
        return child.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        if child is not None:
            stop_process(child, timeout=10)
            child.stdin.close()
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
