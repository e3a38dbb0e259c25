from __future__ import annotations

from installer.testbed.lab import sources

HOST_DEB822 = """\
Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.example/debian-security/
Suites: bookworm-security
Components: main
"""


def test_mirrors_from_deb822():
    m = sources.mirrors_from_deb822(HOST_DEB822)
    assert m.main == "http://deb.debian.org/debian"
    assert m.security == "http://mirror.example/debian-security"


def test_deb_src_stanzas_are_ignored():
    text = "Types: deb-src\nURIs: http://src.example/debian\nSuites: bookworm\n\n" + HOST_DEB822
    assert sources.mirrors_from_deb822(text).main == "http://deb.debian.org/debian"


def test_mirrors_from_one_line_format():
    text = (
        "# comment\n"
        "deb [arch=amd64] http://ftp.example/debian bookworm main\n"
        "deb http://security.example/debian-security bookworm-security main\n"
    )
    m = sources.mirrors_from_list(text)
    assert m == sources.Mirrors("http://ftp.example/debian", "http://security.example/debian-security")


def test_defaults_when_the_host_has_no_sources(tmp_path):
    m = sources.host_mirrors(tmp_path / "none.sources", tmp_path / "none.list")
    assert m == sources.Mirrors()


def test_node_sources_have_the_three_suites_of_the_host_mirrors():
    text = sources.node_sources(sources.Mirrors("http://a/debian", "http://b/debian-security"))
    stanzas = sources.parse_deb822(text)
    assert stanzas[0]["URIs"] == "http://a/debian"
    assert stanzas[0]["Suites"].split() == ["bookworm", "bookworm-updates"]
    assert stanzas[1]["URIs"] == "http://b/debian-security"
    assert stanzas[1]["Suites"] == "bookworm-security"
