"""The answer-file reference (docs/answers.md), generated from the schema.

``python -m installer.answers.reference > docs/answers.md`` writes it; a unit test fails
when docs/answers.md differs from what this module prints.
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

#: The command that regenerates docs/answers.md (named in the file and in the test's message).
REGENERATE = "python -m installer.answers.reference > docs/answers.md"

_HEADER = f"""\
# Answer-file reference

Generated from `installer/answers/schema.py`; do not edit by hand. Regenerate with
`{REGENERATE}` (a unit test fails when this file is stale).

`stackinstall answers generate` writes an answer file with every key below, its default and
one line of help; `stackinstall answers validate FILE` checks one against this schema and
reports every problem with file, line, key and fix.
"""


def _default(value: object) -> str:
    if value is None:
        return "(required)"
    if value == "" or value == [] or value == {}:
        return "(empty)"
    if isinstance(value, bool):
        return str(value).lower()
    return f"`{value}`"


def markdown() -> str:
    """The keys table, the services' dependencies and the secrets file's keys."""
    rows = ["| key | default | meaning |", "|---|---|---|"]
    for section, spec in SCHEMA.items():
        for key, k in spec.keys.items():
            choices = f" One of: {', '.join(k.choices)}." if k.choices else ""
            doc = k.doc.replace("|", "\\|")
            rows.append(f"| `{section}.{key}` | {_default(k.default)} | {doc}{choices} |")
    for key, k in NODE_KEYS.items():
        choices = f" One of: {', '.join(k.choices)}." if k.choices and k.type == "enum" else ""
        rows.append(f"| `nodes[].{key}` | {_default(k.default)} | {k.doc}{choices} |")
    rows.append(f"| `services` | `{', '.join(SERVICES)}` | {TOP_LEVEL_DOCS['services']} |")
    rows.append(f"| `overrides` | (empty) | {TOP_LEVEL_DOCS['overrides']} |")
    needs = ["", "## Services and what each needs enabled too", "",
             "`answers validate` checks it.", ""]
    needs += [f"- `{name}`: {', '.join(deps) if deps else '(nothing)'}"
              for name, deps in SERVICE_DEPENDENCIES.items()]
    secrets = ["", "## Secrets file keys", "",
               "`answers generate` writes them with strong random values, mode 0600, into "
               "`<answer file's name>.secrets.yml` (or `deployment.secrets_file`).", ""]
    secrets += [f"- `{name}`: {what}" for name, what in SECRETS.items()]
    return "\n".join(["## Keys", "", *rows, *needs, *secrets])


def document() -> str:
    """The whole of docs/answers.md."""
    return f"{_HEADER}\n{markdown()}\n"


if __name__ == "__main__":
    print(document(), end="")
