"""Take one node out of the answer file's ``nodes`` list, keeping every other line as it is."""

from __future__ import annotations

import json

import yaml

from installer.errors import UsageError


def node_lines(text: str, name: str) -> tuple[int, int]:
    """First and last line (0-based) of the ``nodes`` item named ``name``."""
    root = yaml.compose(text)
    nodes = next((value for key, value in getattr(root, "value", [])
                  if getattr(key, "value", None) == "nodes"), None)
    for item in getattr(nodes, "value", []):
        fields = {getattr(k, "value", None): v for k, v in getattr(item, "value", [])}
        if getattr(fields.get("name"), "value", None) != name:
            continue
        if item.flow_style or not fields:
            return item.start_mark.line, item.end_mark.line
        last = max(v.end_mark.line - (1 if v.end_mark.column == 0 else 0)
                   for v in fields.values())
        return item.start_mark.line, last
    raise UsageError(f"the answer file has no node named {name!r}",
                     hint="name one of its nodes[].name")


def without_node(text: str, name: str) -> str:
    """``text`` without the lines of node ``name`` (its ``- name: ...`` item)."""
    first, last = node_lines(text, name)
    lines = text.splitlines(keepends=True)
    return "".join(lines[:first] + lines[last + 1:])


def with_node(text: str, name: str, address: str, roles: list[str]) -> str:
    """``text`` with node ``name`` appended after the last ``nodes`` item (day 2: add a node)."""
    last = yaml.safe_load(text)["nodes"][-1]["name"]
    end = node_lines(text, last)[1] + 1
    lines = text.splitlines(keepends=True)
    added = [f'  - name: "{name}"\n', f'    address: "{address}"\n',
             f"    roles: {json.dumps(roles)}\n"]
    return "".join([*lines[:end], *added, *lines[end:]])
