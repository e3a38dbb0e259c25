"""Read a YAML file safely and remember the line of every key.

Nothing here raises for bad input: problems come back as :class:`Problem` values so that
the validator can report every one of them at once, with file and line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

MAX_BYTES = 1024 * 1024  # an answer file is a few KiB; refuse anything past 1 MiB
MAX_NODES = 20_000  # YAML values after alias expansion (stops "billion laughs")
MAX_DEPTH = 64

#: Tags YAML 1.1 gives a plain (unquoted) scalar that the operator may have meant as text.
_IMPLICIT = {
    "tag:yaml.org,2002:int": "number",
    "tag:yaml.org,2002:float": "number",
    "tag:yaml.org,2002:bool": "bool",
    "tag:yaml.org,2002:timestamp": "date",
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, located and with its fix."""

    file: str
    line: int | None
    key: str
    message: str
    fix: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.key or '(file)'}: {self.message} — fix: {self.fix}"


@dataclass
class Source:
    """A parsed YAML document plus the line of each key path (``nodes[1].address``)."""

    path: Path
    data: Any = None
    lines: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    #: What the operator wrote for each plain scalar YAML 1.1 turned into a number, bool or
    #: date (``vni_range: 1:50`` is the number 110): key path -> (text as written, kind).
    written: dict[str, tuple[str, str]] = field(default_factory=dict)

    def line(self, key: str) -> int | None:
        """Line of ``key``, or of its nearest ancestor that has one."""
        while key:
            if key in self.lines:
                return self.lines[key]
            key = _parent(key)
        return self.lines.get("")

    def problem(self, key: str, message: str, fix: str, line: int | None = None) -> None:
        self.problems.append(Problem(str(self.path), line or self.line(key), key, message, fix))


def _parent(key: str) -> str:
    cut = max(key.rfind("."), key.rfind("["))
    return key[:cut] if cut > 0 else ""


def join(parent: str, child: str | int) -> str:
    if isinstance(child, int):
        return f"{parent}[{child}]"
    return f"{parent}.{child}" if parent else child


class _TooBig(Exception):
    pass


def read(path: Path) -> Source:
    """Load ``path``; on any failure the Source carries a problem and ``data`` is None."""
    src = Source(path)
    try:
        raw = path.read_bytes() if path.stat().st_size <= MAX_BYTES else None
    except FileNotFoundError:
        src.problem("", "file does not exist", f"create it, e.g. with `stackinstall answers "
                    f"generate -o {path}`")
        return src
    except IsADirectoryError:
        src.problem("", "is a directory, not a file", "name the YAML file itself")
        return src
    except OSError as exc:
        src.problem("", f"cannot be read ({exc.strerror})", "check its permissions")
        return src
    if raw is None:
        src.problem("", f"is larger than {MAX_BYTES // 1024} KiB; this is not an answer file",
                    "point at the YAML answer file")
        return src
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        src.problems.append(Problem(str(path), line, "", "is not UTF-8 text (binary data?)",
                                    "point at the YAML answer file, saved as UTF-8"))
        return src
    return parse(path, text)


def parse(path: Path, text: str) -> Source:
    """Parse ``text`` as if read from ``path`` (``read`` without the file)."""
    src = Source(path)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        reason = exc.problem or exc.context or "invalid YAML"
        src.problems.append(Problem(str(path), line, "", f"is not valid YAML: {reason}",
                                    "correct the YAML syntax at that line (indentation, "
                                    "quotes, colons)"))
        return src
    except yaml.YAMLError as exc:
        src.problems.append(Problem(str(path), None, "", f"is not valid YAML: {exc}",
                                    "correct the YAML syntax"))
        return src
    if node is None:
        src.data = None
        return src
    try:
        src.data = _Builder(src).build(node, "", ())
    except _TooBig as exc:
        src.problem("", str(exc), "write the settings out plainly instead of through YAML "
                    "aliases; an answer file needs no deep or repeated structures")
        src.data = None
    return src


class _Builder:
    """Turns composed YAML nodes into Python values, noting lines, duplicates and raw text."""

    def __init__(self, src: Source) -> None:
        self.src = src
        self.count = 0

    def build(self, node: yaml.Node, key: str, stack: tuple[int, ...]) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _TooBig(f"expands to more than {MAX_NODES} values (YAML alias bomb?)")
        if len(stack) > MAX_DEPTH or id(node) in stack:
            raise _TooBig("is nested too deeply or refers to itself through an alias")
        self.src.lines.setdefault(key, node.start_mark.line + 1)
        inner = (*stack, id(node))
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, key, inner)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(v, join(key, i), inner) for i, v in enumerate(node.value)]
        value = _scalar(node)
        kind = _IMPLICIT.get(node.tag)
        if kind and isinstance(node, yaml.ScalarNode) and node.style is None:
            self.src.written[key] = (node.value, kind)
        return value

    def _mapping(self, node: yaml.MappingNode, key: str, inner: tuple[int, ...]) -> Any:
        result: dict[Any, Any] = {}
        seen: dict[Any, int] = {}
        for knode, vnode in node.value:
            k = _scalar(knode) if isinstance(knode, yaml.ScalarNode) else repr(knode.tag)
            if knode.tag == "tag:yaml.org,2002:merge":
                merged = self.build(vnode, key, inner)
                for item in merged if isinstance(merged, list) else [merged]:
                    if isinstance(item, dict):
                        for mk, mv in item.items():
                            result.setdefault(mk, mv)
                continue
            child = join(key, str(k))
            line = knode.start_mark.line + 1
            if k in seen:
                self._duplicate(child, str(k), seen[k], line, vnode)
            seen[k] = line
            self.src.lines[child] = line
            result[k] = self.build(vnode, child, inner)
        return result

    def _duplicate(self, key: str, name: str, first: int, second: int, value: yaml.Node) -> None:
        if isinstance(value, yaml.MappingNode | yaml.SequenceNode):
            fix = (f"merge the two '{name}:' blocks (lines {first} and {second}) into one; "
                   f"YAML keeps only the last one, so the settings of the first are lost")
        else:
            fix = (f"keep one of the two '{name}:' lines (lines {first} and {second}); "
                   f"YAML keeps only the last one")
        self.src.problem(key, f"key '{name}' appears twice, on lines {first} and {second}",
                         fix, line=second)


def _scalar(node: yaml.Node) -> Any:
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    except yaml.YAMLError:
        return node.value
    finally:
        loader.dispose()
