"""YAML text -> plain JSON-like data, plus the line and column of every key and value.

PyYAML's loaders throw positions away, so the story is *composed* (every node keeps
its marks) and the plain data is built here from the nodes. That lets validation
point at `story.yaml:LINE:COL`, and lets us catch duplicate keys, which PyYAML's
constructor silently resolves by keeping the last one.
"""

from __future__ import annotations

import math
import re
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
_VALUE_TAG = "tag:yaml.org,2002:value"  # YAML 1.1's `=`: plain text to a user
_TEXT_TAGS = {"tag:yaml.org,2002:str", _TIMESTAMP_TAG, _VALUE_TAG}
_COLLECTION_TAGS = {"tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"}
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Limits a story never comes near, so a hostile file is refused before it costs time
# or memory: a 400-byte alias bomb would otherwise expand to billions of values.
MAX_ALIASES = 100
MAX_VALUES = 100_000  # values in the document with every alias expanded
MAX_DEPTH = 32  # a story nests 5 deep; Python recursion would fail near 1000
MAX_NUMBER = 2**53 - 1  # the largest whole number JSON tools agree on
# YAML 1.2 (and JSON, and schema-aware editors) read 1e12 as a number; YAML 1.1 only
# with a dot. Plain scalars of this form are read as numbers, as a user expects.
_EXPONENT_RE = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)[eE][-+]?[0-9]+")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a story document, before it is placed in a file.

    `path` names the value (JSON path tuple, () for the whole document); `at_key`
    says to point at the mapping key rather than the value (unknown fields); `where`,
    when set, is the exact 1-based (line, column) and wins over both. `settles`
    says the reader replaced the value at `path` (an unusable number, a tagged
    scalar), so any later problem at or under `path` would only repeat this one.
    """

    path: JsonPath
    message: str
    at_key: bool = False
    where: tuple[int, int] | None = None
    settles: bool = False


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
    building: duplicate keys, non-name keys, unsupported tags, recursive aliases,
    numbers out of range). An empty document gives data None. Raises YamlSyntaxError,
    also for a document over the limits (aliases, expanded values, depth)."""
    try:
        _check_limits(text)
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise YamlSyntaxError(line, column, _syntax_message(error, text)) from None
    except yaml.reader.ReaderError as error:
        raise _reader_error(error, text) from None
    except yaml.YAMLError as error:  # nothing else is known to reach here
        raise YamlSyntaxError(1, 1, "invalid YAML: " + " ".join(str(error).split())) from None
    builder = _Builder(text)
    data = builder.build(root, ()) if root is not None else None
    return data, builder.positions, builder.problems


def _check_limits(text: str) -> None:
    """Walk the parser's events (no values are built) and refuse a document with too
    many aliases, too many values once aliases are expanded, or nesting too deep.
    The expanded size is summed per anchor, so a bomb is caught in one pass."""
    sizes: dict[str, int] = {}  # anchor -> values it stands for, aliases expanded
    open_starts: list[tuple[str | None, int]] = []  # (anchor, total at its start)
    total = aliases = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > MAX_ALIASES:
                raise _limit(event, f"the story uses more than {MAX_ALIASES} aliases (*name); write the values out")
            total += sizes.get(event.anchor, 1)
        elif isinstance(event, yaml.ScalarEvent):
            total += 1
            if event.anchor is not None:
                sizes[event.anchor] = 1
        elif isinstance(event, yaml.CollectionStartEvent):
            open_starts.append((event.anchor, total))
            total += 1
            if len(open_starts) > MAX_DEPTH:
                raise _limit(event, f"the story nests lists and mappings more than {MAX_DEPTH} deep")
        elif isinstance(event, yaml.CollectionEndEvent):
            anchor, started = open_starts.pop()
            if anchor is not None:
                sizes[anchor] = total - started
        if total > MAX_VALUES:
            raise _limit(event, f"the story is too large: more than {MAX_VALUES} values"
                         + (" once aliases are expanded" if aliases else ""))


def _limit(event: yaml.Event, message: str) -> YamlSyntaxError:
    return YamlSyntaxError(event.start_mark.line + 1, event.start_mark.column + 1, message)


def _reader_error(error: yaml.reader.ReaderError, text: str) -> YamlSyntaxError:
    """libyaml's reader counts bytes of the UTF-8 text (PyYAML's own, characters):
    point at the character."""
    if _Loader is yaml.SafeLoader:
        before, bad = text[:error.position], text[error.position:error.position + 1]
    else:
        data = text.encode("utf-8", "surrogatepass")
        before = data[:error.position].decode("utf-8", "replace")
        bad = data[error.position:].decode("utf-8", "replace")[:1]
    line = before.count("\n") + 1
    column = len(before) - (before.rfind("\n") + 1) + 1
    if not bad:
        return YamlSyntaxError(line, column, f"invalid YAML: {error.reason}")
    kind = "control character" if bad.isascii() or ord(bad) < 0xA0 else "character"
    return YamlSyntaxError(line, column, f"invalid YAML: {kind} U+{ord(bad):04X} is not allowed")


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

    def __init__(self, text: str) -> None:
        self._text = text
        self.positions = Positions()
        self.problems: list[Problem] = []
        self._constructor = yaml.constructor.SafeConstructor()
        self._active: set[int] = set()  # node ids being built: an alias to one is a cycle

    def build(self, node: yaml.Node, path: JsonPath) -> Any:
        self.positions.values[path] = _mark(node)
        if id(node) in self._active:
            self.problems.append(Problem(path, "recursive YAML alias", settles=True))
            return None
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node, path)
        if node.tag not in _COLLECTION_TAGS:
            # `!!python/object {...}` or `!foo [1]`: refused like a tagged scalar, and
            # read as the plain mapping or list so its contents are still checked.
            self.problems.append(Problem(path, _unsupported(node.tag)))
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
            mark = _mark(key_node)
            first_line[key] = mark[0]
            self.positions.keys[path + (key,)] = mark
            result[key] = self.build(value_node, path + (key,))
        return result

    def _scalar(self, node: yaml.ScalarNode, path: JsonPath) -> Any:
        if node.tag in _TEXT_TAGS:  # dates are text here; nothing in a story is a date
            if node.style or not _EXPONENT_RE.fullmatch(node.value) or self._tagged(node):
                return node.value
            return self._number(float(node.value), node, path)
        if node.tag not in _PLAIN_TAGS:
            self.problems.append(Problem(path, _unsupported(node.tag), settles=True))
            return node.value
        plain = not node.style
        if ":" in node.value and node.tag != "tag:yaml.org,2002:str" and plain:
            # YAML 1.1 reads 16:9 as the base-60 number 969; no story field wants that.
            return node.value
        try:
            value = self._constructor.construct_object(node)
        except ValueError:  # int() refuses more than 4300 digits
            self.problems.append(Problem(path, f"is too large a number (the largest is {MAX_NUMBER})", settles=True))
            return None
        return self._number(value, node, path) if isinstance(value, (int, float)) else value

    def _tagged(self, node: yaml.Node) -> bool:
        """Whether the node was written with an explicit tag (`!!str 1e5` stays text)."""
        return self._text[node.start_mark.index:node.start_mark.index + 1] == "!"

    def _number(self, value: int | float, node: yaml.ScalarNode, path: JsonPath) -> int | float | None:
        """Numbers the rest of storybuild can use: finite, and whole numbers in range."""
        if isinstance(value, float) and not math.isfinite(value):
            self.problems.append(Problem(path, f"must be a finite number (got {_short(node.value)})", settles=True))
            return None
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_NUMBER:
            self.problems.append(Problem(path, f"is too large a number (the largest is {MAX_NUMBER})", settles=True))
            return None
        return value


def _unsupported(tag: str) -> str:
    """Name the tag as the user wrote it: `!!python/object`, not its long URI."""
    short = "!!" + tag[len("tag:yaml.org,2002:"):] if tag.startswith("tag:yaml.org,2002:") else tag
    return f"unsupported YAML tag '{_short(short)}'; a story holds only plain text, numbers, lists and mappings"


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."


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
