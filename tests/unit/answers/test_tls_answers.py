"""The answer file's tls section: validate refuses bad input (file, line, key, fix) before
anything changes; a provided certificate is copied into the deployment directory."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from installer.answers import check, load
from installer.paths import DeployPaths
from installer.render import render
from installer.tls import certs

NOW = datetime.datetime.now(datetime.UTC)


def _tls(path: Path, **settings: str) -> Path:
    """Set tls keys of the sample (its tls section lists every key)."""
    lines = path.read_text().splitlines()
    start = lines.index("tls:")
    for key, value in settings.items():
        index = next(i for i in range(start, len(lines))
                     if lines[i].startswith(f"  {key}:"))
        lines[index] = f"  {key}: {value}"
    path.write_text("\n".join(lines) + "\n")
    return path


def _problems(path: Path) -> dict[str, tuple[str, str, int | None]]:
    return {p.key: (p.message, p.fix, p.line) for p in check(path)[3]}


def _write_provided(tmp: Path, names: list[str], *, days: int = 200,
                    other_key: bool = False) -> None:
    """A test CA and a server certificate it issued, as an operator would give them."""
    ca, ca_key = certs.make_ca("operator test CA")
    cert, key = certs.issue_server(ca, ca_key, names,
                                   not_after=NOW + datetime.timedelta(days=days))
    if other_key:
        key = certs.new_key()
    (tmp / "server.pem").write_bytes(certs.cert_pem(cert))
    (tmp / "server.key").write_bytes(certs.key_pem(key))
    (tmp / "ca.pem").write_bytes(certs.cert_pem(ca))


PROVIDED = {"mode": "provided", "certificate": "server.pem", "key": "server.key",
            "chain": "ca.pem"}


def test_a_good_provided_certificate_validates_and_is_copied(four_node: Path,
                                                             tmp_path: Path) -> None:
    _write_provided(four_node.parent, ["cloud.example.org", "10.0.0.11"])
    _tls(four_node, public_name="cloud.example.org", **PROVIDED)
    assert _problems(four_node) == {}
    dep = load(four_node)
    result = render(dep, tmp_path / "d")
    paths = DeployPaths(tmp_path / "d")
    assert paths.ca_cert.read_bytes() == (four_node.parent / "ca.pem").read_bytes()
    assert paths.server_key.read_bytes() == (four_node.parent / "server.key").read_bytes()
    assert not paths.ca_key.exists()
    chain = certs.read_certificates(paths.server_cert.read_bytes())
    assert certs.chain_ok(chain[0], chain[1:])
    assert any("provided certificate" in n for n in result.notices)
    assert "deployment_public_host: cloud.example.org" in paths.main_vars.read_text()


@pytest.mark.parametrize(("case", "key", "message"), [
    ("mismatch", "tls.key", "is not the key of server.pem"),
    ("expired", "tls.certificate", "expired on"),
    ("no name", "tls.certificate", "does not name cloud.example.org"),
    ("no management address", "tls.certificate", "does not name the controller's management"),
    ("chain not PEM", "tls.chain", "is not a PEM certificate file"),
    ("key not PEM", "tls.key", "is not a PEM private key"),
    ("missing file", "tls.certificate", "cannot be read"),
])
def test_a_bad_provided_certificate_is_refused_naming_file_and_key(
        four_node: Path, case: str, key: str, message: str) -> None:
    names = {"no name": ["other.example.org", "10.0.0.11"],
             "no management address": ["cloud.example.org"]}.get(
                 case, ["cloud.example.org", "10.0.0.11"])
    _write_provided(four_node.parent, names, days=-1 if case == "expired" else 200,
                    other_key=case == "mismatch")
    if case == "chain not PEM":
        (four_node.parent / "ca.pem").write_bytes(b"\x30\x82\x01\x0a binary DER")
    if case == "key not PEM":
        (four_node.parent / "server.key").write_text("not a key\n")
    if case == "missing file":
        (four_node.parent / "server.pem").unlink()
    _tls(four_node, public_name="cloud.example.org", **PROVIDED)
    problems = _problems(four_node)
    assert key in problems, problems
    text, fix, line = problems[key]
    assert message in text and fix
    assert line is not None and four_node.read_text().splitlines()[line - 1].startswith(
        f"  {key.split('.')[1]}:")


def test_provided_needs_its_three_files(four_node: Path) -> None:
    _tls(four_node, mode="provided")
    problems = _problems(four_node)
    assert {"tls.certificate", "tls.key", "tls.chain"} <= set(problems)
    assert "is empty but tls.mode is provided" in problems["tls.key"][0]


def test_an_unknown_mode_is_refused_with_the_choices(four_node: Path) -> None:
    _tls(four_node, mode="letsencrypt")
    message, fix, line = _problems(four_node)["tls.mode"]
    assert "'letsencrypt' is not one of self-signed, provided, off" in message
    assert "self-signed" in fix and line is not None


def test_files_without_provided_mode_are_refused(four_node: Path) -> None:
    _tls(four_node, certificate="server.pem")
    assert "is set but tls.mode is self-signed" in _problems(four_node)["tls.certificate"][0]


def test_plain_internal_endpoints_need_a_public_address_of_their_own(four_node: Path) -> None:
    _tls(four_node, internal="false")
    message, fix, _line = _problems(four_node)["tls.internal"]
    assert "management address 10.0.0.11" in message and "tls.public_address" in fix
    _tls(four_node, public_address="192.0.2.10")
    assert _problems(four_node) == {}
