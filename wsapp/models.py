"""The workshop's tables: rooms and the people in them, and what the team makes there.

Times are stored as naive UTC (``utcnow()``) so SQLite and PostgreSQL agree.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import Base


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Room(Base):
    """One workshop: a kit's agenda run by one facilitator for one team."""

    __tablename__ = "rooms"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    kit_id: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(120))
    facilitator_key_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    locked: Mapped[bool] = mapped_column(default=False)
    # Newcomers knock and wait until the facilitator lets them in (a Knock each).
    newcomers_wait: Mapped[bool] = mapped_column(default=False, server_default=false())
    phase_index: Mapped[int] = mapped_column(default=0)
    # Bumped once by every saved change; clients compare it to know what they missed.
    version: Mapped[int] = mapped_column(default=1)
    # The last version that changed more than who is online: a screen that reconnects at
    # this version or later needs only the people list, not the whole room.
    content_version: Mapped[int] = mapped_column(default=1, server_default="1")

    # Countdown anchored on the server's clock: running when timer_ends_at is set,
    # paused when timer_remaining is set, stopped when both are empty.
    timer_label: Mapped[str | None] = mapped_column(String(80))
    timer_ends_at: Mapped[datetime | None]
    timer_remaining: Mapped[int | None]

    # Posters
    posters_locked: Mapped[bool] = mapped_column(default=False)
    posters_revealed: Mapped[bool] = mapped_column(default=False)
    dots_named: Mapped[bool] = mapped_column(default=False)
    dot_budget: Mapped[int | None]  # None: one dot per item per participant
    # The rating scale of the room's dots (content's scales, by id); None: the three
    # colours of the kit's protocol. See posters.domain.room_scale.
    scale_id: Mapped[str | None] = mapped_column(String(80))
    # Where the survey results beside the dots come from ("SAI2, spring 2026"), if any.
    survey_title: Mapped[str | None] = mapped_column(String(120))

    # Discussion
    notes_anonymous: Mapped[bool] = mapped_column(default=False)
    spotlight_key: Mapped[str | None] = mapped_column(String(160))

    # Quiet write and plan
    quiet_write_open: Mapped[bool] = mapped_column(default=False)
    quiet_write_shared: Mapped[bool] = mapped_column(default=False)
    quiet_write_named: Mapped[bool] = mapped_column(default=False)
    # Writing stops by itself when the room's timer runs out (the facilitator's choice).
    quiet_write_ends_on_time: Mapped[bool] = mapped_column(default=False)
    plan_locked: Mapped[bool] = mapped_column(default=False)

    # The record: may participants download the exports too?
    exports_open: Mapped[bool] = mapped_column(default=False)

    # The view-only projector link and the co-facilitator's link: each secret is derived
    # from the app's secret key and its nonce (so the facilitator's page can show it
    # again), and only its hash is compared. No nonce: that link does not work.
    projector_nonce: Mapped[str | None] = mapped_column(String(64))
    projector_key_hash: Mapped[str | None] = mapped_column(String(64))
    cofacilitator_nonce: Mapped[str | None] = mapped_column(String(64))
    cofacilitator_key_hash: Mapped[str | None] = mapped_column(String(64))
    # Pre-work: open before the meeting until the facilitator opens the meeting; people
    # write and dot on their own time until the deadline, and see nobody else's.
    prework_open: Mapped[bool] = mapped_column(default=False, server_default=false())
    prework_until: Mapped[datetime | None]
    # The event this room belongs to (a conference day, a network), with the team it is
    # there for ("Lincoln Elementary"); both empty outside any event.
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("events.id", ondelete="SET NULL"), index=True
    )
    event_team: Mapped[str | None] = mapped_column(String(80))
    # A session of a series (a workshop and its check-ins): its place is the days after
    # the series' first session (0 for the workshop itself), and the date it is planned for.
    series_id: Mapped[int | None] = mapped_column(
        ForeignKey("series.id", ondelete="SET NULL"), index=True
    )
    series_days: Mapped[int | None]
    meets_on: Mapped[date | None]

    participants: Mapped[list[Participant]] = relationship(
        back_populates="room", order_by="Participant.id", cascade="all, delete-orphan"
    )

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    @property
    def prework_closed(self) -> bool:
        """In pre-work, with its deadline passed: participants can change nothing more."""
        until = self.prework_until
        return self.prework_open and until is not None and utcnow() >= until


class Series(Base):
    """One team's plan over time: the workshop and the check-ins planned from it, each a
    room (``Room.series_id``), in the order of their ``series_days``."""

    __tablename__ = "series"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    # The first session's date: check-ins are counted in days from it.
    started_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Participant(Base):
    """A member of the team in one room, known by the display name they gave."""

    __tablename__ = "participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    removed_at: Mapped[datetime | None]
    # The phase (its index) in which this person last said "I'm done"; cleared on moving on.
    done_phase: Mapped[int | None]
    # Added by the facilitator or a table captain for someone without a phone ("Pat, no
    # phone"): they dot and write through whoever acts for them, and are never online.
    without_device: Mapped[bool] = mapped_column(default=False, server_default=false())
    # A table captain may add people without a phone and act for them.
    captain: Mapped[bool] = mapped_column(default=False, server_default=false())

    room: Mapped[Room] = relationship(back_populates="participants")


class Knock(Base):
    """Someone asking to join a room whose newcomers wait to be let in. Answered once:
    admitted (``participant_id`` is who they became) or refused."""

    __tablename__ = "knocks"

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    knocked_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[datetime | None]
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL")
    )

    @property
    def waiting(self) -> bool:
        return self.answered_at is None

    @property
    def refused(self) -> bool:
        return self.answered_at is not None and self.participant_id is None


class Facilitator(Base):
    """Whoever opens rooms in a browser. The rooms they lead are kept here, so a browser
    carries one identity in its cookie however many rooms it leads (a cookie holds about
    4 KB: some 80 rooms' keys), and the private "my rooms" link can bring them to another
    browser."""

    __tablename__ = "facilitators"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The hash of the secret in the private "my rooms" link; None while there is none.
    link_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Bumped whenever the link is made anew or revoked: a browser's cookie names the
    # generation it was given, so browsers that opened an older link lose the rooms.
    generation: Mapped[int] = mapped_column(default=1)


class Event(Base):
    """Many rooms at once, rolled up live: a conference day or a network's months.

    Its lead has no account: the browser that made it, and any that opened its private
    organiser link (only the link's hash is kept), whose cookie names the event and the
    ``lead_generation`` it was given. Making the link anew signs the other browsers out.
    Facilitators open rooms in it from its facilitators' link, whose secret is derived from
    the app's key and ``rooms_nonce`` (so the lead's page can show it again).
    """

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    lead_link_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    lead_generation: Mapped[int] = mapped_column(default=1)
    rooms_nonce: Mapped[str] = mapped_column(String(64))
    rooms_key_hash: Mapped[str] = mapped_column(String(64))


class FacilitatorRoom(Base):
    """A room a facilitator leads."""

    __tablename__ = "facilitator_rooms"

    facilitator_id: Mapped[int] = mapped_column(
        ForeignKey("facilitators.id", ondelete="CASCADE"), primary_key=True
    )
    room_id: Mapped[int] = mapped_column(
        ForeignKey("rooms.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    # Came in through the room's co-facilitator link (not its own key): loses the room when
    # that link is made anew or revoked.
    cofacilitator: Mapped[bool] = mapped_column(default=False, server_default=false())


class Connection(Base):
    """One open socket: who is online, kept in the database so every process sees it."""

    __tablename__ = "connections"

    sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    view: Mapped[str] = mapped_column(String(16))  # participant, facilitator or projector
    connected_at: Mapped[datetime] = mapped_column(default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The plan cell this person is typing in right now, shown to everyone else.
    editing_cell_id: Mapped[int | None] = mapped_column(
        ForeignKey("plan_cells.id", ondelete="SET NULL")
    )


class Poster(Base):
    """A readiness poster on the wall: one section of the assessment."""

    __tablename__ = "posters"

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    key: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    statement: Mapped[str | None] = mapped_column(Text)

    items: Mapped[list[PosterItem]] = relationship(
        back_populates="poster", order_by="PosterItem.position", cascade="all, delete-orphan"
    )


class PosterItem(Base):
    """One line of a poster that people put dots on."""

    __tablename__ = "poster_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    poster_id: Mapped[int] = mapped_column(ForeignKey("posters.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    label: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    removed_at: Mapped[datetime | None]
    # From an uploaded poster file: the item's own code (e.g. "LD-2"), which survey results
    # name it by, and a descriptor for each level of the room's scale, in scale order.
    code: Mapped[str | None] = mapped_column(String(20))
    descriptors: Mapped[list[str] | None] = mapped_column(JSON)

    poster: Mapped[Poster] = relationship(back_populates="items")

    @property
    def ref(self) -> str:
        """How people point at the item: its code if it has one, else its poster's key and
        its label, e.g. "A2"."""
        return self.code or f"{self.poster.key}{self.label}"


class Dot(Base):
    """A green, yellow or red dot one participant placed on one poster item."""

    __tablename__ = "dots"
    __table_args__ = (Index("ix_dots_item_participant", "item_id", "participant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("poster_items.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    colour: Mapped[str] = mapped_column(String(20))  # the key of a level of the room's scale
    placed_at: Mapped[datetime] = mapped_column(default=utcnow)


class PaperTally(Base):
    """The dots a table put on an item of a paper poster, counted and typed in by the
    facilitator: they add to the item's tally, marked as from the paper poster."""

    __tablename__ = "paper_tallies"

    item_id: Mapped[int] = mapped_column(
        ForeignKey("poster_items.id", ondelete="CASCADE"), primary_key=True
    )
    # Level key -> dots of that level (only levels with dots).
    counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class SurveyItem(Base):
    """A survey's results for one item (e.g. from an SAI2 export), shown beside the team's
    dots on the item with the same code."""

    __tablename__ = "survey_items"
    __table_args__ = (UniqueConstraint("room_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(20))
    # The responses from the best down, each {"label": ..., "percent": ...}; empty when
    # the survey gave a mean only.
    shares: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    mean: Mapped[float | None]  # on the survey's own range, as it gave it
    # Where the results sit from 0 (the worst response) to 1 (the best): comparable with
    # the team's dots on any scale.
    score: Mapped[float]


class PosterKit(Base):
    """A set of posters a facilitator uploaded and kept for their later rooms."""

    __tablename__ = "poster_kits"

    id: Mapped[int] = mapped_column(primary_key=True)
    facilitator_id: Mapped[int] = mapped_column(
        ForeignKey("facilitators.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(120))
    scale_id: Mapped[str] = mapped_column(String(80))
    # The posters as posters.upload.PosterSet dumps them.
    posters: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PreviousTally(Base):
    """The team's dots on an item at the previous session of its series, one row per level
    of the scale: a check-in starts with no dots and measures movement from these."""

    __tablename__ = "previous_tallies"

    item_id: Mapped[int] = mapped_column(
        ForeignKey("poster_items.id", ondelete="CASCADE"), primary_key=True
    )
    level: Mapped[str] = mapped_column(String(16), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)


class Note(Base):
    """A short note on a discussion question (or a Take Action commitment)."""

    __tablename__ = "notes"
    __table_args__ = (Index("ix_notes_room_question", "room_id", "question_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"))
    question_key: Mapped[str] = mapped_column(String(160))
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL")
    )
    author_name: Mapped[str] = mapped_column(String(60))
    text: Mapped[str] = mapped_column(Text)
    starred: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class QuietWrite(Base):
    """One participant's private answer to the quiet-write prompt."""

    __tablename__ = "quiet_writes"
    __table_args__ = (UniqueConstraint("room_id", "participant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text, default="")
    keep_private: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class PlanRow(Base):
    """A row of the action plan grid (major focus, element, tools, challenges...)."""

    __tablename__ = "plan_rows"

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    heading: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str | None] = mapped_column(String(200))
    locked: Mapped[bool] = mapped_column(default=False)


class PlanColumn(Base):
    """A column of the action plan grid (30, 60, 90, 120 days...)."""

    __tablename__ = "plan_columns"

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    heading: Mapped[str] = mapped_column(String(80))


class PlanCell(Base):
    """The text where one plan row meets one column; ``revision`` counts saved edits."""

    __tablename__ = "plan_cells"
    __table_args__ = (UniqueConstraint("row_id", "column_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    row_id: Mapped[int] = mapped_column(ForeignKey("plan_rows.id", ondelete="CASCADE"))
    column_id: Mapped[int] = mapped_column(ForeignKey("plan_columns.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text, default="")
    # A merge that could not be made keeps the other text here until someone resolves it.
    conflict_text: Mapped[str | None] = mapped_column(Text)
    revision: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class PlanCellRevision(Base):
    """Every saved text of a cell: who, when, what."""

    __tablename__ = "plan_cell_revisions"
    __table_args__ = (UniqueConstraint("cell_id", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cell_id: Mapped[int] = mapped_column(ForeignKey("plan_cells.id", ondelete="CASCADE"))
    revision: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    author_name: Mapped[str] = mapped_column(String(60))
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL")
    )
    reason: Mapped[str] = mapped_column(String(20), default="edit")  # edit, merge, restore, item
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PlanItemSource(Base):
    """Where an item placed into the plan came from (a poster item or a Take Action note)."""

    __tablename__ = "plan_item_sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    cell_id: Mapped[int] = mapped_column(ForeignKey("plan_cells.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # poster_item or note
    source_id: Mapped[int]
    label: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PlanConsideration(Base):
    """One of the protocol's considerations, ticked by the team while planning."""

    __tablename__ = "plan_considerations"

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    done: Mapped[bool] = mapped_column(default=False)


class PlanAction(Base):
    """Something the team will do, made from a plan cell (or a line in it): who owns it,
    when it is due and how far it has got. ``due_on`` is None when nobody set a date."""

    __tablename__ = "plan_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"), index=True)
    cell_id: Mapped[int] = mapped_column(
        ForeignKey("plan_cells.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(60), default="")
    due_on: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(20), default="not_started")
    evidence: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class PlanActionChange(Base):
    """A change to an action's status, owner or due date: who, when, from what to what.
    ``field`` is "added" for the action's making (``new`` holds its status then)."""

    __tablename__ = "plan_action_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(
        ForeignKey("plan_actions.id", ondelete="CASCADE"), index=True
    )
    field: Mapped[str] = mapped_column(String(20))  # added, status, owner or due
    old: Mapped[str] = mapped_column(String(60), default="")
    new: Mapped[str] = mapped_column(String(60), default="")
    author_name: Mapped[str] = mapped_column(String(60))
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
