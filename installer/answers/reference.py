"""The README's answer-file reference, generated from the schema.

``python -m installer.answers.reference`` prints it; a unit test keeps README.md in step.
"""

from __future__ import annotations

from installer.answers.schema import (
    NODE_KEYS,
    SCHEMA,
    SECRETS,
    SERVICE_DEPENDENCIES,
    SERVICES,
    TOP_LEVEL_DOCS,
)

BEGIN = "<!-- answer-file-reference:begin -->"
END = "<!-- answer-file-reference:end -->"


def _default(value: object) -> str:
    if value is None:
        return "(required)"
    if value == "" or value == [] or value == {}:
        return "(empty)"
    if isinstance(value, bool):
        return str(value).lower()
    return f"`{value}`"


def markdown() -> str:
    rows = ["| key | default | meaning |", "|---|---|---|"]
    for section, spec in SCHEMA.items():
        for key, k in spec.keys.items():
            choices = f" One of: {', '.join(k.choices)}." if k.choices else ""
            doc = k.doc.replace("|", "\\|")
            rows.append(f"| `{section}.{key}` | {_default(k.default)} | {doc}{choices} |")
    for key, k in NODE_KEYS.items():
        rows.append(f"| `nodes[].{key}` | (required) | {k.doc} |")
    rows.append(f"| `services` | `{', '.join(SERVICES)}` | {TOP_LEVEL_DOCS['services']} |")
    rows.append(f"| `overrides` | (empty) | {TOP_LEVEL_DOCS['overrides']} |")
    needs = ["", "Services and what each needs enabled too (`answers validate` checks it):", ""]
    needs += [f"- `{name}`: {', '.join(deps) if deps else '(nothing)'}"
              for name, deps in SERVICE_DEPENDENCIES.items()]
    secrets = ["", "Secrets file keys (generated, mode 0600):", ""]
    secrets += [f"- `{name}`: {what}" for name, what in SECRETS.items()]
    return "\n".join([BEGIN, *rows, *needs, *secrets, END])


if __name__ == "__main__":
    print(markdown())
