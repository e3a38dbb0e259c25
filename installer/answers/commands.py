"""What the answers/render commands do (the CLI only parses options)."""

from __future__ import annotations

from pathlib import Path

from installer import console
from installer.answers import check, load
from installer.answers.generate import default_nodes, generate_files, parse_node
from installer.answers.report import show
from installer.errors import AnswerFileError


def generate(output: Path, secrets: Path | None, allinone: bool, nodes: tuple[str, ...]) -> None:
    specs = [parse_node(n) for n in nodes] if nodes else default_nodes(allinone)
    result = generate_files(output, secrets, nodes=specs)
    if result.answers_written:
        console.success(f"wrote answer file {result.answers_path}")
    else:
        console.out.print(f"{result.answers_path} exists: left as it is")
    if result.secrets_added:
        console.success(f"secrets file {result.secrets_path} (mode 0600): added "
                        f"{len(result.secrets_added)} secret(s): "
                        f"{', '.join(result.secrets_added)}")
    else:
        console.out.print(f"{result.secrets_path}: every secret present, nothing added")
    console.out.print(f"next: stackinstall answers validate {result.answers_path}")


def validate(file: Path, secrets: Path | None) -> None:
    merged, spath, _values, problems = check(file, secrets)
    if problems:
        show(problems)
        raise AnswerFileError(f"{file}: {len(problems)} problem(s) found; nothing was changed")
    assert merged is not None
    console.success(f"{file} is valid: {len(merged['nodes'])} node(s), "
                    f"{len(merged['services'])} service(s); secrets in {spath}")


def render(file: Path, secrets: Path | None, output: Path | None) -> None:
    from installer.render import render as do_render

    try:
        dep = load(file, secrets)
    except AnswerFileError as exc:
        show(exc.problems)  # type: ignore[arg-type]
        raise
    result = do_render(dep, output)
    console.success(f"rendered {len(result.files)} files into {result.out_dir}")
    console.out.print(f"  inventory: {result.inventory / 'hosts.yml'}")
    console.out.print("  secrets:   inventory/group_vars/all/secrets.yml (mode 0600, not shown)")
