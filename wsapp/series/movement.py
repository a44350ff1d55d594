"""How the team's dots on an item moved between two sessions of a series.

Written over the room's scale's levels in order, best first (``posters.domain.room_scale``:
three colours, four IC-map levels, five points of frequency...), and each side's count of
dots per level. A level's place gives it a score from +1 (the first) to -1 (the last), as
``content.Scale.scores`` does; an item's movement is the change of its mean score.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select

from ..content import Level
from ..extensions import db
from ..live import per_change
from ..models import Poster, PosterItem, PreviousTally, Room
from ..posters.domain import ItemTally, room_scale, tally
from .domain import bp

# A change of mean score smaller than this is no overall change (one dot among many).
STILL = 0.05

Direction = Literal["up", "down", "same"]
ARROWS: dict[Direction, str] = {"up": "↑", "down": "↓", "same": "→"}


def room_levels(room: Room) -> list[Level]:
    """The room's scale's levels, best first, each with its label and shape."""
    return list(room_scale(room).levels)


def _score(levels: Sequence[Level], counts: Mapping[str, int]) -> float | None:
    """Mean score of the dots: +1 for the first level down to -1 for the last."""
    total = sum(counts.get(level.key, 0) for level in levels)
    if not total:
        return None
    last = max(len(levels) - 1, 1)
    points = sum(
        (1 - 2 * place / last) * counts.get(level.key, 0) for place, level in enumerate(levels)
    )
    return points / total


@dataclass(frozen=True)
class LevelMove:
    level: Level
    before: int
    after: int

    @property
    def words(self) -> str:
        return f"{self.level.label} {self.before} → {self.after}"


@dataclass(frozen=True)
class Movement:
    """An item's dots at the previous session and now, level by level."""

    ref: str
    text: str
    moves: tuple[LevelMove, ...]
    before_score: float | None
    after_score: float | None

    @property
    def before_total(self) -> int:
        return sum(move.before for move in self.moves)

    @property
    def after_total(self) -> int:
        return sum(move.after for move in self.moves)

    @property
    def shift(self) -> float:
        """How far the mean score moved (positive: towards the first level); 0 while
        either session has no dots on the item."""
        if self.before_score is None or self.after_score is None:
            return 0.0
        return self.after_score - self.before_score

    @property
    def direction(self) -> Direction:
        if self.shift >= STILL:
            return "up"
        if self.shift <= -STILL:
            return "down"
        return "same"

    @property
    def arrow(self) -> str:
        return ARROWS[self.direction]

    @property
    def changed(self) -> list[LevelMove]:
        return [move for move in self.moves if move.before != move.after]

    @property
    def words(self) -> str:
        """The counts that changed, in the scale's order, e.g. "Strength 1 → 4, Significant
        work needed 5 → 2"; every level when none changed."""
        return ", ".join(move.words for move in (self.changed or self.moves))

    def summary(self, levels: Sequence[Level]) -> str:
        """The direction in words: towards the scale's first level or its last."""
        if self.before_score is None and self.after_score is None:
            return "no dots then or now"
        if self.before_score is None or self.after_score is None:
            return "no dots last time" if self.before_score is None else "no dots yet"
        if self.direction == "up":
            return f"towards {levels[0].label.lower()}"
        if self.direction == "down":
            return f"towards {levels[-1].label.lower()}"
        return "no overall change"

    def described(self, levels: Sequence[Level]) -> str:
        """The movement in one line, as the exports write it."""
        if not (self.before_total or self.after_total):
            return self.summary(levels)
        return f"{self.arrow} {self.words} ({self.summary(levels)})"

    @property
    def size(self) -> tuple[float, int]:
        """How much it moved, for ranking: the score's change, then the dots that changed."""
        return (abs(self.shift), sum(abs(m.after - m.before) for m in self.moves))


def measure(
    levels: Sequence[Level],
    ref: str,
    text: str,
    before: Mapping[str, int],
    after: Mapping[str, int],
) -> Movement:
    """The movement of one item's dots from ``before`` to ``after`` (counts per level)."""
    return Movement(
        ref=ref,
        text=text,
        moves=tuple(
            LevelMove(level, before.get(level.key, 0), after.get(level.key, 0)) for level in levels
        ),
        before_score=_score(levels, before),
        after_score=_score(levels, after),
    )


def moved_most(movements: Iterable[Movement], limit: int = 3) -> list[Movement]:
    """The items whose dots moved most, largest first; items that did not move are left out."""
    moved = [m for m in movements if m.direction != "same"]
    return sorted(moved, key=lambda m: m.size, reverse=True)[:limit]


# --- A room's movement: its previous session's tallies against its dots now ---------------


@per_change
def previous_counts(room: Room) -> dict[int, dict[str, int]]:
    """Item id -> the team's dots per level at the series' previous session. Only a
    check-in has them: any other room's posters (every tally a page renders) ask nothing."""
    if not room.series_days:
        return {}
    rows = db.session.execute(
        select(PreviousTally.item_id, PreviousTally.level, PreviousTally.count)
        .join(PosterItem, PosterItem.id == PreviousTally.item_id)
        .join(Poster, Poster.id == PosterItem.poster_id)
        .where(Poster.room_id == room.id)
    )
    found: dict[int, dict[str, int]] = {}
    for item_id, level, count in rows:
        found.setdefault(item_id, {})[level] = count
    return found


def movement_of(room: Room, entry: ItemTally) -> Movement | None:
    """The item's movement since the previous session, or None outside a check-in."""
    before = previous_counts(room).get(entry.item.id)
    if before is None:
        return None
    return measure(room_levels(room), entry.ref, entry.item.text, before, entry.counts)


@per_change
def room_movements(room: Room) -> list[Movement]:
    """Every item's movement, in poster and item order (empty outside a check-in)."""
    if not previous_counts(room):
        return []
    found = (movement_of(room, entry) for poster in tally(room) for entry in poster.items)
    return [movement for movement in found if movement is not None]


bp.template_globals(
    room_levels=room_levels,
    room_movements=room_movements,
    movement_of=movement_of,
    moved_most=moved_most,
)
