"""Start wsapp the way docs/deployment.md does, for the benchmark and the tests.

``wsapp serve --workers N`` (one gunicorn gevent process per port) and, in front of it,
nginx running ``deploy/nginx.conf`` with only its ports changed.
"""

from __future__ import annotations

import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import requests
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
NGINX_CONF = ROOT / "deploy" / "nginx.conf"


@contextmanager
def fresh_database(admin_url: str, prefix: str) -> Iterator[str]:
    """A new PostgreSQL database on the admin URL's server, and its URL for wsapp; dropped
    afterwards, with whatever connections are still open to it."""
    name = f"{prefix}_{secrets.token_hex(4)}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = make_url(admin_url).set(drivername="postgresql+psycopg", database=name)
        yield url.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_ports(count: int) -> int:
    """The first of ``count`` consecutive free ports."""
    for _ in range(200):
        first = random.randint(20000, 40000)
        if all(_free(first + n) for n in range(count)):
            return first
    raise RuntimeError("no free ports")


def wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} stopped:\n{log.read_text()[-4000:]}")
        try:
            requests.get(url + "/", timeout=5)
            return
        except requests.RequestException:  # not listening yet, or still loading the app
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer:\n{log.read_text()[-4000:]}")
        time.sleep(0.1)


@dataclass
class Service:
    """A command running in its own process group, and the URLs it serves."""

    process: subprocess.Popen[bytes]
    urls: list[str]
    log: Path

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def pids(self) -> list[int]:
        """Every live process of the group (gunicorn masters and workers)."""
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    if os.getpgid(int(entry.name)) == self.process.pid:
                        found.append(int(entry.name))
                except ProcessLookupError:
                    continue
        return found


def _spawn(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            argv, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def wsapp_command() -> str:
    return str(Path(sys.executable).parent / "wsapp")


def start_wsapp(
    env: dict[str, str], workers: int, log: Path, argv: list[str] | None = None
) -> Service:
    """``wsapp serve --workers N`` on N consecutive free ports (or another server's argv)."""
    port = free_ports(workers)
    command = argv or [wsapp_command(), "serve", "--workers", str(workers)]
    process = _spawn([*command, "--port", str(port)], env, log)
    service = Service(process, [f"http://127.0.0.1:{port + n}" for n in range(workers)], log)
    try:
        for url in service.urls:
            wait_until_up(url, process, log, 60)
    except BaseException:
        service.stop()
        raise
    return service


def nginx_config(port: int, upstreams: list[str], prefix: Path) -> str:
    """deploy/nginx.conf listening on ``port`` for ``upstreams``, in a minimal nginx.conf."""
    site = NGINX_CONF.read_text()
    servers = "".join(f"    server {url.removeprefix('http://')};\n" for url in upstreams)
    site, count = re.subn(r"(?m)^    server 127\.0\.0\.1:\d+;\n", "", site)
    assert count, "deploy/nginx.conf lists no upstream servers"
    site = site.replace("    keepalive 32;", servers + "    keepalive 32;")
    site = site.replace("listen 80;", f"listen 127.0.0.1:{port};")
    # Started as root, nginx's workers would run as "nobody" and could not write the request
    # bodies they buffer (imports) under the caller's temporary folder.
    user = "user root;" if os.geteuid() == 0 else ""
    return f"""
{user}
worker_processes 1;
pid {prefix}/nginx.pid;
error_log stderr warn;
events {{ worker_connections 8192; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    default_type application/octet-stream;
{site}
}}
"""


def nginx_binary() -> str | None:
    found = shutil.which("nginx") or "/usr/sbin/nginx"
    return found if Path(found).exists() else None


def start_nginx(upstreams: list[str], prefix: Path) -> Service:
    binary = nginx_binary()
    if binary is None:
        raise RuntimeError("nginx is not installed: apt-get install nginx-light")
    prefix.mkdir(parents=True, exist_ok=True)
    port = free_ports(1)
    (prefix / "nginx.conf").write_text(nginx_config(port, upstreams, prefix))
    log = prefix / "nginx.log"
    process = _spawn(
        [binary, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-g", "daemon off;"],
        dict(os.environ),
        log,
    )
    service = Service(process, [f"http://127.0.0.1:{port}"], log)
    try:
        wait_until_up(service.urls[0], process, log, 10)
    except BaseException:
        service.stop()
        raise
    return service
