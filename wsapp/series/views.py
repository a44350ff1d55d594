"""The series' pages: planning a check-in, the series' record and its downloads."""

from __future__ import annotations

from flask import Response, abort, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from ..actions import ActionError, perform
from ..export.formats import md_inline, md_table, to_xlsx
from ..export.views import XLSX, _download
from ..identity import leads, remember_facilitator
from ..models import Room
from ..rooms.codes import led_room_or_403, room_by_code
from ..rooms.views import _go, join_url
from ..security import guard_room_opening
from .calendar import series_calendar
from .domain import bp, series_of, sessions_of
from .record import build_series, session_records, workbook_sheets

DELETED = (
    "That room no longer exists (its facilitator deleted it), so no check-in can be planned "
    "from it. Plan one from another session of its series on your rooms page."
)


@bp.post("/r/<code>/lead/checkin")
def plan_checkin(code: str) -> BaseResponse:
    """Open the series' next session from this room and lead it: the facilitator's page
    and rooms list post here."""
    room = room_by_code(code)
    if room is None:
        abort(404, DELETED)
    if not leads(room):
        abort(403, "Only the room's facilitator can plan a check-in.")
    guard_room_opening()
    form = {k: v for k, v in request.form.items() if k != "csrf_token"}
    try:
        done = perform(room.id, "series.checkin", form, as_facilitator=True)
    except ActionError as error:
        abort(error.status, error.message)
    checkin = room_by_code(str(done.reply["code"]))
    assert checkin is not None
    remember_facilitator(checkin, str(done.reply["key"]))
    return _go(url_for("rooms.lead", code=checkin.code))


def _title(room: Room) -> str:
    series = series_of(room)
    return series.title if series else room.title


@bp.get("/r/<code>/series")
def record(code: str) -> str:
    """Every session of the series on one page: posters and movement, plan, actions."""
    room = led_room_or_403(code)
    return render_template(
        "series/record.html", room=room, title=_title(room), sessions=session_records(room)
    )


@bp.get("/r/<code>/series.md")
def record_md(code: str) -> Response:
    room = led_room_or_403(code)
    parts = [f"# {md_inline(_title(room))}: the series"]
    for session in session_records(room):
        parts += [
            f"## {md_inline(session.label)}: {md_inline(session.room.title)}",
            f"{session.on:%d %B %Y} · room {session.room.code}",
            "### Posters",
            md_table([[str(c) for c in row] for row in session.posters]),
            "### Plan",
            md_table(session.plan),
            "### Actions",
            md_table([[str(c) for c in row] for row in session.actions])
            if len(session.actions) > 1
            else "No actions.",
        ]
    return _download(room, "series.md", "\n\n".join(parts) + "\n", "text/markdown")


@bp.get("/r/<code>/series.xlsx")
def record_xlsx(code: str) -> Response:
    room = led_room_or_403(code)
    return _download(room, "series.xlsx", to_xlsx(workbook_sheets(session_records(room))), XLSX)


@bp.get("/r/<code>/series.json")
def record_json(code: str) -> Response:
    room = led_room_or_403(code)
    body = build_series(room).model_dump_json(indent=2)
    return _download(room, "series.json", body, "application/json")


@bp.get("/r/<code>/series.ics")
def calendar(code: str) -> Response:
    """The check-ins' dates, for the facilitator's calendar (no mail server needed)."""
    room = led_room_or_403(code)
    body = series_calendar(_title(room), sessions_of(room), join_url, request.host)
    return _download(room, "check-ins.ics", body, "text/calendar")
