"""`answers generate` writes, through templates/answers.yml.j2, byte for byte what the
Python writer wrote before it (data/generated/, captured from that code)."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest

from installer import templates
from installer.answers.generate import default_nodes, generate_files, parse_node

DATA = Path(__file__).parent / "data" / "generated"
NODES = {
    "four-node": default_nodes(False),
    "allinone": default_nodes(True),
    "custom": [parse_node("a1=192.168.7.5:controller,network"),
               parse_node("b2=192.168.9.20:compute,storage")],
}


@pytest.mark.parametrize("name", sorted(NODES))
def test_the_generated_answer_file_is_unchanged(name: str, tmp_path: Path) -> None:
    path = tmp_path / f"{name}.yml"
    generate_files(path, nodes=NODES[name])
    assert path.read_bytes() == (DATA / f"{name}.yml").read_bytes()


def test_the_template_lives_in_templates_and_refuses_missing_data() -> None:
    assert (templates.TEMPLATES_DIR / "answers.yml.j2").is_file()
    with pytest.raises(jinja2.UndefinedError):
        templates.render("answers.yml.j2", {"top_level_keys": ["deployment"]},
                         filters={"inline": str})
