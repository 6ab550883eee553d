"""Writing a story document as story.yaml text a person would have written: the
schema's key order, block style, flow lists of ids, a blank line between sections
and scenes, and the modeline that lets editors complete and check fields."""

from __future__ import annotations

from typing import Any

from storybuild.project import load_schema


def dump_story(document: dict[str, Any], schema_ref: str) -> str:
    """YAML text of `document` that loads back to the same data: a modeline naming the
    schema for editors, keys in the schema's (natural) order, block style, scalar
    lists (character ids) in flow style, long strings unwrapped, a blank line
    between sections and between scenes."""
    import yaml

    schema = load_schema()
    body = yaml.dump(_ordered(document, schema, schema), Dumper=_story_dumper(), sort_keys=False,
                     allow_unicode=True, width=1 << 30, default_flow_style=False)
    return f"# yaml-language-server: $schema={schema_ref}\n" + _spaced(body)


def _ordered(value: Any, schema: dict[str, Any], root: dict[str, Any]) -> Any:
    """Copy of `value` with mapping keys in the order the schema lists them (unknown
    keys last, as given) and lists of scalars marked for flow style."""
    while "$ref" in schema:
        schema = root["$defs"][schema["$ref"].rsplit("/", 1)[-1]]
    if isinstance(value, dict):
        known = list(schema.get("properties", {}))
        keys = [key for key in known if key in value] + [key for key in value if key not in known]
        extra = schema.get("additionalProperties")
        return {key: _ordered(value[key], schema.get("properties", {}).get(key) or
                              (extra if isinstance(extra, dict) else {}), root) for key in keys}
    if isinstance(value, (list, tuple)):
        items = [_ordered(item, schema.get("items", {}), root) for item in value]
        flat = all(not isinstance(item, (dict, list)) for item in items)
        return _FlowList(items) if items and flat else items
    return value


class _FlowList(list):
    """A list the dumper writes inline: `characters: [whiskers, buster]`."""


def _story_dumper() -> type:
    import yaml

    class StoryDumper(yaml.SafeDumper):
        def increase_indent(self, flow: bool = False, indentless: bool = False) -> Any:
            return super().increase_indent(flow, False)  # indent list items under their key

    def flow_list(dumper: yaml.SafeDumper, data: list) -> Any:
        return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)

    def text(dumper: yaml.SafeDumper, data: str) -> Any:
        style = "|" if "\n" in data else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)

    StoryDumper.add_representer(_FlowList, flow_list)
    StoryDumper.add_representer(str, text)
    return StoryDumper


def _spaced(body: str) -> str:
    """Blank lines before each section and between scenes, as a person would write it."""
    lines, in_scenes, first_scene = [], False, True
    for line in body.splitlines():
        if line[:1] not in ("", " ", "-"):
            in_scenes = line.startswith("scenes:")
            if line.split(":", 1)[0] in ("video", "providers", "characters", "scenes"):
                lines.append("")
        elif in_scenes and line.startswith("  - "):
            if not first_scene:
                lines.append("")
            first_scene = False
        lines.append(line)
    return "\n".join(lines) + "\n"
