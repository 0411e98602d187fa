"""A private Apache httpd 2.4 (Debian's ``apache2``) on 127.0.0.1 for the tests.

``Apache(work)`` collects web roots (``serve(folder)`` returns the base URL of a port of its
own), then ``start()`` runs ``apache2 -f CONF -DFOREGROUND`` with a configuration file,
pid file and logs of its own under ``work`` and only the modules the release's ``.htaccess``
needs; every root has ``AllowOverride All``. ``stop()`` ends that one process. The folders
served must be readable by the server's user (``www-data`` when the tests run as root):
:func:`readable_work_dir` makes such a folder.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

MODULES = Path("/usr/lib/apache2/modules")
NEEDED = ("mpm_event", "authz_core", "dir", "mime", "negotiation", "rewrite", "headers")
INSTALL = "apt-get install -y --no-install-recommends apache2"
START_TIMEOUT = 30  # seconds
REQUEST_TIMEOUT = 10


def binary() -> str | None:
    """apache2 lives in /usr/sbin, which a user's PATH may lack."""
    found = shutil.which("apache2")
    if found is None and Path("/usr/sbin/apache2").is_file():
        found = "/usr/sbin/apache2"
    return found


def require() -> None:
    """Skip the calling test (or module) with the reason when Apache cannot run here."""
    if binary() is None:
        pytest.skip(f"apache2 is not installed ({INSTALL})")
    absent = [m for m in NEEDED if not (MODULES / f"mod_{m}.so").is_file()]
    if absent:
        pytest.skip(f"Apache modules missing from {MODULES}: {', '.join(absent)} ({INSTALL})")


def readable_work_dir() -> Path:
    """A new temporary folder the server's user can read (pytest's tmp_path is private)."""
    folder = Path(tempfile.mkdtemp(prefix="kzgraph-apache-"))
    folder.chmod(0o755)
    return folder


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Response:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes

    @property
    def media_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip()


def get(url: str, accept: str | None = None, method: str = "GET") -> Response:
    """One request, redirects NOT followed (the tests look at them)."""
    assert url.startswith("http://127.0.0.1:"), url
    host_port, _, path = url[len("http://"):].partition("/")
    host, _, port = host_port.partition(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=REQUEST_TIMEOUT)
    try:
        conn.request(method, "/" + path, headers={"Accept": accept} if accept else {})
        resp = conn.getresponse()
        return Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
    finally:
        conn.close()


class Apache:
    """One apache2 process serving some folders, each on a port of its own."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.run_dir = work / "apache-run"
        self.roots: dict[int, Path] = {}
        self.process: subprocess.Popen[bytes] | None = None

    def serve(self, folder: Path) -> str:
        port = _free_port()
        self.roots[port] = folder
        return f"http://127.0.0.1:{port}"

    def config(self) -> str:
        lines = [
            "ServerName 127.0.0.1",
            f"ServerRoot {self.run_dir}",
            f"PidFile {self.run_dir}/httpd.pid",
            f"DefaultRuntimeDir {self.run_dir}",
            f"ErrorLog {self.run_dir}/error.log",
            "LogLevel warn",
            *(f"LoadModule {m}_module {MODULES}/mod_{m}.so" for m in NEEDED),
            "TypesConfig /etc/mime.types",
            "KeepAlive Off",
        ]
        if os.geteuid() == 0:  # Apache will not serve as root; www-data reads the folders
            user = "www-data" if _user_exists("www-data") else "nobody"
            lines += [f"User {user}", f"Group {'www-data' if user == 'www-data' else 'nogroup'}"]
        for port, folder in self.roots.items():
            lines += [
                f"Listen 127.0.0.1:{port}",
                f"<VirtualHost 127.0.0.1:{port}>",
                f"  DocumentRoot {folder}",
                f"  <Directory {folder}>",
                "    Options FollowSymLinks",
                "    AllowOverride All",
                "    Require all granted",
                "  </Directory>",
                "</VirtualHost>",
            ]
        return "\n".join(lines) + "\n"

    def start(self) -> None:
        require()
        self.run_dir.mkdir(parents=True, exist_ok=True)
        conf = self.run_dir / "httpd.conf"
        conf.write_text(self.config(), encoding="utf-8")
        self.process = subprocess.Popen(
            [binary() or "apache2", "-f", str(conf), "-DFOREGROUND"],
            stdout=subprocess.DEVNULL, stderr=(self.run_dir / "stderr.log").open("wb"))
        deadline = time.monotonic() + START_TIMEOUT
        waiting = set(self.roots)
        while waiting:
            if self.process.poll() is not None:
                raise RuntimeError(f"apache2 exited with {self.process.returncode}:\n{self.log()}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"apache2 did not listen within {START_TIMEOUT} s:\n"
                                   + self.log())
            for port in list(waiting):
                with contextlib.suppress(OSError), socket.create_connection(
                        ("127.0.0.1", port), timeout=1):
                    waiting.discard(port)
            time.sleep(0.1)

    def log(self) -> str:
        parts = []
        for name in ("stderr.log", "error.log"):
            path = self.run_dir / name
            if path.is_file():
                parts.append(path.read_text(encoding="utf-8", errors="replace")[-4000:])
        return "\n".join(parts)

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()  # graceful stop of this server and its children
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.process = None


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True
