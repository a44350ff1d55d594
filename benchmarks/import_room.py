"""The server's cost of importing a room: CPU to read the file and to write the room.

Two files: the largest room the limits allow (``wsapp/limits.py``: every limit reached at
once, and no cells, so the import makes every cell of the grid), and the worst file the
4 MB size limit allows, that room with as many dots as fit. Each is imported --rounds
times into a fresh database (SQLite, or with --postgresql a new PostgreSQL database,
dropped afterwards); the figures are CPU seconds of this process, which the machine's other
work moves less than wall time.

Usage: .venv/bin/python -m benchmarks.import_room [--rounds 3] [--postgresql]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask_migrate import upgrade

from benchmarks.deploy import fresh_database
from wsapp import create_app, limits
from wsapp.export.domain import IMPORT_MAX_BYTES, build_record, parse_record, restore_room
from wsapp.extensions import db
from wsapp.rooms.domain import create_room

KIT = "readiness-planning"
QUESTION = "readiness-planning:where-are-we-now"
MOMENT = "2026-11-02T09:00:00Z"
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def biggest_record(record: dict[str, Any]) -> dict[str, Any]:
    """``record`` (an exported room of the readiness kit) holding the largest room an import
    accepts: every limit reached at once, and no cells."""
    people = [
        {"ref": n, "name": f"Person {n}", "joined_at": MOMENT, "removed": False}
        for n in range(1, limits.PEOPLE_MAX + 1)
    ]
    per_poster = limits.ITEMS_PER_POSTER_MAX
    posters = [
        {
            "key": f"P{p}",
            "title": f"Poster {p}",
            "items": [
                {"ref": p * per_poster + i + 1, "label": str(i + 1), "text": "An item"}
                for i in range(per_poster)
            ],
        }
        for p in range(limits.POSTERS_MAX)
    ]
    notes = [
        {
            "ref": n,
            "question_key": QUESTION,
            "participant": n % limits.PEOPLE_MAX + 1,
            "author_name": "Someone",
            "text": "A note",
            "created_at": MOMENT,
            "updated_at": MOMENT,
        }
        for n in range(1, limits.NOTES_MAX + 1)
    ]
    plan = {
        "rows": [{"ref": n, "heading": f"Row {n}"} for n in range(1, limits.ROWS_MAX + 1)],
        "columns": [{"ref": n, "heading": f"Column {n}"} for n in range(1, limits.COLUMNS_MAX + 1)],
    }
    return {**record, "participants": people, "posters": posters, "notes": notes, "plan": plan}


def with_dots_to_the_size_limit(record: dict[str, Any]) -> bytes:
    """The record with dots added, each person's on one item after another, until the file
    is as large as an import may be."""
    items = [item for poster in record["posters"] for item in poster["items"]]
    dots = [{"participant": p, "colour": "green", "placed_at": MOMENT} for p in range(1, 201)]
    data = b""
    for item in items:
        item["dots"] = dots
        larger = json.dumps(record, separators=(",", ":")).encode()
        if len(larger) > IMPORT_MAX_BYTES:
            item["dots"] = []
            break
        data = larger
    return data


@contextmanager
def database(postgresql: bool) -> Iterator[str]:
    if postgresql:
        with fresh_database(PG_ADMIN_URL, "wsapp_import") as url:
            yield url
    else:
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/import.sqlite"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgresql", action="store_true")
    options = parser.parse_args()
    with database(options.postgresql) as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "ASYNC_MODE": "threading"})
        with app.app_context():
            upgrade()
            room, _key = create_room(KIT, "Exported")
            record = biggest_record(json.loads(build_record(room).model_dump_json()))
            files = {
                "largest room": json.dumps(record).encode(),
                "4 MB of dots": with_dots_to_the_size_limit(record),
            }
            for name, data in files.items():
                for _ in range(options.rounds):
                    start = time.process_time()
                    parsed = parse_record(data)
                    read = time.process_time()
                    restore_room(parsed)
                    written = time.process_time()
                    print(
                        f"{name} ({len(data) >> 10} KB): read {read - start:.3f} s, "
                        f"write {written - read:.3f} s of CPU"
                    )
            db.engine.dispose()


if __name__ == "__main__":
    main()
