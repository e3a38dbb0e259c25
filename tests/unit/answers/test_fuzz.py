"""No input, however broken, produces a traceback: only problems with a file and a fix."""

from __future__ import annotations

from pathlib import Path

import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from installer.answers import check
from installer.cli import main

SAMPLE = (Path(__file__).resolve().parents[3] / "answers" / "four-node.yml").read_text()
LINES = SAMPLE.splitlines(keepends=True)

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                    st.text(max_size=20))
data = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12) | st.integers(), inner,
                                                 max_size=4)), max_leaves=30)
keys = st.sampled_from(["deployment", "ssh", "network", "nodes", "ntp", "locale", "services",
                        "nova", "cinder", "repos", "overrides", "name", "address", "roles"])
shaped = st.dictionaries(keys, data, max_size=8)


@st.composite
def mutated_sample(draw: st.DrawFn) -> str:
    lines = list(LINES)
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["drop", "dup", "indent", "dedent", "garble", "insert"]))
        if op == "drop":
            del lines[i]
        elif op == "dup":
            lines.insert(i, lines[i])
        elif op == "indent":
            lines[i] = "  " + lines[i]
        elif op == "dedent":
            lines[i] = lines[i].lstrip()
        elif op == "garble":
            lines[i] = draw(st.text(max_size=30)) + "\n"
        else:
            lines.insert(i, yaml.safe_dump(draw(shaped), default_flow_style=True))
        if not lines:
            break
    return "".join(lines)


def _assert_clean(path: Path) -> None:
    merged, _spath, _values, problems = check(path)
    for p in problems:
        assert p.file and p.message and p.fix
    answer_problems = [p for p in problems if p.file == str(path)]
    assert (merged is None) == bool(answer_problems)


FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(text=mutated_sample())
def test_mutated_sample_never_raises(tmp_path: Path, text: str) -> None:
    path = tmp_path / "answers.yml"
    path.write_text(text, encoding="utf-8")
    _assert_clean(path)


@FUZZ
@given(doc=st.one_of(data, shaped))
def test_arbitrary_yaml_never_raises(tmp_path: Path, doc: object) -> None:
    path = tmp_path / "answers.yml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    _assert_clean(path)


@FUZZ
@given(raw=st.binary(max_size=400))
def test_arbitrary_bytes_never_raise(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "answers.yml"
    path.write_bytes(raw)
    _assert_clean(path)


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        f"traceback for {args}: {result.exception!r}"
    assert "Traceback" not in result.output
    return result.exit_code, result.output


BOMB = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8))

SPECIAL = {
    "empty": b"",
    "only-comment": b"# nothing here\n",
    "binary": bytes(range(256)) * 4,
    "not-yaml": b"deployment: [unclosed\n  : : :\n",
    "alias-bomb": BOMB.encode(),
    "self-reference": b"a: &a [*a]\n",
    "huge": b"x: " + b"y" * (2 * 1024 * 1024) + b"\n",
    "list-at-top": b"- a\n- b\n",
    "scalar-at-top": b"42\n",
    "mapping-for-nodes": b"nodes: {name: a, address: 1.2.3.4, roles: [controller]}\n",
    "tabs": b"deployment:\n\tname: x\n",
    "odd-keys": b"? [a, b]\n: c\n1: 2\nnull: x\n",
    "timestamp": b"deployment: {name: 2001-12-14}\n",
}


def test_special_inputs_exit_cleanly(tmp_path: Path) -> None:
    for name, raw in SPECIAL.items():
        path = tmp_path / f"{name}.yml"
        path.write_bytes(raw)
        code, output = _cli("answers", "validate", str(path))
        assert code == 3, (name, output)
        assert str(path) in output.replace("\n", ""), (name, output)
        code, output = _cli("render", str(path), "-o", str(tmp_path / "out"))
        assert code == 3, (name, output)
    assert not (tmp_path / "out").exists()


def test_missing_file_and_directory(tmp_path: Path) -> None:
    code, output = _cli("answers", "validate", str(tmp_path / "nope.yml"))
    assert code == 3 and "does not exist" in output
