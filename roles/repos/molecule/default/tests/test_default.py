"""repos: Debian sources with main, updates and security suites; the proxy is set; apt works."""

from testinfra.host import Host


def test_distro_sources_keep_every_suite(host: Host) -> None:
    sources = host.file("/etc/apt/sources.list.d/debian.sources")
    assert sources.exists
    text = sources.content_string
    for suite in ("bookworm", "bookworm-updates", "bookworm-security"):
        assert suite in text.split()


def test_legacy_sources_list_has_no_entries(host: Host) -> None:
    lines = host.file("/etc/apt/sources.list").content_string.splitlines()
    assert [line for line in lines if line.strip() and not line.startswith("#")] == []


def test_proxy_points_at_the_configured_url(host: Host) -> None:
    proxy = host.ansible.get_variables()["repos_proxy"]
    conf = host.file("/etc/apt/apt.conf.d/90stackinstall-proxy").content_string
    assert f'Acquire::http::Proxy "{proxy}";' in conf


def test_apt_index_refreshes_through_the_sources(host: Host) -> None:
    result = host.run("apt-get update -q")
    assert result.rc == 0, result.stderr
    assert "bookworm-security" in result.stdout
