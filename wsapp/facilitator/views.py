"""The facilitator's rooms page and its actions: open, duplicate, close, delete, import."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from ..actions import ActionError, perform
from ..export.domain import IMPORT_MAX_BYTES, parse_record, restore_room
from ..identity import remember_facilitator
from ..rooms.codes import led_room_or_403
from ..security import guard_room_opening
from . import bp
from .domain import delete_room, duplicate_room, led_rooms


@bp.get("/facilitator/rooms")
def rooms() -> str:
    return render_template(
        "facilitator/rooms.html", rooms=led_rooms(), import_max_mb=IMPORT_MAX_BYTES >> 20
    )


@bp.post("/facilitator/rooms/<code>/duplicate")
def duplicate(code: str) -> Response:
    room = led_room_or_403(code)
    guard_room_opening()
    copy, key = duplicate_room(room)
    remember_facilitator(copy, key)
    return redirect(url_for("rooms.lead", code=copy.code))


@bp.post("/facilitator/rooms/<code>/close")
def close(code: str) -> Response:
    room = led_room_or_403(code)
    try:
        perform(room.id, "room.close", {}, as_facilitator=True)
    except ActionError as error:
        flash(error.message)
    return redirect(url_for("facilitator.rooms"))


@bp.route("/facilitator/rooms/<code>/delete", methods=["GET", "POST"])
def delete(code: str) -> Response | str:
    room = led_room_or_403(code)
    if request.method == "GET":
        return render_template("facilitator/delete.html", room=room)
    room_id = room.id
    delete_room(room)
    led = dict(session.get("led", {}))
    led.pop(str(room_id), None)
    session["led"] = led
    return redirect(url_for("facilitator.rooms"))


@bp.post("/rooms/import")
def import_room() -> Response | tuple[str, int]:
    """Make a new room from an uploaded room.json; this browser leads it.

    The page posts with htmx, so the CSRF token travels in a header and the upload is read
    here, under its own size limit rather than the small one for every other request.
    """
    request.max_content_length = IMPORT_MAX_BYTES + 64 * 1024
    guard_room_opening()
    try:
        upload = request.files.get("record")
        if upload is None or not upload.filename:
            raise ActionError("Choose a room.json file to import.", 422)
        room, key = restore_room(parse_record(upload.stream.read(IMPORT_MAX_BYTES + 1)))
    except RequestEntityTooLarge:
        return _refused(
            f"That file is too large to import (over {IMPORT_MAX_BYTES >> 20} MB).", 413
        )
    except ActionError as error:
        return _refused(error.message, error.status)
    remember_facilitator(room, key)
    current_app.logger.info("room %s (id %d) imported from a room export", room.code, room.id)
    target = url_for("rooms.lead", code=room.code)
    if request.headers.get("HX-Request"):
        return Response(status=204, headers={"HX-Redirect": target})
    return redirect(target)


def _refused(message: str, status: int) -> tuple[str, int]:
    current_app.logger.info("room import refused (%d)", status)
    if request.headers.get("HX-Request"):
        return render_template("_flash.html", message=message, swap_oob=True), status
    flash(message)
    return render_template(
        "facilitator/rooms.html", rooms=led_rooms(), import_max_mb=IMPORT_MAX_BYTES >> 20
    ), status
