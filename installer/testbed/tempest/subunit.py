"""Read a subunit v2 stream (what ``stestr last --subunit`` prints) into one result per test.

The format (python-subunit's ``v2.py`` is the reference): packets of a signature byte 0xB3,
16 flag bits, a length varint, optional fields in a fixed order (timestamp, test id, tags,
MIME type, file content, route code) and a CRC32 of everything before it. A test reports
``inprogress`` then a final status, with its attachments (``traceback``, ``reason``) as file
content, possibly in several chunks. Bytes between packets (a v1 stream, stray output) are
skipped, and a packet whose CRC does not match is counted and skipped, never guessed at.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field

SIGNATURE = 0xB3
FLAG_TEST_ID = 0x0800
FLAG_ROUTE_CODE = 0x0400
FLAG_TIMESTAMP = 0x0200
FLAG_TAGS = 0x0080
FLAG_FILE_CONTENT = 0x0040
FLAG_MIME_TYPE = 0x0020
VERSION_MASK = 0xF000
VERSION_2 = 0x2000
STATUS = ("", "exists", "inprogress", "success", "uxsuccess", "skip", "fail", "xfail")
#: Statuses that end a test (``exists`` and ``inprogress`` do not).
FINAL = frozenset({"success", "uxsuccess", "skip", "fail", "xfail"})


class SubunitError(ValueError):
    """The stream is not subunit v2 at all."""


@dataclass(frozen=True)
class Packet:
    test_id: str | None
    status: str
    timestamp: float | None = None
    tags: frozenset[str] = frozenset()
    file_name: str | None = None
    file_bytes: bytes = b""


@dataclass
class TestResult:
    """A test's status, its attachments (decoded) and its start and stop times.

    ``status`` is a final one (:data:`FINAL`), or ``inprogress`` for a test that started and
    never ended (the run was stopped), or ``exists`` for one that was only listed.
    """

    test_id: str
    status: str = "exists"
    attachments: dict[str, str] = field(default_factory=dict)
    tags: frozenset[str] = frozenset()
    started: float | None = None
    stopped: float | None = None

    @property
    def duration_s(self) -> float:
        if self.started is None or self.stopped is None:
            return 0.0
        return max(0.0, self.stopped - self.started)


@dataclass
class Stream:
    """Every test of a stream, in the order each first appeared, and how many packets were bad."""

    tests: dict[str, TestResult] = field(default_factory=dict)
    corrupt_packets: int = 0


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    """(value, bytes used) of the varint at ``pos``: the top two bits say 1 to 4 bytes."""
    first = data[pos]
    size = (first >> 6) + 1
    if pos + size > len(data):
        raise IndexError("varint past the end of the packet")
    value = first & 0x3F
    for byte in data[pos + 1:pos + size]:
        value = (value << 8) | byte
    return value, size


def _utf8(data: bytes, pos: int) -> tuple[str, int]:
    length, used = _varint(data, pos)
    start = pos + used
    if start + length > len(data):
        raise IndexError("string past the end of the packet")
    return data[start:start + length].decode("utf-8"), start + length


def _body(body: bytes, flags: int) -> Packet:
    pos = 0
    timestamp = None
    if flags & FLAG_TIMESTAMP:
        seconds = struct.unpack(">I", body[pos:pos + 4])[0]
        nanos, used = _varint(body, pos + 4)
        pos += 4 + used
        timestamp = seconds + nanos / 1e9
    test_id = None
    if flags & FLAG_TEST_ID:
        test_id, pos = _utf8(body, pos)
    tags: set[str] = set()
    if flags & FLAG_TAGS:
        count, used = _varint(body, pos)
        pos += used
        for _ in range(count):
            tag, pos = _utf8(body, pos)
            tags.add(tag)
    if flags & FLAG_MIME_TYPE:
        _mime, pos = _utf8(body, pos)
    file_name, file_bytes = None, b""
    if flags & FLAG_FILE_CONTENT:
        file_name, pos = _utf8(body, pos)
        length, used = _varint(body, pos)
        pos += used
        file_bytes = body[pos:pos + length]
        if len(file_bytes) != length:
            raise IndexError("file content past the end of the packet")
    return Packet(test_id, STATUS[flags & 0x0007], timestamp, frozenset(tags), file_name,
                  bytes(file_bytes))


def packets(data: bytes) -> tuple[list[Packet], int]:
    """Every well-formed packet of ``data`` and the number of corrupt ones skipped."""
    found: list[Packet] = []
    corrupt = 0
    pos = 0
    while True:
        pos = data.find(bytes([SIGNATURE]), pos)
        if pos < 0 or pos + 4 > len(data):
            return found, corrupt
        flags = struct.unpack(">H", data[pos + 1:pos + 3])[0]
        try:
            if flags & VERSION_MASK != VERSION_2:
                raise ValueError("not a version 2 packet")
            length, used = _varint(data, pos + 3)
            end = pos + length
            if length < 3 + used + 4 or end > len(data):
                raise ValueError("bad length")
            crc = struct.unpack(">I", data[end - 4:end])[0]
            if zlib.crc32(data[pos:end - 4]) & 0xFFFFFFFF != crc:
                raise ValueError("bad checksum")
            found.append(_body(data[pos + 3 + used:end - 4], flags))
        except (ValueError, IndexError, UnicodeDecodeError, struct.error):
            # stray bytes that happen to be 0xB3, or a damaged packet: resynchronise
            if flags & VERSION_MASK == VERSION_2:
                corrupt += 1
            pos += 1
            continue
        pos = end


def parse(data: bytes) -> Stream:
    """The tests of a subunit v2 stream; attachments of the same name are concatenated."""
    if data and SIGNATURE not in data:
        raise SubunitError("no subunit v2 packet in the stream")
    found, corrupt = packets(data)
    stream = Stream(corrupt_packets=corrupt)
    for packet in found:
        if not packet.test_id:
            continue
        test = stream.tests.setdefault(packet.test_id, TestResult(packet.test_id))
        if packet.tags:
            test.tags = test.tags | packet.tags
        if packet.file_name is not None:
            text = packet.file_bytes.decode("utf-8", errors="replace")
            test.attachments[packet.file_name] = test.attachments.get(packet.file_name, "") + text
        if packet.status == "inprogress":
            test.started = test.started if test.started is not None else packet.timestamp
            if test.status not in FINAL:
                test.status = "inprogress"
        elif packet.status in FINAL:
            test.status = packet.status
            test.stopped = packet.timestamp
    return stream
