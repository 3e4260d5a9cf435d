"""`workbench app` as an attacker meets it: Host and Origin checks on the page, static files and
the kernel websocket (DNS rebinding, cross-site pages), the token, port bounds, and the Voila
child's lifetime. The page in a real browser is in test_browser.py.

Two servers start here (a few seconds each): one shared by the request tests, one killed.
"""
from __future__ import annotations

import http.client
import os
import re
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from workbench import app, cli
from workbench.app import allowed_host, allowed_origin, stop_process

EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "mental_health_strategy"
START_TIMEOUT = 120.0  # [s] Voila's start on a busy 2-core machine
ADDRESS = re.compile(r"What-if dashboard for .*: (http://127\.0\.0\.1:(\d+)/\S*)")
KERNEL_CHANNELS = "/api/kernels/00000000-0000-4000-8000-000000000000/channels"
WEBSOCKET_UPGRADE = {"Connection": "Upgrade", "Upgrade": "websocket",
                     "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}
TOKEN = "test-token-3f9a"


def start_app(folder: Path, log: Path, *arguments: str,
              token: str = "") -> tuple[subprocess.Popen, str, int]:
    """`workbench app FOLDER --port 0 ...` in a subprocess; the process, the address it
    announced and its port, once announced (the app announces only once Voila answers)."""
    environment = {**os.environ, app.TOKEN_VARIABLE: token}
    process = subprocess.Popen([sys.executable, "-m", "workbench.cli", "app", str(folder),
                                "--port", "0", *arguments], stdout=subprocess.PIPE,
                               stderr=log.open("w"), env=environment, text=True)
    deadline = time.monotonic() + START_TIMEOUT
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while time.monotonic() < deadline and process.poll() is None:
            if selector.select(timeout=1.0):
                found = ADDRESS.search(process.stdout.readline())
                if found:
                    return process, found.group(1), int(found.group(2))
    stop_process(process, timeout=10)
    raise AssertionError(f"the app announced no address; its log:\n{log.read_text()}")


def status(port: int, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str]]:
    """The status and headers the server answers to GET `path` with exactly these headers
    (Host included); the body is not read."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, dict(response.getheaders())
    finally:
        connection.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """One app with a token, on a free loopback port: (port, token)."""
    folder = tmp_path_factory.mktemp("app") / "model"
    shutil.copytree(EXAMPLE, folder)
    process, address, port = start_app(folder, folder.parent / "app.log", token=TOKEN)
    try:
        assert address == f"http://127.0.0.1:{port}/?token={TOKEN}"
        yield port
    finally:
        stop_process(process, timeout=30)
        process.stdout.close()


# ---------------------------------------------------------------- Host and Origin


@pytest.mark.parametrize("host", ["evil.example:{port}", "127.0.0.1.evil.example:{port}",
                                  "localhost.:{port}", "127.0.0.1:{other}", "", "[::1"])
@pytest.mark.parametrize("path, upgrade", [
    ("/?token=" + TOKEN, False), ("/voila/static/voila.js", False),
    (KERNEL_CHANNELS + "?token=" + TOKEN, True)], ids=["page", "static", "websocket"])
def test_a_foreign_host_gets_403_on_the_page_files_and_websocket(served, host, path, upgrade):
    headers = {"Host": host.format(port=served, other=served + 1)}
    assert status(served, path, {**headers, **(WEBSOCKET_UPGRADE if upgrade else {})})[0] == 403


@pytest.mark.parametrize("origin", ["http://evil.example", "http://evil.example:{port}",
                                    "https://127.0.0.1:{port}", "http://127.0.0.1:{other}",
                                    "null"])
@pytest.mark.parametrize("path, upgrade", [
    ("/?token=" + TOKEN, False), ("/voila/static/voila.js", False),
    (KERNEL_CHANNELS + "?token=" + TOKEN, True)], ids=["page", "static", "websocket"])
def test_a_foreign_origin_gets_403_on_the_page_files_and_websocket(served, origin, path,
                                                                    upgrade):
    headers = {"Host": f"127.0.0.1:{served}",
               "Origin": origin.format(port=served, other=served + 1)}
    assert status(served, path, {**headers, **(WEBSOCKET_UPGRADE if upgrade else {})})[0] == 403


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "LOCALHOST:{port}",
                                  "[::1]:{port}"])
def test_its_own_host_and_origin_pass(served, host):
    host = host.format(port=served)
    own = {"Host": host, "Origin": f"http://{host}"}
    assert status(served, "/voila/static/voila.js", own)[0] == 200
    # the websocket check passes on to Jupyter Server, which knows no such kernel
    assert status(served, KERNEL_CHANNELS + "?token=" + TOKEN,
                  {**own, **WEBSOCKET_UPGRADE})[0] == 404


def test_the_page_needs_the_token(served):
    own = {"Host": f"127.0.0.1:{served}"}
    code, headers = status(served, "/", own)
    assert code == 302 and headers["Location"].startswith("/login")
    assert status(served, "/?token=wrong", own)[0] == 302
    assert status(served, "/?token=" + TOKEN, own)[0] == 200  # the page (its kernel starts)


@pytest.mark.parametrize("header, ip, port, allowed", [
    ("127.0.0.1:8866", "127.0.0.1", 8866, True),
    ("localhost:8866", "127.0.0.1", 8866, True),
    ("[::1]:8866", "::1", 8866, True),
    ("localhost", "127.0.0.1", 80, True),  # browsers leave out port 80
    ("localhost", "127.0.0.1", 8866, False),
    ("evil.example:8866", "127.0.0.1", 8866, False),
    ("192.168.1.5:8866", "127.0.0.1", 8866, False),
    ("192.168.1.5:8866", "192.168.1.5", 8866, True),
    ("192.168.1.6:8866", "192.168.1.5", 8866, False),
    ("192.168.1.6:8866", "0.0.0.0", 8866, True),
    ("evil.example:8866", "0.0.0.0", 8866, False),
    ("127.0.0.1:8866@evil.example", "127.0.0.1", 8866, False),
])
def test_allowed_host(header, ip, port, allowed):
    assert allowed_host(header, ip, port) is allowed


def test_allowed_host_takes_this_machines_name_when_exposed():
    name = socket.gethostname()
    assert allowed_host(f"{name}:8866", "0.0.0.0", 8866)
    assert not allowed_host(f"{name}:8866", "127.0.0.1", 8866)


def test_allowed_origin():
    assert allowed_origin(None, "127.0.0.1:8866")
    assert allowed_origin("http://127.0.0.1:8866", "127.0.0.1:8866")
    assert not allowed_origin("http://evil.example", "127.0.0.1:8866")
    assert not allowed_origin("null", "127.0.0.1:8866")


# ---------------------------------------------------------------- the token off loopback


def test_another_interface_gets_a_random_token(monkeypatch):
    monkeypatch.delenv(app.TOKEN_VARIABLE, raising=False)
    first, second = app.app_token("0.0.0.0"), app.app_token("192.168.1.5")
    assert len(first) >= 32 and first != second
    assert app.app_token("127.0.0.1") == "" and app.app_token("::1") == ""
    monkeypatch.setenv(app.TOKEN_VARIABLE, "chosen")
    assert app.app_token("0.0.0.0") == app.app_token("127.0.0.1") == "chosen"


def test_an_exposed_app_hands_voila_a_random_token(example_folder, monkeypatch):
    monkeypatch.delenv(app.TOKEN_VARIABLE, raising=False)
    started = []

    class Started(Exception):
        pass

    def popen(command, **options):
        started.append(options["env"][app.TOKEN_VARIABLE])
        raise Started

    monkeypatch.setattr(app.subprocess, "Popen", popen)
    with pytest.raises(Started):
        app.serve(example_folder, port=0, host="0.0.0.0", expose=True)
    assert len(started[0]) >= 32  # handed to Voila in its environment, not on its command line


# ---------------------------------------------------------------- the port


@pytest.mark.parametrize("port", ["-1", "65536", "70000"])
def test_a_port_out_of_range_is_one_line_and_exit_2(port, capsys, monkeypatch):
    monkeypatch.setattr(app.subprocess, "Popen", lambda *a, **k: pytest.fail("Voila started"))
    assert cli.main(["app", str(EXAMPLE), "--port", port]) == 2
    error = capsys.readouterr().err
    assert error == (f"workbench: --port {port}: expected a port from 1 to 65535, or 0 for "
                     "any free port\n")


def test_a_busy_port_is_a_clear_error(capsys, monkeypatch):
    monkeypatch.setattr(app.subprocess, "Popen", lambda *a, **k: pytest.fail("Voila started"))
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        assert cli.main(["app", str(EXAMPLE), "--port", str(port)]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"workbench: --port {port}: cannot listen on 127.0.0.1:{port}: ")
    assert error.endswith("another program listens there: choose another --port, or --port 0 "
                          "for any free one\n")
    assert error.count("\n") == 1


@pytest.mark.parametrize("host", ["192.0.2.1", "nosuchhost.invalid"])  # TEST-NET-1; no name
def test_an_address_not_of_this_machine_is_a_clear_error(host, capsys, monkeypatch):
    monkeypatch.setattr(app.subprocess, "Popen", lambda *a, **k: pytest.fail("Voila started"))
    assert cli.main(["app", str(EXAMPLE), "--host", host, "--expose", "--port", "8899"]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"workbench: --host {host}: cannot listen on {host}:8899: ")
    assert error.endswith("; name an address of this machine\n") and error.count("\n") == 1


# ---------------------------------------------------------------- lifetime


def port_closed(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def children(pid: int) -> list[int]:
    """Linux: the processes `pid` started (its threads' children)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def running(pid: int) -> bool:
    """Whether `pid` exists and is not a zombie awaiting its reaper."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_kill_9_of_workbench_app_stops_voila(example_folder, tmp_path):
    process, _, port = start_app(example_folder, tmp_path / "app.log")
    voila = []
    try:
        voila = children(process.pid)
        assert len(voila) == 1 and running(voila[0])
        folder = Path(os.readlink(f"/proc/{voila[0]}/cwd"))  # the notebook's private folder
        assert (folder / app.NOTEBOOK).exists()
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        deadline = time.monotonic() + 15
        while not port_closed(port) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert port_closed(port)
        while running(voila[0]) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not running(voila[0])
        assert not folder.exists()  # Voila removed it on its way out
    finally:
        stop_process(process, timeout=10)
        process.stdout.close()
        for pid in voila:
            if running(pid):
                os.kill(pid, signal.SIGKILL)
