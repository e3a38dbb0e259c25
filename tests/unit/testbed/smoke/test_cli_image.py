"""``verify --smoke --image FILE --image-user USER``: refused before anything runs when wrong."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from installer.cli import main


def test_image_needs_smoke_and_image_user_needs_image(four_node: Path, tmp_path: Path) -> None:
    assert CliRunner().invoke(main, ["render", str(four_node)]).exit_code == 0
    disk = tmp_path / "cirros.img"
    disk.write_bytes(b"QFI\xfb")
    without_smoke = CliRunner().invoke(main, ["verify", str(four_node), "--image", str(disk)])
    assert without_smoke.exit_code == 2
    assert "--smoke is not given" in without_smoke.output
    user_alone = CliRunner().invoke(main, ["verify", str(four_node), "--smoke",
                                           "--image-user", "cirros"])
    assert user_alone.exit_code == 2
    assert "--image is not given" in user_alone.output


def test_a_missing_image_file_is_a_usage_error(four_node: Path, tmp_path: Path) -> None:
    missing = CliRunner().invoke(main, ["verify", str(four_node), "--smoke", "--image",
                                        str(tmp_path / "nope.qcow2")])
    assert missing.exit_code == 2
    assert "nope.qcow2" in missing.output and "does not exist" in missing.output
