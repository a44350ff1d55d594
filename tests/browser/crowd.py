"""A room with a realistic amount in it, made through the app's own routes and actions on
the live server's database: 30 people, a dot from each on every item of the 12-item wall,
40 notes, a quiet-write answer from each, and text in every plan cell."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from flask import Flask
from sqlalchemy import select

from wsapp import create_app
from wsapp.discussion.domain import phase_questions, room_questions
from wsapp.extensions import db
from wsapp.identity import link_key
from wsapp.models import PlanCell, PlanRow, Poster, PosterItem
from wsapp.rooms.codes import room_by_code
from wsapp.rooms.domain import kit_of

from ..conftest import TEST_CONFIG, Member, Workshop

PEOPLE = 30
NOTES = 40
COLOURS = ("green", "yellow", "red")
NAMES = [
    f"{first} {last}"
    for first, last in itertools.product(
        ("Ana", "Ben", "Cleo", "Dev", "Eli", "Fay"),
        ("Okafor", "Lindqvist", "Ramírez", "Chen", "Abara"),
    )
]
SENTENCE = (
    "Coaches meet with every new teacher each month and share what they learn with the "
    "leadership team"
)


@dataclass
class Crowd:
    code: str
    facilitator_key: str
    lead: Member
    people: list[Member]
    app: Flask

    def go_to(self, index: int) -> None:
        assert self.lead.post_action("phase.go", index=index).status_code == 200

    def projector_link(self) -> str:
        """Make the room's view-only projector link; its path with the key."""
        self.act("room.link", kind="projector", on="true")
        with self.app.app_context():
            room = room_by_code(self.code)
            assert room is not None
            return f"/r/{self.code}/watch#{link_key(room, 'projector')}"

    def act(self, name: str, **args: object) -> None:
        response = self.lead.post_action(name, **args)
        assert response.status_code == 200, response.get_data(as_text=True)


def crowded_room(database_url: str, secret_key: str, kit: str) -> Crowd:
    """Open a room of ``kit`` with everything in it, as its people would have made it, on
    the database of a server whose secret key is ``secret_key``."""
    config = {"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": secret_key}
    app = create_app({**TEST_CONFIG, **config})
    workshop = Workshop(app)
    lead = workshop.open_room(kit, title="Cedar Unified School District leadership team")
    people = [workshop.join(lead.code, name) for name in NAMES[:PEOPLE]]
    with lead.client.session_transaction() as session:
        key = next(iter(session["keys"].values()))
    crowd = Crowd(lead.code, key, lead, people, app)
    with app.app_context():
        room = room_by_code(lead.code)
        assert room is not None
        phases = kit_of(room).phases
        items = list(
            db.session.scalars(select(PosterItem.id).join(Poster).where(Poster.room_id == room.id))
        )
        cells = list(
            db.session.scalars(select(PlanCell.id).join(PlanRow).where(PlanRow.room_id == room.id))
        )
        questions = [
            question.key for phase in phases for question in phase_questions(room, phase)
        ] or list(room_questions(room))
    for index, phase in enumerate(phases):
        crowd.go_to(index)
        if phase.kind == "posters":
            for n, person in enumerate(people):
                for m, item in enumerate(items):
                    # Each item leans its own way: some clear, some split.
                    spread = (n * 7 + m * 5) % 10
                    colour = COLOURS[0 if spread < 2 + m % 5 else 1 if spread < 8 else 2]
                    assert (
                        person.post_action("dot.place", item_id=item, colour=colour).status_code
                        == 200
                    )
        elif phase.kind == "quiet_write":
            crowd.act("quiet.open")
            for n, person in enumerate(people):
                text = f"{SENTENCE}, and {n + 1} schools have a shared planning hour."
                assert person.post_action("quiet.save", text=text).status_code == 200
            crowd.act("quiet.share", named="false")
    per_question = max(1, NOTES // max(1, len(questions)))
    for n in range(NOTES):
        question = questions[min(n // per_question, len(questions) - 1)]
        note = f"Note {n + 1}: {SENTENCE.lower()} by spring"
        response = people[n % PEOPLE].post_action("note.add", question_key=question, text=note)
        assert response.status_code == 200, response.get_data(as_text=True)
    for n, cell in enumerate(cells):
        text = f"Step {n + 1}: {SENTENCE}."
        response = people[n % PEOPLE].post_action(
            "plan.cell.edit", cell_id=cell, base_revision=0, text=text
        )
        assert response.status_code == 200, response.get_data(as_text=True)
    crowd.act("posters.reveal", revealed="true")
    crowd.go_to(0)
    return crowd
