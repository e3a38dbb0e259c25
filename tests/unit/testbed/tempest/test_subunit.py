"""Reading subunit v2: a stream written by python-subunit's own encoder, then damaged ones."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest

from installer.testbed.tempest import subunit

DATA = Path(__file__).parent / "data"
SAMPLE = (DATA / "unittest-sample.subunit").read_bytes()  # see data/unittest_sample.py


def _statuses(stream: subunit.Stream) -> dict[str, str]:
    return {t.test_id: t.status for t in stream.tests.values()}


def test_the_reference_encoders_stream_gives_every_test_its_final_status():
    stream = subunit.parse(SAMPLE)
    assert stream.corrupt_packets == 0
    assert _statuses(stream) == {
        "sample_tests.BrokenClass.test_never": "exists",  # listed, never run: setUpClass failed
        "sample_tests.Passing.test_fails": "fail",
        "sample_tests.Passing.test_ok": "success",
        "sample_tests.Passing.test_skipped": "skip",
        "sample_tests.Passing.test_xfail": "xfail",
        "setUpClass (sample_tests.BrokenClass)": "fail",
    }


def test_attachments_and_times_come_with_the_test():
    tests = subunit.parse(SAMPLE).tests
    assert tests["sample_tests.Passing.test_skipped"].attachments == {
        "reason": "Config drive is not available"}
    traceback = tests["sample_tests.Passing.test_fails"].attachments["traceback"]
    assert traceback.startswith("Traceback (most recent call last):")
    assert traceback.rstrip().endswith("Details: {'code': 400}")
    assert "ValueError: no flavor with 256 MiB" in \
        tests["setUpClass (sample_tests.BrokenClass)"].attachments["traceback"]
    ok = tests["sample_tests.Passing.test_ok"]
    assert ok.started is not None and ok.stopped is not None
    assert 0 < ok.duration_s < 1


def test_bytes_between_packets_are_skipped():
    noisy = b"stray output\n" + SAMPLE[:200] + b"\xb3 not a packet\n" + SAMPLE[200:]
    # inserting noise at byte 200 may split a packet: then exactly that packet is lost
    stream = subunit.parse(b"stray output\n" + SAMPLE + b"\nmore output\xb3\x20")
    assert _statuses(stream) == _statuses(subunit.parse(SAMPLE))
    assert stream.corrupt_packets == 0
    assert subunit.parse(noisy).tests  # still read, never an exception


def _packet_starts(data: bytes) -> list[int]:
    starts, pos = [], 0
    while pos < len(data):
        assert data[pos] == subunit.SIGNATURE
        starts.append(pos)
        length, _used = subunit._varint(data, pos + 3)
        pos += length
    return starts


def test_a_damaged_packet_is_counted_and_the_rest_still_read():
    starts = _packet_starts(SAMPLE)
    # damage the body of the packet that ends test_ok
    target = next(s for s in starts if b"test_ok" in SAMPLE[s:s + 120]
                  and SAMPLE[s + 2] & 0x07 == 3)
    damaged = bytearray(SAMPLE)
    damaged[target + 12] ^= 0xFF
    stream = subunit.parse(bytes(damaged))
    assert stream.corrupt_packets == 1
    statuses = _statuses(stream)
    assert statuses["sample_tests.Passing.test_ok"] == "inprogress"  # its end was lost
    assert statuses["sample_tests.Passing.test_fails"] == "fail"
    assert statuses["sample_tests.Passing.test_xfail"] == "xfail"


def test_a_stream_cut_short_leaves_the_running_test_in_progress():
    starts = _packet_starts(SAMPLE)
    stream = subunit.parse(SAMPLE[:starts[-1]])
    assert "inprogress" in _statuses(stream).values()


def test_a_packet_built_by_hand_is_read_field_by_field():
    body = struct.pack(">I", 1_700_000_000) + bytes([0x40 | 0x01, 0x00])  # ts, 256 ns
    test_id = b"tempest.api.x.T.test_a[id-1,smoke]"
    body += bytes([len(test_id)]) + test_id
    body += bytes([1, 8]) + b"worker-0"  # one tag
    flags = 0x2000 | subunit.FLAG_TIMESTAMP | subunit.FLAG_TEST_ID | subunit.FLAG_TAGS | 3
    length = 1 + 2 + 1 + len(body) + 4
    head = bytes([subunit.SIGNATURE]) + struct.pack(">H", flags) + bytes([length])
    packet = head + body
    packet += struct.pack(">I", zlib.crc32(packet) & 0xFFFFFFFF)
    (test,) = subunit.parse(packet).tests.values()
    assert (test.test_id, test.status, test.tags) == (test_id.decode(), "success",
                                                     frozenset({"worker-0"}))
    assert test.stopped == pytest.approx(1_700_000_000 + 256e-9)


def test_text_that_is_no_subunit_at_all_is_an_error():
    with pytest.raises(subunit.SubunitError):
        subunit.parse(b"======\nFAIL: tempest.api...\n")
    assert subunit.parse(b"").tests == {}
