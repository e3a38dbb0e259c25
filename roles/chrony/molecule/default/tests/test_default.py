"""chrony (single node = time server): runs with -x in the container and serves NTP."""

import os

from testinfra.host import Host


def test_chrony_runs_and_is_enabled(host: Host) -> None:
    service = host.service("chrony")
    assert service.is_running
    assert service.is_enabled


def test_clock_control_is_off_in_the_container(host: Host) -> None:
    assert host.run("systemd-detect-virt --container").rc == 0
    assert '-x"' in host.file("/etc/default/chrony").content_string
    assert " -x" in host.check_output("ps -o args= -C chronyd")


def test_serves_its_local_clock(host: Host) -> None:
    conf = host.file("/etc/chrony/chrony.conf").content_string.splitlines()
    assert "local stratum 10" in conf
    assert f"allow {os.environ['STACKINSTALL_MOLECULE_SUBNET']}" in conf
    # the server serves on the node's management address only, never on every address
    address = os.environ["STACKINSTALL_MOLECULE_ADDRESS"]
    assert f"bindaddress {address}" in conf
    assert host.socket(f"udp://{address}:123").is_listening
    assert not host.socket("udp://0.0.0.0:123").is_listening
    tracking = host.check_output("chronyc -n tracking")
    assert "Stratum         : 10" in tracking
