"""YAML text -> plain JSON-like data, plus the line and column of every key and value.

PyYAML's loaders throw positions away, so the story is *composed* (every node keeps
its marks) and the plain data is built here from the nodes. That lets validation
point at `story.yaml:LINE:COL`, and lets us catch duplicate keys, which PyYAML's
constructor silently resolves by keeping the last one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

JsonPath = tuple[str | int, ...]

_PLAIN_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
}
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a story document, before it is placed in a file.

    `path` names the value (JSON path tuple, () for the whole document); `at_key`
    says to point at the mapping key rather than the value (unknown fields); `where`,
    when set, is the exact 1-based (line, column) and wins over both.
    """

    path: JsonPath
    message: str
    at_key: bool = False
    where: tuple[int, int] | None = None


class YamlSyntaxError(Exception):
    """The text is not YAML (or not a single document). Line and column are 1-based."""

    def __init__(self, line: int, column: int, message: str):
        super().__init__(message)
        self.line = line
        self.column = column
        self.message = message


class Positions:
    """Where values and keys sit, by JSON path, as 1-based (line, column).

    Invariant: every path of the parsed data has a value position. A lookup of a path
    that does not exist (a missing required field) falls back to its nearest ancestor.
    """

    def __init__(self) -> None:
        self.values: dict[JsonPath, tuple[int, int]] = {}
        self.keys: dict[JsonPath, tuple[int, int]] = {}

    def of(self, path: JsonPath, at_key: bool = False) -> tuple[int, int]:
        if at_key and path in self.keys:
            return self.keys[path]
        while path not in self.values and path:
            path = path[:-1]
        return self.values.get(path, (1, 1))

    def line(self, path: JsonPath) -> int:
        return self.of(path)[0]


def parse(text: str) -> tuple[Any, Positions, list[Problem]]:
    """Parse one YAML document. Returns (data, positions, problems found while
    building: duplicate keys, non-name keys, unsupported tags, recursive aliases).
    An empty document gives data None. Raises YamlSyntaxError."""
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise YamlSyntaxError(line, column, _syntax_message(error, text)) from None
    except yaml.YAMLError as error:  # e.g. a reader error on control characters
        raise YamlSyntaxError(1, 1, f"invalid YAML: {error}") from None
    builder = _Builder()
    data = builder.build(root, ()) if root is not None else None
    return data, builder.positions, builder.problems


def _syntax_message(error: yaml.MarkedYAMLError, text: str) -> str:
    """libyaml's wording, plus plain advice for the two classic traps."""
    mark = error.problem_mark
    if mark is not None and text[mark.index:mark.index + 1] == "\t":
        return "invalid YAML: a tab character; indent with spaces"
    if error.context == "expected a single document in the stream":
        return "invalid YAML: a second document starts here; a story file holds one"
    message = f"invalid YAML: {error.problem or error.context}"
    if error.problem and error.context and error.context_mark:
        message += f" ({error.context} at line {error.context_mark.line + 1})"
    return message


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _Builder:
    """Turns composed nodes into dicts/lists/scalars while recording positions."""

    def __init__(self) -> None:
        self.positions = Positions()
        self.problems: list[Problem] = []
        self._constructor = yaml.constructor.SafeConstructor()
        self._active: set[int] = set()  # node ids being built: an alias to one is a cycle

    def build(self, node: yaml.Node, path: JsonPath) -> Any:
        self.positions.values[path] = _mark(node)
        if id(node) in self._active:
            self.problems.append(Problem(path, "recursive YAML alias"))
            return None
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node, path)
        self._active.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                return [self.build(item, path + (index,)) for index, item in enumerate(node.value)]
            return self._mapping(node, path)
        finally:
            self._active.discard(id(node))

    def _mapping(self, node: yaml.MappingNode, path: JsonPath) -> dict[str, Any]:
        result: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.problems.append(Problem(path, "keys must be plain names", where=_mark(key_node)))
                continue
            # Keys are names, never values: `on:` or `2024:` stay strings as written.
            key = key_node.value
            if key in first_line:
                self.problems.append(Problem(
                    path + (key,), f"duplicate key '{key}' (first used at line {first_line[key]})",
                    where=_mark(key_node)))
                continue
            first_line[key] = _mark(key_node)[0]
            self.positions.keys[path + (key,)] = _mark(key_node)
            result[key] = self.build(value_node, path + (key,))
        return result

    def _scalar(self, node: yaml.ScalarNode, path: JsonPath) -> Any:
        if node.tag == _TIMESTAMP_TAG:
            return node.value  # dates are text here; nothing in a story is a date
        if node.tag not in _PLAIN_TAGS:
            self.problems.append(Problem(path, f"unsupported YAML tag '{node.tag}'"))
            return node.value
        if ":" in node.value and node.tag != "tag:yaml.org,2002:str" and not node.style:
            # YAML 1.1 reads 16:9 as the base-60 number 969; no story field wants that.
            return node.value
        return self._constructor.construct_object(node)


def positions_in_order(document: Any) -> Positions:
    """Positions for a document that never was a file: the `line` is the pre-order
    index of each value, so problems still sort in document order."""
    positions = Positions()
    counter = iter(range(1, 1 << 30))

    def visit(value: Any, path: JsonPath) -> None:
        positions.values[path] = positions.keys[path] = (next(counter), 0)
        if isinstance(value, dict):
            for key, item in value.items():
                visit(item, path + (str(key),))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                visit(item, path + (index,))

    visit(document, ())
    return positions
