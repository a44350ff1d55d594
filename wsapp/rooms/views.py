"""Pages of a room, its join flow, and the HTTP door into the action dispatcher."""

from __future__ import annotations

import io

import segno
from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response as BaseResponse

from ..actions import ActionError, perform, person_without_device
from ..content import library
from ..extensions import db
from ..identity import (
    LinkKind,
    facilitator_link_key,
    key_opens,
    knock_in,
    leads,
    link_key,
    link_opens,
    participant_in,
    remember_facilitator,
    remember_knock,
    remember_participant,
    remember_projector,
    removed_from,
    watches,
)
from ..live import Viewer, per_change
from ..models import Participant, Room
from ..security import (
    TOO_MANY_ATTEMPTS,
    attempts_left,
    count_failed_attempt,
    guard_room_opening,
    out_of_guesses,
)
from .codes import led_room_or_403, normalise_code, room_by_code, room_or_404
from .domain import LOCKED_DOOR, bp, create_room, join_room, knock_on


@per_change
def _action_path(code: str, endpoint: str, name: str) -> str:
    return url_for(endpoint, code=code, name=name)


@bp.template_global
def act_url(room: Room, viewer: Viewer, name: str) -> str:
    """Where this page posts an action: the facilitator's door or a participant's.
    A wall of posters asks this for every button, so each answer is built once a change."""
    endpoint = "rooms.lead_act" if viewer.is_facilitator else "rooms.act"
    return _action_path(room.code, endpoint, name)


def join_url(room: Room) -> str:
    base = current_app.config["PUBLIC_URL"]
    path = url_for("rooms.join", code=room.code)
    return (
        f"{base.rstrip('/')}{path}"
        if base
        else url_for("rooms.join", code=room.code, _external=True)
    )


@bp.get("/")
def home() -> str:
    return render_template("home.html", kits=library().opening_kits())


@bp.post("/rooms")
def create() -> BaseResponse | tuple[str, int]:
    guard_room_opening()
    try:
        room, key = create_room(request.form.get("kit", ""), request.form.get("title", ""))
    except ActionError as error:
        flash(error.message)
        return render_template("home.html", kits=library().opening_kits()), error.status
    remember_facilitator(room, key)
    return redirect(url_for("rooms.lead", code=room.code))


@bp.route("/join", methods=["GET", "POST"])
def find() -> BaseResponse | tuple[str, int] | str:
    if request.method == "GET":
        return render_template("join_code.html", code=request.args.get("code", ""))
    typed = request.form.get("code", "")
    if out_of_guesses(typed):
        return render_template("join_code.html", code=typed, error=TOO_MANY_ATTEMPTS), 429
    room = room_by_code(typed) if normalise_code(typed) else None
    if room is None:
        count_failed_attempt("code")
        error = "No room has that code. Check it on the facilitator's screen and try again."
        return render_template("join_code.html", code=typed, error=error), 404
    return redirect(url_for("rooms.join", code=room.code))


REMOVED = "The facilitator removed you from this room, so you cannot join it again."


def _go(target: str) -> BaseResponse:
    """Send the browser on: htmx (a waiting screen's pushed answer) follows HX-Redirect."""
    if request.headers.get("HX-Request"):
        return BaseResponse(status=204, headers={"HX-Redirect": target})
    return redirect(target)


def _come_in(room: Room) -> BaseResponse | None:
    """Where a browser already in the room, let in or waiting at its door, goes instead."""
    member = participant_in(room)
    knock = knock_in(room) if member is None else None
    if knock is not None and knock.participant_id is not None:
        member = db.session.get(Participant, knock.participant_id)
        if member is not None:
            remember_participant(room, member)
    if member is not None and not member.removed_at:
        return _go(url_for("rooms.participant", code=room.code))
    if knock is not None and knock.waiting:
        return _go(url_for("rooms.wait", code=room.code))
    return None


@bp.route("/r/<code>/join", methods=["GET", "POST"])
def join(code: str) -> BaseResponse | tuple[str, int] | str:
    room = room_or_404(code)
    entry = _come_in(room)
    if entry is not None:
        return entry
    if removed_from(room):
        return render_template("join_name.html", room=room, refusal=REMOVED), 403
    if room.locked:
        return render_template("join_name.html", room=room, refusal=LOCKED_DOOR), 409
    if request.method == "GET":
        return render_template("join_name.html", room=room, knock=knock_in(room))
    name = request.form.get("name", "")
    try:
        if room.newcomers_wait:
            remember_knock(room, knock_on(room, name))
            return redirect(url_for("rooms.wait", code=room.code))
        participant = join_room(room, name)
    except ActionError as error:
        page = render_template("join_name.html", room=room, name=name, error=error.message)
        return page, error.status
    remember_participant(room, participant)
    return redirect(url_for("rooms.participant", code=room.code))


@bp.get("/r/<code>/wait")
def wait(code: str) -> BaseResponse | str:
    """The waiting screen: live until the facilitator lets this browser in or refuses."""
    room = room_or_404(code)
    knock = knock_in(room)
    if knock is not None and (knock.waiting or knock.refused):
        return render_template("rooms/wait.html", room=room, knock=knock)
    return _come_in(room) or redirect(url_for("rooms.join", code=room.code))


@bp.get("/r/<code>")
def participant(code: str) -> BaseResponse | str:
    room = room_or_404(code)
    member = participant_in(room)
    if member is None:
        return redirect(url_for("rooms.join", code=room.code))
    return render_template(
        "rooms/participant.html", room=room, viewer=Viewer("participant", member)
    )


@bp.get("/r/<code>/lead")
def lead(code: str) -> str:
    room = led_room_or_403(code)
    return render_template(
        "rooms/facilitate.html",
        room=room,
        viewer=Viewer("facilitator"),
        join_link=join_url(room),
        link_key=facilitator_link_key(room),
    )


def _acting_for_page(room: Room, person_id: int, view: str, back_url: str) -> str:
    try:
        person = person_without_device(room, person_id)
    except ActionError as error:
        abort(error.status, error.message)
    return render_template(
        "rooms/acting_for.html",
        room=room,
        person=person,
        viewer=Viewer(view, person),
        back_url=back_url,
    )


@bp.get("/r/<code>/lead/for/<int:person_id>")
def lead_for(code: str, person_id: int) -> str:
    """The facilitator places the dots of a person without a phone, and types their answer."""
    room = led_room_or_403(code)
    return _acting_for_page(room, person_id, "facilitator", url_for("rooms.lead", code=room.code))


@bp.get("/r/<code>/for/<int:person_id>")
def captain_for(code: str, person_id: int) -> str:
    """A table captain does the same from their phone."""
    room = room_or_404(code)
    member = participant_in(room)
    if member is None or not member.captain:
        abort(403, "Only the facilitator or a table captain can act for someone else.")
    back = url_for("rooms.participant", code=room.code)
    return _acting_for_page(room, person_id, "participant", back)


@bp.get("/r/<code>/projector")
def projector(code: str) -> str:
    """The room on the projector: for its facilitator's browser, or for one that opened the
    room's view-only projector link (which can watch and never act)."""
    room = room_or_404(code)
    if not (leads(room) or watches(room)):
        abort(
            403,
            "This page is for the room's projector. Open the projector link from the "
            "facilitator's page on this computer.",
        )
    return render_template(
        "rooms/projector.html", room=room, viewer=Viewer("projector"), join_link=join_url(room)
    )


def _private_link(room: Room, kind: LinkKind, endpoint: str) -> str | None:
    """A room's private link of ``kind``, its secret in the fragment, or None if revoked."""
    key = link_key(room, kind)
    if key is None:
        return None
    return url_for(endpoint, code=room.code, _external=True) + "#" + key


@bp.template_global
def projector_link_url(room: Room) -> str | None:
    """The view-only projector link."""
    return _private_link(room, "projector", "rooms.watch")


@bp.template_global
def cofacilitator_link_url(room: Room) -> str | None:
    """The co-facilitator's private link (a facilitator link with the second key)."""
    return _private_link(room, "cofacilitator", "rooms.claim")


def _qr_svg(text: str, title: str, cache: str) -> Response:
    qr = segno.make(text, error="m")
    svg = io.BytesIO()
    qr.save(
        svg,
        kind="svg",
        scale=8,
        border=2,
        dark="#000",
        light="#fff",
        xmldecl=False,
        svgns=True,
        omitsize=True,
        title=title,
    )
    return Response(svg.getvalue(), mimetype="image/svg+xml", headers={"Cache-Control": cache})


@bp.get("/r/<code>/qr.svg")
def qr_code(code: str) -> Response:
    room = room_or_404(code)
    return _qr_svg(join_url(room), f"Join room {room.code}", "private, max-age=3600")


@bp.get("/r/<code>/projector-qr.svg")
def projector_qr_code(code: str) -> Response:
    """The projector link as a QR code: it carries the secret, so only the facilitator gets
    it, and never from a cache once the link has changed."""
    room = led_room_or_403(code)
    link = projector_link_url(room)
    if link is None:
        abort(404, "This room has no projector link now.")
    return _qr_svg(link, f"Projector link for room {room.code}", "private, no-store")


@bp.route("/r/<code>/watch", methods=["GET", "POST"])
def watch(code: str) -> BaseResponse | tuple[str, int] | str:
    """The view-only projector link: /r/<code>/watch#<key>, posted from the page like the
    facilitator's link, so the secret never reaches a log."""
    room = room_or_404(code)
    page = {"room": room, "purpose": "projector"}
    if request.method == "GET":
        return render_template("claim.html", **page)
    if not attempts_left("claim"):
        return render_template("claim.html", **page, error=TOO_MANY_ATTEMPTS), 429
    key = request.form.get("key", "")
    if not link_opens(room, "projector", key):
        count_failed_attempt("claim")
        error = (
            "That projector link is not right for this room (or was replaced). "
            "Ask the facilitator for the new one."
        )
        return render_template("claim.html", **page, error=error), 403
    remember_projector(room, key)
    return redirect(url_for("rooms.projector", code=room.code))


@bp.route("/claim/<code>", methods=["GET", "POST"])
def claim(code: str) -> BaseResponse | tuple[str, int] | str:
    """The private facilitator link: /claim/<code>#<key>.

    The key travels in the URL's fragment, which browsers never send, so no server or
    proxy log records it; claim.js posts it here from the page.
    """
    room = room_or_404(code)
    if request.method == "GET":
        return render_template("claim.html", room=room)
    key = request.form.get("key", "")
    if not attempts_left("claim"):
        return render_template("claim.html", room=room, error=TOO_MANY_ATTEMPTS), 429
    if not key_opens(room, key):
        count_failed_attempt("claim")
        error = "That facilitator link is not right for this room. Copy the whole link again."
        return render_template("claim.html", room=room, error=error), 403
    remember_facilitator(room, key)
    return redirect(url_for("rooms.lead", code=room.code))


@bp.post("/r/<code>/lead/link")
def new_link(code: str) -> BaseResponse:
    """A new private facilitator link for a room whose key this browser no longer holds
    (it keeps only the last few); the old link stops working."""
    room = led_room_or_403(code)
    try:
        done = perform(room.id, "room.new_key", {}, as_facilitator=True)
    except ActionError as error:
        abort(error.status, error.message)
    remember_facilitator(room, str(done.reply["key"]))
    return redirect(url_for("rooms.lead", code=room.code, _anchor="private-link"))


def _act(code: str, name: str, *, as_facilitator: bool) -> tuple[str, int]:
    room = room_or_404(code)
    try:
        done = perform(room.id, name, request.form.to_dict(), as_facilitator=as_facilitator)
    except ActionError as error:
        return render_template("_flash.html", message=error.message, swap_oob=True), error.status
    cleared = render_template("_flash.html", message=None, swap_oob=True)
    return cleared + done.acted_for_html, 200


@bp.post("/r/<code>/act/<name>")
def act(code: str, name: str) -> tuple[str, int]:
    return _act(code, name, as_facilitator=False)


@bp.post("/r/<code>/lead/act/<name>")
def lead_act(code: str, name: str) -> tuple[str, int]:
    return _act(code, name, as_facilitator=True)
