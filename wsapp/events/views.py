"""An event's pages: making one, its lead's page and projector view, the facilitators' page
that opens or attaches rooms, and the roll-up's exports."""

from __future__ import annotations

from collections.abc import Sequence

from flask import Response, flash, make_response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from ..actions import ActionError, perform
from ..content import library
from ..export.formats import Cell, to_csv, to_xlsx
from ..export.views import XLSX, download
from ..facilitator.domain import led_rooms
from ..identity import leads, remember_facilitator
from ..models import Event, Room
from ..posters.domain import posters_phase
from ..rooms.codes import room_by_code
from ..rooms.domain import create_room
from ..security import TOO_MANY_ATTEMPTS, attempts_left, count_failed_attempt, guard_room_opening
from ..text import one_line, typed
from .domain import (
    EVENT_NAME_MAX,
    TEAM_MAX,
    Rollup,
    bp,
    create_event,
    event_or_404,
    led_event_or_403,
    new_organiser_link,
    new_rooms_link,
    open_organiser_link,
    rename_event,
    rollup,
    rooms_key,
    rooms_key_opens,
)


@bp.route("/events/new", methods=["GET", "POST"])
def new() -> BaseResponse | tuple[str, int] | str:
    if request.method == "GET":
        return render_template("events/new.html", name_max=EVENT_NAME_MAX)
    guard_room_opening()
    try:
        event, secret = create_event(request.form.get("name", ""))
    except ActionError as error:
        page = render_template(
            "events/new.html",
            name_max=EVENT_NAME_MAX,
            name=request.form.get("name", ""),
            error=error.message,
        )
        return page, error.status
    return _lead_page(event, organiser_secret=secret)


def _lead_page(event: Event, organiser_secret: str | None = None) -> Response:
    """The lead's page; with a new organiser link's secret, shown this once (never cached)."""
    organiser_link = None
    if organiser_secret is not None:
        organiser_link = url_for("events.open_link", code=event.code, _external=True)
        organiser_link += f"#{organiser_secret}"
    response = make_response(
        render_template(
            "events/event.html",
            rollup=rollup(event),
            organiser_link=organiser_link,
            rooms_link=_rooms_link(event),
            name_max=EVENT_NAME_MAX,
            action_filter=_action_filter(),
        )
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _rooms_link(event: Event) -> str:
    return url_for("events.rooms", code=event.code, _external=True) + "#" + rooms_key(event)


def _action_filter() -> dict[str, str]:
    """The actions list's filter, from the page's address (the page's script applies it
    without a reload, and to rows pushed later)."""
    return {
        "team": request.args.get("team", "")[:20],
        "status": request.args.get("status", "")[:20],
        "q": request.args.get("q", "")[:100],
    }


@bp.get("/e/<code>")
def lead(code: str) -> Response:
    return _lead_page(led_event_or_403(code))


@bp.get("/e/<code>/projector")
def projector(code: str) -> str:
    event = led_event_or_403(code)
    return render_template("events/projector.html", rollup=rollup(event))


@bp.route("/e/<code>/open", methods=["GET", "POST"])
def open_link(code: str) -> BaseResponse | tuple[str, int] | str:
    """The private organiser link: /e/<code>/open#<secret>, posted from the page (the
    secret stays in the fragment, out of every log)."""
    event = event_or_404(code)
    if request.method == "GET":
        return render_template("events/open.html", event=event)
    if not attempts_left("claim"):
        return render_template("events/open.html", event=event, error=TOO_MANY_ATTEMPTS), 429
    if not open_organiser_link(event, request.form.get("key", "")):
        count_failed_attempt("claim")
        error = (
            "That organiser link is not right for this event (it may have been replaced). "
            "Ask whoever leads the event for the new one."
        )
        return render_template("events/open.html", event=event, error=error), 403
    return redirect(url_for("events.lead", code=event.code))


@bp.post("/e/<code>/organiser-link")
def organiser_link(code: str) -> Response:
    event = led_event_or_403(code)
    return _lead_page(event, organiser_secret=new_organiser_link(event))


@bp.post("/e/<code>/facilitators-link")
def facilitators_link(code: str) -> BaseResponse:
    event = led_event_or_403(code)
    new_rooms_link(event)
    flash("The facilitators' link is new: the old one no longer opens or attaches rooms.")
    return redirect(url_for("events.lead", code=event.code, _anchor="facilitators-link"))


@bp.post("/e/<code>/name")
def rename(code: str) -> BaseResponse:
    event = led_event_or_403(code)
    try:
        rename_event(event, request.form.get("name", ""))
    except ActionError as error:
        flash(error.message)
    return redirect(url_for("events.lead", code=event.code))


# --- The facilitators' link ---------------------------------------------------------------


def _rooms_page(event: Event, status: int = 200, **context: object) -> tuple[str, int]:
    led = [room for room in _my_rooms() if room.event_id != event.id and not room.is_closed]
    page = render_template(
        "events/rooms.html",
        event=event,
        kits=list(library().kits.values()),
        # The heat map needs posters: a kit with them is offered first.
        dotting_kit=next(
            (kit.id for kit in library().kits.values() if posters_phase(kit) is not None), ""
        ),
        my_rooms=led,
        team_max=TEAM_MAX,
        form=request.form,
        **context,
    )
    return page, status


def _my_rooms() -> list[Room]:
    return [led.room for led in led_rooms()]


@bp.route("/e/<code>/rooms", methods=["GET", "POST"])
def rooms(code: str) -> BaseResponse | tuple[str, int]:
    """The facilitators' link, /e/<code>/rooms#<key>: open a room in the event, or attach
    one this browser leads, each labelled with its team. The page's script puts the key
    from the fragment into the forms."""
    event = event_or_404(code)
    if request.method == "GET":
        return _rooms_page(event)
    if not attempts_left("claim"):
        return _rooms_page(event, 429, error=TOO_MANY_ATTEMPTS)
    key = request.form.get("key", "")
    if not rooms_key_opens(event, key):
        count_failed_attempt("claim")
        error = (
            "This link does not open rooms in the event (it may have been replaced). "
            "Ask the event's lead for the facilitators' link again."
        )
        return _rooms_page(event, 403, error=error)
    team = one_line(typed(request.form.get("team", "")))
    if not team:
        return _rooms_page(event, 422, error="Give your team's name: the event sees it.")
    if len(team) > TEAM_MAX:
        error = f"A team's name can be at most {TEAM_MAX} characters."
        return _rooms_page(event, 422, error=error)
    raw = {"event": event.code, "key": key, "team": team}
    if request.form.get("room"):
        room = room_by_code(request.form["room"])
        if room is None or not leads(room):
            return _rooms_page(event, 403, error="You can only attach a room you lead.")
    else:
        guard_room_opening()
        try:
            room, room_key = create_room(request.form.get("kit", ""), request.form.get("title", ""))
        except ActionError as error:
            return _rooms_page(event, error.status, error=error.message)
        remember_facilitator(room, room_key)
    try:
        perform(room.id, "event.attach", raw, as_facilitator=True)
    except ActionError as error:
        return _rooms_page(event, error.status, error=error.message)
    return redirect(url_for("rooms.lead", code=room.code))


# --- Exports ------------------------------------------------------------------------------


def _shown(value: float | None) -> Cell:
    return "" if value is None else f"{value:+.2f}"


def poster_sheets(rolled: Rollup) -> list[tuple[str, list[Sequence[Cell]]]]:
    """A sheet per poster: its items down, the rooms that dot it across, each cell the
    room's mean (green +1, yellow 0, red -1); blank until the room shares its numbers."""
    sheets: list[tuple[str, list[Sequence[Cell]]]] = []
    for poster_set in rolled.sets:
        rooms = rolled.in_set(poster_set.key)
        for column in poster_set.posters:
            header: list[Cell] = [f"{column.poster.key}. {column.poster.title}"]
            header += [room.team for room in rooms]
            rows: list[Sequence[Cell]] = [header]
            for item in column.items:
                row: list[Cell] = [f"{item.ref} {item.text}"]
                for room in rooms:
                    entry = room.tallies.get(item.ref)
                    row.append(_shown(entry.mean) if entry else "")
                rows.append(row)
            rows.append(["Shares its numbers", *["yes" if r.shares else r.why_not for r in rooms]])
            sheets.append((f"{column.poster.key} {column.poster.title}", rows))
    return sheets


def rollup_rows(rolled: Rollup) -> list[Sequence[Cell]]:
    """One row per room and item, with its average and its dots by level: for a pivot
    table."""
    rows: list[Sequence[Cell]] = [
        ["Team", "Room", "Phase", "People", "Dots", "Item", "Text", "Average", "Dots by level"]
    ]
    for room in rolled.rooms:
        lead: list[Cell] = [room.team, room.room.title, room.phase, room.people, room.dots]
        if not room.shares:
            rows.append([*lead, "", room.why_not, "", ""])
        for ref, entry in room.tallies.items():
            levels = ", ".join(f"{level} {n}" for level, n in entry.counts.items())
            rows.append([*lead, ref, entry.item.text, _shown(entry.mean), levels])
    return rows


@bp.get("/e/<code>/export/rollup.xlsx")
def rollup_xlsx(code: str) -> Response:
    rolled = rollup(led_event_or_403(code))
    return download(rolled.event.name, "rollup.xlsx", to_xlsx(poster_sheets(rolled)), XLSX)


@bp.get("/e/<code>/export/rollup.csv")
def rollup_csv(code: str) -> Response:
    rolled = rollup(led_event_or_403(code))
    return download(rolled.event.name, "rollup.csv", to_csv(rollup_rows(rolled)), "text/csv")


@bp.get("/e/<code>/print")
def print_page(code: str) -> str:
    return render_template("events/print.html", rollup=rollup(led_event_or_403(code)))
