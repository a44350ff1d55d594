"""permessage-deflate only where it pays: on messages of several network packets.

Browsers offer permessage-deflate and simple-websocket (under Engine.IO) accepts it for
every message. A change's push to a phone is about 0.4-2 KB of HTML (a dot's, with the
item's tally, about 1.5 KB), one or two packets compressed or not, so compressing it costs
the server CPU for each phone (zlib and wsproto's framing, once per recipient of every
push: 7 % of a process's CPU under the benchmark's dots when the limit was 1,200 bytes)
and saves the phone nothing that matters on Wi-Fi; a full room state (tens of KB, on a
phase move or a reconnect) still goes compressed. RFC 7692 lets a sender leave any message
uncompressed (RSV1 unset), and a message left out never enters the compressor's window,
so both ends stay in step.

simple-websocket builds its ``PerMessageDeflate`` by that name in its module; ``install``
puts this subclass there. It is the server's business (``wsgi.py``), not the app's.
"""

from __future__ import annotations

import simple_websocket.ws
from wsproto.extensions import PerMessageDeflate
from wsproto.frame_protocol import FrameDecoder, FrameProtocol, Opcode, RsvBits

# A TCP segment on Ethernet or Wi-Fi carries 1,460 bytes: below this a message takes at
# most three, and every change's push is below it.
DEFLATE_FROM = 4096


class DeflateLarge(PerMessageDeflate):
    """permessage-deflate for messages of DEFLATE_FROM bytes or more; shorter ones sent as
    they are."""

    _as_is = False  # the message being sent (over all its frames) goes uncompressed

    def frame_outbound(
        self,
        proto: FrameDecoder | FrameProtocol,
        opcode: Opcode,
        rsv: RsvBits,
        data: bytes,
        fin: bool,
    ) -> tuple[RsvBits, bytes]:
        if opcode in (Opcode.TEXT, Opcode.BINARY):  # a message's first frame
            self._as_is = fin and len(data) < DEFLATE_FROM
        if self._as_is and opcode in (Opcode.TEXT, Opcode.BINARY, Opcode.CONTINUATION):
            return rsv, data
        return super().frame_outbound(proto, opcode, rsv, data, fin)


def install() -> None:
    """Every websocket accepted from now on compresses only long messages."""
    simple_websocket.ws.PerMessageDeflate = DeflateLarge
