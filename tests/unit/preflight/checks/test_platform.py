from installer.preflight.checks.platform import os_and_release, python3
from installer.preflight.findings import Status

from ..conftest import context, facts_of, make_deployment, with_facts

UBUNTU_24 = 'PRETTY_NAME="Ubuntu 24.04 LTS"\nID=ubuntu\nID_LIKE=debian\nVERSION_ID="24.04"\n'


def test_debian_12_with_zed_passes(deployment):
    [f] = os_and_release(context(deployment, "openstack1"))
    assert f.status is Status.PASS and "Debian GNU/Linux 12" in f.found


def test_wrong_release_for_the_distro_says_which_releases_it_installs(tmp_path):
    dep = make_deployment(tmp_path, deployment={"release": "dalmatian"})
    [f] = os_and_release(context(dep, "openstack1"))
    assert f.status is Status.FAIL
    assert "installs zed" in f.found
    assert "deployment.release to one of zed" in f.fix and "ubuntu 24.04" in f.expected


def test_distro_that_is_not_the_nodes(tmp_path):
    dep = make_deployment(tmp_path, deployment={"distro": "ubuntu"})
    [f] = os_and_release(context(dep, "openstack1"))
    assert f.status is Status.FAIL and "deployment.distro: debian" in f.fix


def test_unsupported_version(tmp_path, deployment):
    facts = with_facts(facts_of("openstack1"), os_release=UBUNTU_24)
    [f] = os_and_release(context(deployment, "openstack1", facts))
    assert f.status is Status.FAIL and "caracal" in f.found  # 24.04 installs caracal.. only


def test_python3_missing(deployment):
    facts = with_facts(facts_of("openstack2"), python3="")
    [f] = python3(context(deployment, "openstack2", facts))
    assert f.status is Status.FAIL and "install python3" in f.fix
    assert python3(context(deployment, "openstack2"))[0].status is Status.PASS
