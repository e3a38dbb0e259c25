import pytest

from installer.answers.schema import SUPPORT_MATRIX
from installer.preflight.platforms import (
    PLATFORMS,
    parse_os_release,
    platforms_for,
    releases_for,
)

DEBIAN_12 = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nVERSION_ID="12"\nID=debian\n'
UBUNTU_22 = 'PRETTY_NAME="Ubuntu 22.04.4 LTS"\nID=ubuntu\nID_LIKE=debian\nVERSION_ID="22.04"\n'
ROCKY_9 = 'NAME="Rocky Linux"\nID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.4"\n'
ALPINE = 'ID=alpine\nVERSION_ID=3.20.1\nPRETTY_NAME="Alpine Linux v3.20"\n'


@pytest.mark.parametrize(("text", "family", "version"), [
    (DEBIAN_12, "debian", "12"), (UBUNTU_22, "ubuntu", "22.04"), (ROCKY_9, "redhat", "9"),
    (ALPINE, "alpine", "3"), ("", "unknown", ""),
])
def test_family_and_version(text, family, version):
    platform = parse_os_release(text)
    assert (platform.family, platform.version) == (family, version)


def test_debian_12_installs_zed_only():
    assert releases_for("debian", "12") == ("zed",)
    assert releases_for("debian", "11") == ()
    assert "debian 12" in platforms_for("auto", "zed")
    assert "debian 12" not in platforms_for("auto", "epoxy")
    assert platforms_for("ubuntu", "zed") == ["ubuntu 22.04"]


def test_a_platform_release_counts_only_when_the_answer_file_accepts_it():
    for (family, version), releases in PLATFORMS.items():
        assert set(releases_for(family, version)) == set(releases) & set(
            SUPPORT_MATRIX.get(family, ()))
