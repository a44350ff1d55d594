"""The facilitator's rooms page and its actions: open, duplicate, close, reopen, delete,
import."""

from __future__ import annotations

from flask import (
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from ..actions import ActionError, perform
from ..export.domain import IMPORT_MAX_BYTES
from ..feature import Feature
from ..identity import (
    adopt_rooms_of,
    current_facilitator,
    facilitator_by_link,
    new_rooms_link,
    remember_facilitator,
    revoke_rooms_link,
)
from ..rooms.codes import led_room_or_403
from ..security import (
    TOO_MANY_ATTEMPTS,
    attempts_left,
    count_failed_attempt,
    csrf,
    guard_room_opening,
)
from ..series.record import restore_upload
from .domain import delete_room, duplicate_room, led_rooms

bp = Feature("facilitator", __name__)


def _rooms_page(status: int = 200, **context: object) -> tuple[str, int]:
    facilitator = current_facilitator()
    return render_template(
        "facilitator/rooms.html",
        rooms=led_rooms(),
        import_max_mb=IMPORT_MAX_BYTES >> 20,
        has_link=facilitator is not None and facilitator.link_hash is not None,
        **context,
    ), status


@bp.get("/facilitator/rooms")
def rooms() -> tuple[str, int]:
    return _rooms_page()


@bp.post("/facilitator/rooms/link")
def make_rooms_link() -> Response | tuple[str, int]:
    """A private link to this facilitator's rooms, shown once: only its hash is kept.
    Making it anew (or revoking it) stops the old one and signs out the browsers that
    opened it."""
    facilitator = current_facilitator()
    if facilitator is None:
        return redirect(url_for("facilitator.rooms"))
    if request.form.get("revoke"):
        revoke_rooms_link(facilitator)
        flash("Your private link to your rooms no longer works. Make a new one when you need it.")
        return redirect(url_for("facilitator.rooms"))
    secret = new_rooms_link(facilitator)
    link = f"{url_for('facilitator.open_rooms', _external=True)}#{secret}"
    response = make_response(_rooms_page(rooms_link=link))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/facilitator/rooms/open", methods=["GET", "POST"])
def open_rooms() -> Response | tuple[str, int] | str:
    """The private "my rooms" link: /facilitator/rooms/open#<secret>. Like a room's
    facilitator link, the secret stays in the fragment; the page posts it here."""
    if request.method == "GET":
        return render_template("facilitator/open.html")
    if not attempts_left("claim"):
        flash(TOO_MANY_ATTEMPTS)
        return render_template("facilitator/open.html"), 429
    facilitator = facilitator_by_link(request.form.get("key", ""))
    if facilitator is None:
        count_failed_attempt("claim")
        flash(
            "That link to your rooms does not work (it may have been replaced). "
            "Make a new one on a device that has your rooms."
        )
        return render_template("facilitator/open.html"), 403
    adopt_rooms_of(facilitator)
    return redirect(url_for("facilitator.rooms"))


@bp.post("/facilitator/rooms/<code>/duplicate")
def duplicate(code: str) -> Response:
    room = led_room_or_403(code)
    guard_room_opening()
    copy, key = duplicate_room(room)
    remember_facilitator(copy, key)
    return redirect(url_for("rooms.lead", code=copy.code))


def _act_from_rooms(code: str, name: str) -> Response:
    room = led_room_or_403(code)
    try:
        perform(room.id, name, {}, as_facilitator=True)
    except ActionError as error:
        flash(error.message)
    return redirect(url_for("facilitator.rooms"))


@bp.post("/facilitator/rooms/<code>/close")
def close(code: str) -> Response:
    return _act_from_rooms(code, "room.close")


@bp.post("/facilitator/rooms/<code>/reopen")
def reopen(code: str) -> Response:
    return _act_from_rooms(code, "room.reopen")


@bp.route("/facilitator/rooms/<code>/delete", methods=["GET", "POST"])
def delete(code: str) -> Response | str:
    room = led_room_or_403(code)
    if request.method == "GET":
        return render_template("facilitator/delete.html", room=room)
    delete_room(room)
    return redirect(url_for("facilitator.rooms"))


@bp.post("/rooms/import")
@csrf.exempt
def import_room() -> Response | tuple[str, int]:
    """Make a new room from an uploaded room.json; this browser leads it.

    The upload is read here, under its own size limit rather than the small one for every
    other request; so is the CSRF check, which reads the form too (the page posts with
    htmx, so the token also travels in a header).
    """
    request.max_content_length = IMPORT_MAX_BYTES + 64 * 1024
    try:
        csrf.protect()  # here, once the upload's own limit is set (it reads the form)
        guard_room_opening()
        upload = request.files.get("record")
        if upload is None or not upload.filename:
            raise ActionError("Choose a room.json file to import.", 422)
        made = restore_upload(upload.stream.read(IMPORT_MAX_BYTES + 1))
    except RequestEntityTooLarge:
        return _refused(
            f"That file is too large to import (over {IMPORT_MAX_BYTES >> 20} MB).", 413
        )
    except ActionError as error:
        return _refused(error.message, error.status)
    source = "a room export" if len(made) == 1 else "a series export"
    for room, key in made:
        remember_facilitator(room, key)
        current_app.logger.info("room %s (id %d) imported from %s", room.code, room.id, source)
    room = made[-1][0]  # a series' latest session
    target = url_for("rooms.lead", code=room.code)
    if request.headers.get("HX-Request"):
        return Response(status=204, headers={"HX-Redirect": target})
    return redirect(target)


def _refused(message: str, status: int) -> tuple[str, int]:
    current_app.logger.info("room import refused (%d)", status)
    if request.headers.get("HX-Request"):
        return render_template("_flash.html", message=message, swap_oob=True), status
    flash(message)
    return _rooms_page(status)
