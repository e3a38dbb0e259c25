"""The YAML reader: duplicate keys at any depth, and the text YAML 1.1 turned into values."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from installer.answers import check
from installer.answers.source import read


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def test_second_section_block_is_reported_with_both_lines(four_node: Path) -> None:
    text = four_node.read_text() + "network:\n  overlay: none\n"
    four_node.write_text(text)
    problems = check(four_node)[3]
    (p,) = [p for p in problems if "twice" in p.message]
    first = _line_of(text, "\nnetwork:") + 1
    second = text[: text.rindex("\nnetwork:")].count("\n") + 2
    assert (p.file, p.key, p.line) == (str(four_node), "network", second)
    assert f"key 'network' appears twice, on lines {first} and {second}" == p.message
    assert "merge the two 'network:' blocks" in p.fix


@pytest.mark.parametrize(("old", "new", "key"), [
    ("  port: 22\n", "  port: 22\n  port: 2222\n", "ssh.port"),
    ("    address: 10.0.0.12\n", "    address: 10.0.0.12\n    address: 10.0.0.99\n",
     "nodes[1].address"),
    ("overrides: {}", "overrides: {nova: {nova.conf: {DEFAULT: {debug: true, debug: false}}}}",
     "overrides.nova.nova.conf.DEFAULT.debug"),
])
def test_duplicate_key_at_any_depth(four_node: Path, old: str, new: str, key: str) -> None:
    text = four_node.read_text()
    four_node.write_text(text.replace(old, new, 1))
    merged, _spath, _values, problems = check(four_node)
    (p,) = [p for p in problems if "twice" in p.message]
    assert p.key == key and merged is None
    name = key.rsplit(".", 1)[-1]
    assert f"'{name}'" in p.message and "keep one of the two" in p.fix


def test_duplicate_key_in_the_secrets_file(four_node: Path) -> None:
    spath = four_node.with_name("four-node.secrets.yml")
    text = spath.read_text()
    extra = "nova_db_password: " + "x1y2z3" * 5 + "\n"
    spath.write_text(text + extra)
    problems = check(four_node)[3]
    (p,) = [p for p in problems if p.file == str(spath)]
    assert p.key == "nova_db_password" and "appears twice" in p.message
    assert p.line == text.count("\n") + 1
    assert "x1y2z3" not in str(p)


def test_merge_keys_are_not_duplicates(tmp_path: Path) -> None:
    path = tmp_path / "a.yml"
    path.write_text("base: &b {user: root}\nssh:\n  <<: *b\n  user: admin\n")
    src = read(path)
    assert src.problems == [] and src.data["ssh"] == {"user": "admin"}


def test_plain_scalars_yaml_turned_into_values_keep_their_text(tmp_path: Path) -> None:
    path = tmp_path / "a.yml"
    path.write_text("a: 1:50\nb: '1:50'\nc: yes\nd: 0755\ne: 2024-01-01\nf: [off, 'on']\n"
                    "g: 12\nh: ~\n")
    src = read(path)
    assert src.data["a"] == 110 and src.data["c"] is True
    assert src.written == {"a": ("1:50", "number"), "c": ("yes", "bool"),
                           "d": ("0755", "number"), "e": ("2024-01-01", "date"),
                           "f[0]": ("off", "bool"), "g": ("12", "number")}
    assert yaml.safe_load(path.read_text())["a"] == 110  # what a plain YAML reader does
