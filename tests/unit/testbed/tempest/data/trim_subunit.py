"""Keep the packets of some tests of a subunit v2 stream, byte for byte (CRCs intact).

tempest-smoke.subunit was made from the lab's first smoke run (tempest 33, 2026-11-22):

    python trim_subunit.py RUN.subunit 'test_credentials_create_get_update_delete|
        test_api_discovery.TestApiDiscovery.test_list_api_versions|AccountTest|
        ServerAddressesTestJSON|ServersTestJSON.test_verify_server_details' > tempest-smoke.subunit

and checked with python-subunit's own reader (subunit2csv). subunit-filter would re-encode
the stream and drop the 'inprogress' packets that carry the start times.
"""

import re
import struct
import sys
from pathlib import Path


def main() -> None:
    data = Path(sys.argv[1]).read_bytes()
    wanted = re.compile(sys.argv[2].encode())
    out = sys.stdout.buffer
    pos = 0
    while pos < len(data):
        assert data[pos] == 0xB3, f"not a packet at {pos}"
        first = data[pos + 3]
        size = (first >> 6) + 1
        length = first & 0x3F
        for byte in data[pos + 4:pos + 3 + size]:
            length = (length << 8) | byte
        packet = data[pos:pos + length]
        flags = struct.unpack(">H", packet[1:3])[0]
        if flags & 0x0800 and wanted.search(packet):
            out.write(packet)
        pos += length


if __name__ == "__main__":
    main()
