"""permessage-deflate on long messages only (wsapp.deflate), as a browser would read them."""

from __future__ import annotations

from wsproto.extensions import PerMessageDeflate
from wsproto.frame_protocol import FrameProtocol, Opcode

from wsapp.deflate import DEFLATE_FROM, DeflateLarge


def _pair() -> tuple[FrameProtocol, FrameProtocol]:
    """A server compressing with DeflateLarge and a client reading with wsproto's own
    permessage-deflate, as negotiated with a browser's default offer."""
    server_side, client_side = DeflateLarge(), PerMessageDeflate()
    offer = str(client_side.offer())
    client_side.finalize(str(server_side.accept(offer)))
    return FrameProtocol(client=False, extensions=[server_side]), FrameProtocol(
        client=True, extensions=[client_side]
    )


def test_short_messages_go_as_they_are_and_long_ones_compressed_and_all_read_back() -> None:
    server, client = _pair()
    push = '42["swap",{"v":%d,"html":"<p id=\\"x\\">%s</p>"}]'
    messages = [
        push % (1, "a short push"),
        push % (2, "a full state " * 400),
        push % (3, "another short push"),
        push % (5, "a dot's push, with the item's tally: " * 40),  # about 1.5 KB
        push % (4, "a second full state " * 300),
    ]
    for message in messages:
        wire = server.send_data(message, fin=True)
        compressed = bool(wire[0] & 0x40)  # RSV1: this message is deflated
        assert compressed == (len(message.encode()) >= DEFLATE_FROM)
        if compressed:
            assert len(wire) < len(message) / 4
        client.receive_bytes(bytes(wire))
        (frame,) = list(client.received_frames())
        assert frame.opcode is Opcode.TEXT
        assert frame.payload == message
