"""The Jinja templates of ``templates/`` that show the shape of what stackinstall writes.

The templates hold layout and fixed comments only; every key, default, help text and group
comes in as data from the schema and the catalogue.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import jinja2
import yaml

from installer import PROJECT_ROOT

#: templates/ of the checkout, or share/stackinstall/templates of an install.
TEMPLATES_DIR = PROJECT_ROOT / "templates"


def to_yaml(value: Any) -> str:
    """``value`` as block-style YAML in its own key order, without the final newline (the
    template's line end supplies it)."""
    text = yaml.safe_dump(value, default_flow_style=False, sort_keys=False, allow_unicode=True)
    return text.removesuffix("\n")


def to_yaml_scalar(value: Any) -> str:
    """One scalar as YAML writes it, quoted only where YAML would misread it bare."""
    return to_yaml(value).removesuffix("\n...")


#: The filters every template may use, next to Jinja's own.
FILTERS: dict[str, Callable[..., Any]] = {"to_yaml": to_yaml, "to_yaml_scalar": to_yaml_scalar}


def render(name: str, data: Mapping[str, Any],
           filters: Mapping[str, Callable[..., Any]] | None = None) -> str:
    """Fill ``templates/<name>`` with ``data``; a value the template names but lacks is an error."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # YAML, not HTML
    )
    env.filters.update(FILTERS)
    env.filters.update(filters or {})
    return env.get_template(name).render(**data)
