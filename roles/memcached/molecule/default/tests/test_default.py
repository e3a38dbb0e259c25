"""memcached: listens on the management address and loopback, nowhere else."""

from testinfra.host import Host


def test_listens_exactly_where_configured(host: Host) -> None:
    address = host.ansible.get_variables()["node_address"]
    # ss -Hltun columns: Netid State Recv-Q Send-Q Local Peer (TCP and UDP).
    listening = {
        line.split()[4]
        for line in host.check_output("ss -Hltun").splitlines()
        if line.split()[4].endswith(":11211")
    }
    assert listening == {f"{address}:11211", "127.0.0.1:11211"}


def test_answers_on_both_addresses(host: Host) -> None:
    address = host.ansible.get_variables()["node_address"]
    for target in (address, "127.0.0.1"):
        probe = (
            f"import socket; s = socket.create_connection(('{target}', 11211), 5); "
            "s.sendall(b'version\\r\\n'); print(s.recv(64).decode())"
        )
        out = host.check_output(f'python3 -c "{probe}"')
        assert out.startswith("VERSION ")
