"""The VM image cache: what its key covers, how the tree becomes a bootable VM root."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from installer.errors import LabError
from installer.testbed.lab import image, vmimage
from installer.testbed.lab.vmimage import VmImage, VmImageSpec


def test_the_key_changes_with_suite_mirror_and_layer():
    base = VmImageSpec("bookworm", "http://m/debian")
    assert base.key == VmImageSpec("bookworm", "http://m/debian").key
    others = {VmImageSpec("trixie", "http://m/debian").key,
              VmImageSpec("bookworm", "http://other/debian").key,
              VmImageSpec("bookworm", "http://m/debian", layer=("lvm2", "nova-compute")).key}
    assert base.key not in others and len(others) == 3


def test_a_layer_is_an_entry_beside_the_base(tmp_path):
    base = VmImageSpec("bookworm", "http://m/debian")
    layer = VmImageSpec("bookworm", "http://m/debian", layer=("cinder-volume",))
    assert base.directory(tmp_path).parent == layer.directory(tmp_path).parent
    assert base.directory(tmp_path) != layer.directory(tmp_path)
    assert base.directory(tmp_path).name.startswith("vm-debian-bookworm-")
    # debootstrap installs the base; the layer comes afterwards with apt
    assert set(layer.packages) == set(image.PACKAGES) | set(vmimage.VM_PACKAGES)
    assert "cinder-volume" not in layer.packages and layer.layer == ("cinder-volume",)
    assert (base.variant, layer.variant) == ("base", "layer-1")


def test_the_key_ignores_the_order_of_the_layer_and_covers_its_disabled_units():
    a = VmImageSpec("trixie", "http://m/debian", layer=("tgt", "lvm2"), disabled=("tgt",))
    b = VmImageSpec("trixie", "http://m/debian", layer=("lvm2", "tgt", "lvm2"),
                    disabled=("tgt",))
    assert a.key == b.key
    assert a.key != VmImageSpec("trixie", "http://m/debian", layer=("lvm2", "tgt")).key


def test_the_base_key_does_not_depend_on_the_layer_recipe(monkeypatch):
    base = VmImageSpec("trixie", "http://m/debian")
    layer = VmImageSpec("trixie", "http://m/debian", layer=("tgt",))
    before = (base.key, layer.key)
    monkeypatch.setattr(vmimage, "LAYER_RECIPE", "another recipe")
    assert base.key == before[0] and layer.key != before[1]


def test_the_layer_script_installs_without_recommends_and_disables_the_units():
    script = vmimage.layer_script(("tgt", "lvm2", "tgt"), ("tgt", "cinder-volume"))
    lines = script.splitlines()
    assert lines[0] == "set -e"
    install = [line for line in lines if line.startswith("apt-get install")]
    assert install == ["apt-get install -y -q --no-install-recommends lvm2 tgt"]
    assert "for u in tgt cinder-volume; do" in lines
    assert 'systemctl disable --quiet "$u.service"' in script


def test_the_layer_runs_in_nspawn_without_boot_under_a_resolvable_name(tmp_path):
    argv = vmimage.nspawn_argv(tmp_path, "true")
    assert argv[0] == "systemd-nspawn" and "-b" not in argv and "--boot" not in argv
    assert {"--register=no", "--keep-unit", f"--hostname={vmimage.LAYER_HOSTNAME}"} <= set(argv)
    assert argv[-3:] == ["/bin/sh", "-c", "true"]


def test_install_layer_holds_services_back_and_cleans_up(tmp_path, monkeypatch):
    tree = tmp_path / "tree"
    (tree / "etc" / "apt").mkdir(parents=True)
    (tree / "usr" / "sbin").mkdir(parents=True)
    (tree / "etc" / "hosts").write_text("127.0.0.1 build-host\n")
    (tree / "etc" / "apt" / "sources.list").write_text("deb http://m/debian trixie main\n")
    (tree / "etc" / "apt" / "apt.conf.d").mkdir()
    seen = {}

    class Done:
        returncode, stdout, stderr = 0, "installed\n", ""

    def fake_run(argv, **_kw):
        seen["policy"] = (tree / "usr/sbin/policy-rc.d").read_text()
        seen["hosts"] = (tree / "etc/hosts").read_text()
        seen["proxy"] = (tree / "etc/apt/apt.conf.d/01stackinstall-lab-proxy").read_text()
        seen["argv"] = argv
        return Done()

    monkeypatch.setattr(vmimage, "run", fake_run)
    spec = VmImageSpec("trixie", "http://m/debian", layer=("tgt",), disabled=("tgt",))
    source = vmimage.LayerSource("Types: deb\n", 'Acquire::http::Proxy "http://p:3142";\n')
    log = tmp_path / "build.log"
    vmimage.install_layer(tree, spec, source, log)
    assert seen["policy"].rstrip().endswith("exit 101")
    assert f"127.0.1.1\t{vmimage.LAYER_HOSTNAME}" in seen["hosts"]
    assert "http://p:3142" in seen["proxy"]
    assert "--no-install-recommends tgt" in seen["argv"][-1]
    # afterwards: no policy-rc.d, no proxy, the tree's own hosts, the node's sources
    assert not (tree / "usr/sbin/policy-rc.d").exists()
    assert not (tree / "etc/apt/apt.conf.d/01stackinstall-lab-proxy").exists()
    assert (tree / "etc/hosts").read_text() == "127.0.0.1 build-host\n"
    assert not (tree / "etc/apt/sources.list").exists()
    assert "installed" in log.read_text()


def test_a_failed_layer_is_an_error_and_still_cleans_up(tmp_path, monkeypatch):
    tree = tmp_path / "tree"
    (tree / "etc" / "apt" / "apt.conf.d").mkdir(parents=True)
    (tree / "usr" / "sbin").mkdir(parents=True)

    class Failed:
        returncode, stdout, stderr = 100, "", "E: Unable to locate package nope\n"

    monkeypatch.setattr(vmimage, "run", lambda argv, **_kw: Failed())
    spec = VmImageSpec("trixie", "http://m/debian", layer=("nope",))
    with pytest.raises(LabError, match="layer failed"):
        vmimage.install_layer(tree, spec, vmimage.LayerSource("", ""), tmp_path / "log")
    assert not (tree / "usr/sbin/policy-rc.d").exists()


def test_a_layer_without_its_apt_source_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(vmimage, "image_dir", lambda: tmp_path)
    with pytest.raises(LabError, match="apt sources and proxy"):
        vmimage.ensure_vm_image(vmimage.Mirrors(), "trixie", tmp_path / "log", ("tgt",))


def test_debootstrap_installs_the_kernel_and_the_container_packages(tmp_path):
    argv = vmimage.debootstrap_argv(tmp_path / "t", VmImageSpec("trixie", "http://m/debian"))
    assert argv[:2] == ["debootstrap", "--variant=minbase"]
    include = argv[2].removeprefix("--include=").split(",")
    assert {"linux-image-cloud-amd64", "initramfs-tools", "udev", "openssh-server",
            "lvm2"} <= set(include)
    assert argv[3:] == ["trixie", str(tmp_path / "t"), "http://m/debian"]


def test_the_tree_boots_from_its_label_and_never_rebuilds_its_initramfs(tmp_path):
    vmimage.prepare_tree(tmp_path)
    assert "LABEL=si-root / ext4" in (tmp_path / "etc" / "fstab").read_text()
    conf = (tmp_path / "etc" / "initramfs-tools" / "update-initramfs.conf").read_text()
    assert "update_initramfs=no" in conf.splitlines()
    script = tmp_path / "usr" / "local" / "sbin" / "stackinstall-seed"
    assert os.access(script, os.X_OK) and "by-label/si-seed" in script.read_text()
    link = tmp_path / "etc/systemd/system/multi-user.target.wants/stackinstall-seed.service"
    assert os.readlink(link) == "/etc/systemd/system/stackinstall-seed.service"
    assert "Before=ssh.service" in (tmp_path / "etc/systemd/system"
                                    / "stackinstall-seed.service").read_text()
    assert os.readlink(tmp_path / "etc/systemd/system/e2scrub_reap.service") == "/dev/null"
    vmimage.prepare_tree(tmp_path)  # again: same result, no error


def test_boot_files_are_the_newest_kernel_and_its_initramfs(tmp_path):
    boot = tmp_path / "boot"
    boot.mkdir()
    with pytest.raises(LabError, match="no kernel"):
        vmimage.boot_files(tmp_path)
    (boot / "vmlinuz-6.1.0-40-cloud-amd64").write_text("k")
    with pytest.raises(LabError, match=r"initrd\.img-6\.1\.0-40-cloud-amd64"):
        vmimage.boot_files(tmp_path)
    (boot / "initrd.img-6.1.0-40-cloud-amd64").write_text("i")
    assert vmimage.boot_files(tmp_path) == (boot / "vmlinuz-6.1.0-40-cloud-amd64",
                                            boot / "initrd.img-6.1.0-40-cloud-amd64")


def test_the_newest_kernel_is_chosen_by_version_not_text(tmp_path):
    boot = tmp_path / "boot"
    boot.mkdir()
    for version in ("6.12.99+deb13-cloud-amd64", "6.12.117+deb13-cloud-amd64",
                    "6.12.118+deb13-cloud-amd64", "6.1.0-40-cloud-amd64"):
        (boot / f"vmlinuz-{version}").write_text("k")
        (boot / f"initrd.img-{version}").write_text("i")
    kernel, initrd = vmimage.boot_files(tmp_path)
    assert kernel.name == "vmlinuz-6.12.118+deb13-cloud-amd64"
    assert initrd.name == "initrd.img-6.12.118+deb13-cloud-amd64"


def test_the_layer_brings_the_tree_to_the_deploys_full_upgrade_first():
    lines = vmimage.layer_script(("tgt",), ()).splitlines()
    upgrade = lines.index("apt-get dist-upgrade -y -q --no-install-recommends")
    assert lines.index("apt-get update -q") < upgrade
    assert upgrade < next(i for i, line in enumerate(lines) if line.startswith("apt-get install"))


def test_an_entry_is_complete_only_with_all_four_files(tmp_path):
    img = VmImage(tmp_path)
    for name in ("root.raw", "vmlinuz", "initrd.img"):
        (tmp_path / name).write_text("x")
        assert not img.complete()
    (tmp_path / "manifest.json").write_text("{}")
    assert img.complete()


def test_mkfs_writes_a_tree_into_a_file_without_a_loop_mount(tmp_path: Path):
    tree = tmp_path / "tree"
    (tree / "etc").mkdir(parents=True)
    (tree / "etc" / "hostname").write_text("n\n")
    argv = vmimage.mkfs_argv(tree, tmp_path / "d.raw", "si-root", "8M")
    assert argv[:2] == ["mkfs.ext4", "-q"] and "-d" in argv and "losetup" not in argv
    import subprocess

    subprocess.run(argv, check=True)
    out = subprocess.run(["debugfs", "-R", "cat /etc/hostname", str(tmp_path / "d.raw")],
                         capture_output=True, text=True, check=True).stdout
    assert out == "n\n"
