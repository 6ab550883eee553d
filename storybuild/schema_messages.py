"""jsonschema's errors about a story document, in sentences a user can act on.

jsonschema's own wording is full of Python reprs ("'narraton' was unexpected"); each of
its validators gets a translation here into a `Problem` (a JSON path and a sentence).
The checks the schema cannot express are story_checks.py's.
"""

from __future__ import annotations

from typing import Any, Callable

from storybuild.story_checks import did_you_mean, show
from storybuild.yaml_positions import JsonPath, Problem

_TYPE_NAMES = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "object": "a mapping",
    "array": "a list",
    "null": "empty",
}


def schema_problems(document: Any, schema: dict[str, Any]) -> list[Problem]:
    """Every schema violation of `document`, translated. Imports jsonschema (slow)."""
    from jsonschema import Draft202012Validator

    errors = list(Draft202012Validator(schema).iter_errors(document))
    # A value of the wrong type fails its enum/pattern too: the type is the one to report.
    wrong_type = {tuple(e.absolute_path) for e in errors if e.validator == "type"}
    problems: dict[Problem, None] = {}  # ordered set: `required` yields duplicates
    for error in errors:
        if error.validator != "type" and tuple(error.absolute_path) in wrong_type:
            continue
        for problem in _translate(error):
            problems[problem] = None
    return list(problems)


def _translate(error: Any) -> list[Problem]:
    path = tuple(error.absolute_path)
    if "propertyNames" in error.absolute_schema_path:
        # jsonschema reports a bad key at the mapping's path, with the key as instance.
        key = error.instance
        if error.validator == "maxLength":
            return [Problem(path + (key,), _too_long(error), at_key=True)]
        return [Problem(path + (key,), f"{_pattern_text(error)} (got {show(key)})", at_key=True)]
    handler = _HANDLERS.get(error.validator)
    if handler is None:
        return [Problem(path, f"is not valid here (fails the schema's '{error.validator}' rule)")]
    return handler(error, path)


def _required(error: Any, path: JsonPath) -> list[Problem]:
    missing = [name for name in error.validator_value if name not in error.instance]
    return [Problem(path, f"missing required field '{name}'") for name in missing]


def _additional(error: Any, path: JsonPath) -> list[Problem]:
    allowed = list(error.schema.get("properties", {}))
    unknown = [key for key in error.instance if key not in allowed]
    problems = []
    for key in unknown:
        # Past a few dozen unknown keys a guess for each is noise (and costs time).
        guess = did_you_mean(key, allowed) if len(unknown) <= 50 else ""
        hint = guess or f" (expected one of: {', '.join(allowed)})"
        problems.append(Problem(path + (key,), f"unknown field{hint}", at_key=True))
    return problems


def _type(error: Any, path: JsonPath) -> list[Problem]:
    expected = error.validator_value
    expected = [expected] if isinstance(expected, str) else list(expected)
    value = error.instance
    if expected == ["string"] and (value is None or value == ""):
        return [Problem(path, "must not be empty")]
    names = " or ".join(_TYPE_NAMES.get(name, name) for name in expected)
    if not path:
        return [Problem(path, f"the story must be a mapping of fields (got {show(value)})")]
    message = f"must be {names} (got {show(value)})"
    if expected == ["string"] and isinstance(value, (bool, int, float)):
        message += "; put it in quotes"
    return [Problem(path, message)]


def _enum(error: Any, path: JsonPath) -> list[Problem]:
    if len(path) == 3 and path[0] == "providers" and path[2] == "provider":
        return []  # the registry is the authority on provider names: see provider_problems
    choices = [show(choice) for choice in error.validator_value]
    hint = ""
    if isinstance(error.instance, str):
        hint = did_you_mean(error.instance, [c for c in error.validator_value if isinstance(c, str)])
    return [Problem(path, f"must be one of {', '.join(choices)} (got {show(error.instance)}){hint}")]


def _const(error: Any, path: JsonPath) -> list[Problem]:
    return [Problem(path, f"must be {show(error.validator_value)} (got {show(error.instance)})")]


def _pattern_text(error: Any) -> str:
    return error.schema.get("patternErrorMessage", "does not have the expected form")


def _pattern(error: Any, path: JsonPath) -> list[Problem]:
    text = _pattern_text(error)
    if text == "must not be empty":
        return [Problem(path, text)]
    return [Problem(path, f"{text} (got {show(error.instance)})")]


def _min_length(error: Any, path: JsonPath) -> list[Problem]:
    return [Problem(path, "must not be empty")]


def _too_long(error: Any) -> str:
    return f"must be at most {error.validator_value} characters long (got {len(error.instance)})"


def _max_length(error: Any, path: JsonPath) -> list[Problem]:
    return [Problem(path, _too_long(error))]


def _bound(words: str) -> Callable[[Any, JsonPath], list[Problem]]:
    def handler(error: Any, path: JsonPath) -> list[Problem]:
        return [Problem(path, f"must be {words} {show(error.validator_value)} (got {show(error.instance)})")]

    return handler


def _min_items(error: Any, path: JsonPath) -> list[Problem]:
    count = error.validator_value
    return [Problem(path, "must not be empty" if count == 1 else f"must have at least {count} items")]


def _unique(error: Any, path: JsonPath) -> list[Problem]:
    items = error.instance
    for index, item in enumerate(items):
        if item in items[:index]:
            return [Problem(path + (index,), f"{show(item)} is listed more than once")]
    return [Problem(path, "must not list the same item twice")]


def _any_of(error: Any, path: JsonPath) -> list[Problem]:
    """A value that may take several forms (a name or a mapping): report what is wrong
    within the form whose type the value has, or name the forms when none fits."""
    branches: dict[int, list[Any]] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    for subs in branches.values():
        if not any(s.validator == "type" and not s.relative_path for s in subs):
            return [problem for sub in subs for problem in _translate(sub)]
    forms = []
    for option in error.validator_value:
        kind = option.get("type")
        forms.append(" or ".join(show(v) for v in option["enum"]) if "enum" in option
                     else _TYPE_NAMES.get(kind, str(kind)))
    return [Problem(path, f"must be {' or '.join(forms)} (got {show(error.instance)})")]


_HANDLERS: dict[str, Callable[[Any, JsonPath], list[Problem]]] = {
    "anyOf": _any_of,
    "required": _required,
    "additionalProperties": _additional,
    "type": _type,
    "enum": _enum,
    "const": _const,
    "pattern": _pattern,
    "minLength": _min_length,
    "maxLength": _max_length,
    "minimum": _bound("at least"),
    "maximum": _bound("at most"),
    "exclusiveMinimum": _bound("more than"),
    "exclusiveMaximum": _bound("less than"),
    "minItems": _min_items,
    "uniqueItems": _unique,
}
