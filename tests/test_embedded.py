"""The embedded default (one gevent process on SQLite): waiting for the database must not
stop the process's other greenlets.

Run in a child process, as ``wsapp serve`` runs the app: gevent monkey-patched first, then
the app made in gevent mode on a migrated SQLite file. One greenlet opens a transaction and
yields before committing (as a change does when it waits for a lock or a socket); another
starts a transaction meanwhile. SQLite's own wait for its write lock runs inside the
sqlite3 module and would block the whole process, so the first could never commit and the
second would fail with "database is locked" when the busy timeout ran out.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

CHILD = """
from gevent import monkey
monkey.patch_all()

import sys
import gevent
from sqlalchemy import text
from wsapp import create_app
from wsapp.extensions import db

app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "ASYNC_MODE": "gevent",
                  "SECRET_KEY": "tests-only-secret"})
done = []

def change(name, pause):
    with app.app_context():
        db.session.execute(text("UPDATE alembic_version SET version_num = version_num"))
        gevent.sleep(pause)  # holding the transaction, as a change waiting on a lock does
        db.session.commit()
        done.append(name)

first = gevent.spawn(change, "first", 0.3)
gevent.sleep(0.05)  # the first holds its transaction now
second = gevent.spawn(change, "second", 0)
gevent.joinall([first, second], raise_error=True)
print(",".join(done))
"""


def test_a_change_waiting_for_the_database_lets_the_holder_finish(
    migrated_database: Path, tmp_path: Path
):
    database = shutil.copy(migrated_database, tmp_path / "wsapp.sqlite")
    done = subprocess.run(
        [sys.executable, "-c", CHILD, f"sqlite:///{database}"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "first,second"
