"""The deployment as shipped in deploy/: whose X-Forwarded-For counts behind a proxy, nginx
letting room imports through, the systemd units that keep each process running, and every
setting documented with its true default in docs/deployment.md."""

from __future__ import annotations

import configparser
import json
import os
import re
import secrets
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from flask import Flask

from benchmarks.deploy import nginx_binary, start_nginx, start_wsapp
from wsapp import create_app
from wsapp.config import config_from_env

from .conftest import TEST_CONFIG
from .dom import parse

ROOT = Path(__file__).resolve().parent.parent
WRONG = "/r/ZZZZZ7"  # a code no room has: every request is a wrong guess


def random_address(network: str) -> str:
    """An address in a documentation network (``203.0.113``), most likely one no other
    test has used, so its attempts are fresh."""
    return f"{network}.{secrets.randbelow(254) + 1}"


def behind_nginx(migrated_database: Path, attempts: int) -> Flask:
    return create_app(
        {
            **TEST_CONFIG,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{migrated_database}",
            "PROXIES": 1,
            "JOIN_ATTEMPTS_PER_MINUTE": attempts,
        }
    )


def test_forwarded_addresses_count_only_from_the_proxy(migrated_database: Path):
    """Someone reaching a process's port directly cannot pose as a new address per guess."""
    app = behind_nginx(migrated_database, attempts=3)
    direct = app.test_client()
    direct.environ_base["REMOTE_ADDR"] = random_address("198.51.100")
    answers = [
        direct.get(WRONG, headers={"X-Forwarded-For": random_address(f"10.9.{n}")})
        for n in range(5)
    ]
    assert [a.status_code for a in answers] == [404, 404, 404, 429, 429]
    assert "Too many wrong tries" in answers[-1].get_data(as_text=True)


def test_through_the_proxy_each_client_address_has_its_own_attempts(migrated_database: Path):
    """From nginx (loopback), X-Forwarded-For is the client: one guesser's running out
    leaves another's attempts alone."""
    app = behind_nginx(migrated_database, attempts=2)
    proxy = app.test_client()
    proxy.environ_base["REMOTE_ADDR"] = "127.0.0.1"
    guesser, neighbour = random_address("203.0.113"), random_address("192.0.2")
    codes = [proxy.get(WRONG, headers={"X-Forwarded-For": guesser}).status_code for _ in range(3)]
    assert codes == [404, 404, 429]
    assert proxy.get(WRONG, headers={"X-Forwarded-For": neighbour}).status_code == 404


def test_proxy_addresses_can_name_a_network(migrated_database: Path):
    app = create_app(
        {
            **TEST_CONFIG,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{migrated_database}",
            "PROXIES": 1,
            "PROXY_ADDRESSES": ["10.0.0.0/8"],
        }
    )
    proxy = app.test_client()
    proxy.environ_base["REMOTE_ADDR"] = "10.1.2.3"
    response = proxy.get("/", headers={"X-Forwarded-Proto": "https"})
    assert "Secure" in response.headers["Set-Cookie"]  # the proxy's scheme was believed
    stranger = app.test_client()
    stranger.environ_base["REMOTE_ADDR"] = "192.0.2.1"
    response = stranger.get("/", headers={"X-Forwarded-Proto": "https"})
    assert "Secure" not in response.headers["Set-Cookie"]


# --- systemd ------------------------------------------------------------------------------

UNITS = ROOT / "deploy" / "systemd"


def unit(name: str, folder: Path = UNITS) -> configparser.ConfigParser:
    """A unit file's sections and settings (each set once in ours, as INI reads them)."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((folder / name).read_text())
    return parser


def test_one_unit_per_process_on_loopback_restarted_on_failure():
    process = unit("wsapp@.service")
    service = process["Service"]
    assert service["Restart"] == "on-failure"
    argv = shlex.split(service["ExecStart"])
    assert argv[1:] == ["serve", "--host", "127.0.0.1", "--port", "%i"]  # the port: wsapp@8001
    assert service["EnvironmentFile"] == "/etc/wsapp/wsapp.env"
    # The schema is upgraded once before the processes start, not by all of them at once.
    upgrade = unit("wsapp-upgrade.service")["Service"]
    assert shlex.split(upgrade["ExecStart"])[1:] == ["db", "upgrade"]
    assert upgrade["Type"] == "oneshot"
    for key in ("Requires", "After"):
        assert "wsapp-upgrade.service" in process["Unit"][key].split()
    assert process["Install"]["WantedBy"] == "multi-user.target"


def installed_here(tmp_path: Path) -> list[Path]:
    """The units with the install path they assume (/opt/wsapp/.venv) replaced by this
    checkout's virtualenv."""
    wsapp = Path(sys.executable).parent / "wsapp"
    copies = []
    for source in sorted(UNITS.glob("*.service")):
        copy = tmp_path / source.name
        copy.write_text(source.read_text().replace("/opt/wsapp/.venv/bin/wsapp", str(wsapp)))
        copies.append(copy)
    return copies


def test_the_units_commands_run(tmp_path: Path):
    """Each unit's ExecStart is a command this install has: asked for --help, it answers."""
    for copy in installed_here(tmp_path):
        argv = shlex.split(unit(copy.name, copy.parent)["Service"]["ExecStart"])
        done = subprocess.run([*argv[:2], "--help"], cwd=ROOT, capture_output=True, text=True)
        assert done.returncode == 0, (copy.name, done.stderr)


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not here")
def test_systemd_accepts_the_units(tmp_path: Path):
    done = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *map(str, installed_here(tmp_path))],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr


# --- nginx --------------------------------------------------------------------------------


@pytest.fixture
def behind_nginx_conf(tmp_path: Path) -> Iterator[str]:
    """One ``wsapp serve`` process on SQLite behind nginx running deploy/nginx.conf."""
    if nginx_binary() is None:
        message = "nginx is not installed (scripts/test installs nginx-light)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    env = {
        **os.environ,
        "WSAPP_DATABASE_URL": f"sqlite:///{tmp_path / 'wsapp.sqlite'}",
        "WSAPP_SECRET_KEY": secrets.token_urlsafe(32),
        "WSAPP_PROXIES": "1",
    }
    app = start_wsapp(env, 1, tmp_path / "serve.log")
    try:
        proxy = start_nginx(app.urls, tmp_path / "nginx")
        try:
            yield proxy.urls[0]
        finally:
            proxy.stop()
    finally:
        app.stop()


def csrf_token(page: str) -> str:
    body = parse(page).find(lambda n: n.tag == "body")
    assert body is not None
    return str(json.loads(body.attrs["hx-headers"] or "{}")["X-CSRFToken"])


def test_nginx_lets_a_room_import_through_and_keeps_other_requests_small(
    behind_nginx_conf: str,
):
    base = behind_nginx_conf
    browser = requests.Session()
    token = csrf_token(browser.get(base + "/").text)
    opened = browser.post(base + "/rooms", data={"kit": "readiness-planning", "csrf_token": token})
    code = opened.url.split("/r/")[1].split("/")[0]
    record = browser.get(f"{base}/r/{code}/export/room.json").content
    padded = record + b" " * 300_000  # a big room's file: well over 64 KB, under 4 MB

    imported = browser.post(
        base + "/rooms/import",
        files={"record": ("room.json", padded, "application/json")},
        headers={"X-CSRFToken": token, "HX-Request": "true"},
    )
    assert imported.status_code == 204, imported.text[:300]
    assert imported.headers["HX-Redirect"].startswith("/r/")

    oversized = browser.post(
        base + "/rooms", data={"kit": "x" * 100_000}, headers={"X-CSRFToken": token}
    )
    assert oversized.status_code == 413


# --- Settings, as docs/deployment.md documents them -----------------------------------------

SETTING = re.compile(r"WSAPP_[A-Z_]+")
LITERAL = re.compile(r"`([^`]*)`")


def documented_settings(document: str = "docs/deployment.md") -> dict[str, str]:
    """Each variable in a document's table of settings, with its default when that is a
    literal (``"10"``), else ``""`` ("off", "the request's host")."""
    settings = {}
    for line in (ROOT / document).read_text().splitlines():
        if not line.startswith("| `WSAPP_"):
            continue
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        names = SETTING.findall(cells[0])
        literals = LITERAL.findall(cells[1])
        # "`10`, `30`" for two variables in one row: one default each.
        whole = ", ".join(f"`{value}`" for value in literals) == cells[1]
        for index, name in enumerate(names):
            settings[name] = literals[index] if whole and len(literals) == len(names) else ""
    return settings


def test_every_setting_the_app_reads_is_documented():
    read = {
        name
        for path in (ROOT / "wsapp").rglob("*.py")
        for name in SETTING.findall(path.read_text())
    }
    assert read == set(documented_settings())
    # The README's table is the few a single server needs, as docs/deployment.md says them.
    in_readme = documented_settings("README.md")
    assert in_readme and in_readme.items() <= documented_settings().items()


@pytest.mark.parametrize("database", ["sqlite (the default)", "postgresql+psycopg://u@h/db"])
def test_each_documented_default_is_the_default(database: str, monkeypatch: pytest.MonkeyPatch):
    """Setting a variable to the default its row shows changes nothing in the app's config."""
    for name in list(os.environ):
        if name.startswith("WSAPP_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("WSAPP_SECRET_KEY", "a key, so nothing is written to instance/")
    if database.startswith("postgresql"):  # where the pool size counts
        monkeypatch.setenv("WSAPP_DATABASE_URL", database)
    monkeypatch.chdir(ROOT)  # "./content", "instance/" as the table says them

    def config() -> dict[str, object]:
        values = config_from_env(Path("instance"))
        return {
            key: Path(value).resolve() if isinstance(value, str) and Path(value).is_dir() else value
            for key, value in values.items()
        }

    unset = config()
    checked = 0
    for name, default in documented_settings().items():
        if not default or name in os.environ:
            continue
        with monkeypatch.context() as env:
            env.setenv(name, default)
            assert config() == unset, f"{name}'s documented default {default!r} is not its default"
        checked += 1
    assert checked >= 14  # every literal default but the database URL, set above
