"""The Voila server behind `workbench app`, run as `python -m workbench.app_server NOTEBOOK ...`.

Standalone Voila turns Jupyter Server's Host check off (`allow_remote_access=True`), so this
module adds its own, in front of every route: a request whose Host header is not this server's
address (the DNS-rebinding pattern: `Host: evil.example:PORT`) or whose Origin is another site
gets 403, for the page, static files and the kernel websocket alike. The rest:

- the token comes from the environment variable `WORKBENCH_APP_TOKEN` (so it never shows in
  `ps`) and is removed from the environment before any kernel starts;
- the page is Voila's lab template without the Font Awesome stylesheets it fetches from a CDN
  (Voila's own bundle already carries Font Awesome and its fonts), so nothing leaves the machine;
- the server stops when its standard input closes: `workbench app` holds the other end of that
  pipe, and the operating system closes it when the parent dies, even by kill -9;
- `--GuardedVoila.private_folder=FOLDER` names a folder of the server's own (`workbench app`
  passes the temporary one holding the notebook): the page template is written there, and the
  folder is removed when the server stops, so a killed `workbench app` leaves nothing behind.
"""
from __future__ import annotations

import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

from tornado.routing import Matcher, Rule
from tornado.web import ErrorHandler
from traitlets import Unicode
from voila.app import Voila

from .app import TOKEN_VARIABLE, allowed_host, allowed_origin

#: Voila's lab page, minus its <link>s to remote stylesheets (cdn.jsdelivr.net Font Awesome).
PAGE_TEMPLATE = """\
{%- extends 'lab/index.html.j2' -%}
{%- block notebook_css -%}
{%- for line in super().split('\\n') if not ('<link' in line and '://' in line) %}
{{ line }}
{%- endfor %}
{%- endblock notebook_css -%}
"""
STOP_GRACE = 10.0  # [s] after the parent has gone, before the server exits without cleaning up


class ForeignRequest(Matcher):
    """Matches a request that names another server in Host, or comes from another site's page."""

    def __init__(self, ip: str, port: int):
        self.ip = ip
        self.port = port

    def match(self, request):
        host = request.headers.get("Host", "")
        if not allowed_host(host, self.ip, self.port):
            return {}
        if not allowed_origin(request.headers.get("Origin"), host):
            return {}
        return None


class GuardedVoila(Voila):
    """Voila with the Host and Origin check in front of every route, and a page that asks
    nothing of a CDN."""

    private_folder = Unicode("", help="a folder of this server's own: the page template is "
                             "written there, and it is removed when the server stops (default: "
                             "a new temporary folder)").tag(config=True)

    def setup_template_dirs(self):
        super().setup_template_dirs()
        if not self.private_folder:
            self.private_folder = tempfile.mkdtemp(prefix="workbench-page-")
        Path(self.private_folder, "index.html.j2").write_text(PAGE_TEMPLATE, encoding="utf-8")
        self.template_paths.insert(0, self.private_folder)

    def init_handlers(self):
        refuse = Rule(ForeignRequest(self.ip, self.port), ErrorHandler, {"status_code": 403})
        return [refuse, *super().init_handlers()]

    def stop(self):
        try:
            super().stop()
        finally:
            shutil.rmtree(self.private_folder, ignore_errors=True)


def stop_when_stdin_closes() -> None:
    """Watch standard input in a daemon thread; at its end, stop the server as SIGTERM would
    (kernels shut down), and exit regardless after STOP_GRACE seconds."""

    def watch():
        while sys.stdin.buffer.read(4096):
            pass
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(STOP_GRACE)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def main(argv: list[str] | None = None) -> None:
    stop_when_stdin_closes()
    token = os.environ.pop(TOKEN_VARIABLE, "")
    GuardedVoila.launch_instance(argv, token=token)


if __name__ == "__main__":
    main()
