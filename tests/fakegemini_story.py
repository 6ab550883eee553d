"""The fake Gemini text model's answer: a story draft that follows the requested schema."""

from __future__ import annotations

import json
import re
from typing import Any


def story_text(canned: Any, record: Any) -> str:
    """The JSON text answer: `canned` (a string or data) when set, else a story filled
    to the request's response schema (scene count from its minItems, else from
    "exactly N scenes" in the prompt, else 3)."""
    if canned is not None:
        return canned if isinstance(canned, str) else json.dumps(canned)
    schema = record.config.get("response_json_schema") or record.config.get("response_schema") or {}
    definitions = schema.get("$defs") or schema.get("defs") or {}
    scenes = (schema.get("properties") or {}).get("scenes") or {}
    count = scenes.get("min_items")
    if count is None:
        found = re.search(r"exactly (\d+) scenes", record.text)
        count = int(found.group(1)) if found else 3
    theme = record.text.split("\n", 1)[0]
    return json.dumps(fill_schema(schema, make_story(int(count), theme), definitions))


def fill_schema(schema: dict[str, Any], value: Any, definitions: dict[str, Any] | None = None) -> Any:
    """`value` with every property the (snake-cased) response schema declares but
    `value` lacks filled in, so the fake keeps answering on-schema if the schema grows.
    Reads both the OpenAPI subset (type OBJECT) and JSON Schema (type object, $ref)."""
    definitions = definitions or {}
    reference = schema.get("$ref") or schema.get("ref")
    if reference:
        wanted = str(reference).rsplit("/", 1)[-1].replace("_", "").lower()  # keys arrive snake_cased
        schema = next((d for name, d in definitions.items() if name.replace("_", "").lower() == wanted), {})
    kind = str(schema.get("type", "")).upper()
    if kind == "OBJECT":
        value = dict(value) if isinstance(value, dict) else {}
        for name, sub in (schema.get("properties") or {}).items():
            value[name] = fill_schema(sub, value.get(name), definitions)
        return value
    if kind == "ARRAY":
        return [fill_schema(schema.get("items") or {}, item, definitions) for item in value or []]
    if value is not None:
        return value
    return {"STRING": "x", "INTEGER": 1, "NUMBER": 1.0, "BOOLEAN": False}.get(kind)


def make_story(scene_count: int, theme: str = "") -> dict[str, Any]:
    """A story draft in the writer's response shape, deterministic in its inputs."""
    characters = [
        {"id": "Pip", "name": "Pip", "voice": "puck",
         "description": "a small round yellow duckling with an orange beak and a blue scarf"},
        {"id": "mo", "name": "Mo", "voice": "Charon",
         "description": "a tall gentle grey elephant with big ears and a green hat"},
    ]
    scenes = [{"id": "The Start" if i == 0 else f"scene {i + 1}", "title": f"Part {i + 1}",
               "image": f"Pip and Mo at place {i + 1} ({theme[:40]})",
               "narration": f"Pip and Mo had adventure number {i + 1}.",
               "characters": ["pip", "Mo"] if i % 2 == 0 else ["mo", "nobody"]} for i in range(scene_count)]
    return {"title": "Pip and Mo", "style": "bright flat crayon drawing", "characters": characters, "scenes": scenes}
