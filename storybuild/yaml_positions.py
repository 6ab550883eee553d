"""YAML text -> plain JSON-like data, plus the line and column of every key and value.

PyYAML's loaders throw positions away, so the story is *composed* (every node keeps
its marks) and the plain data is built here from the nodes. That lets validation
point at `story.yaml:LINE:COL`, and lets us catch duplicate keys, which PyYAML's
constructor silently resolves by keeping the last one.

Before anything is built, the parser's events are counted against limits no story
comes near (MAX_ALIASES, MAX_VALUES with aliases expanded, MAX_DEPTH), so an alias
bomb or a 10,000-deep nest is refused in milliseconds at the line that crosses them.
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
_RESOLVER = yaml.resolver.Resolver()  # YAML 1.1's implicit types, as PyYAML's safe loader

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

    def __init__(self, text: str | None = None) -> None:
        self.values: dict[JsonPath, tuple[int, int]] = {}
        self.keys: dict[JsonPath, tuple[int, int]] = {}
        self._text = text  # when set: found in it on first use (they cost more memory than the data)

    def of(self, path: JsonPath, at_key: bool = False) -> tuple[int, int]:
        if self._text is not None:
            found = _Builder(self._text).run()[1]
            self.values, self.keys, self._text = found.values, found.keys, None
        if at_key and path in self.keys:
            return self.keys[path]
        while path not in self.values and path:
            path = path[:-1]
        return self.values.get(path, (1, 1))

    def line(self, path: JsonPath) -> int:
        return self.of(path)[0]


def parse(text: str, deferred: bool = False) -> tuple[Any, Positions, list[Problem]]:
    """Parse one YAML document. Returns (data, positions, problems found while
    building: duplicate keys, non-name keys, unsupported tags, recursive aliases,
    numbers out of range). An empty document gives data None. Raises YamlSyntaxError,
    also for a document over the limits. `deferred`: positions are found (the text
    read again) only when first asked for."""
    try:
        _check_limits(text)  # a pass over events alone: 0.1 s for 1 MB, nothing built
        return _Builder(text, record=not deferred).run()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise YamlSyntaxError(line, column, _syntax_message(error, text)) from None
    except yaml.reader.ReaderError as error:
        raise _reader_error(error, text) from None
    except yaml.YAMLError as error:  # nothing else is known to reach here
        raise YamlSyntaxError(1, 1, "invalid YAML: " + " ".join(str(error).split())) from None


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


def _mark(event: yaml.Event) -> tuple[int, int]:
    return event.start_mark.line + 1, event.start_mark.column + 1


def _error_at(event: yaml.Event, message: str) -> YamlSyntaxError:
    return YamlSyntaxError(*_mark(event), message)


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
                raise _error_at(event, f"the story uses more than {MAX_ALIASES} aliases (*name); write the values out")
            total += sizes.get(event.anchor, 1)
        elif isinstance(event, yaml.ScalarEvent):
            total += 1
            if event.anchor is not None:
                sizes[event.anchor] = 1
        elif isinstance(event, yaml.CollectionStartEvent):
            open_starts.append((event.anchor, total))
            total += 1
            if len(open_starts) > MAX_DEPTH:
                raise _error_at(event, f"the story nests lists and mappings more than {MAX_DEPTH} deep")
        elif isinstance(event, yaml.CollectionEndEvent):
            anchor, started = open_starts.pop()
            if anchor is not None:
                sizes[anchor] = total - started
        if total > MAX_VALUES:
            raise _error_at(event, f"the story is too large: more than {MAX_VALUES} values"
                         + (" once aliases are expanded" if aliases else ""))


_OPEN = object()  # the value of an anchor whose list or mapping is still being read


class _Frame:
    """A list or mapping being read. `quiet`: nothing under it is recorded (a key
    that is not a name, the value of a duplicate key). `state`, for a mapping:
    "key" (a key comes next), "value" (the value of `key`), "skip" (a value to drop)."""

    __slots__ = ("value", "path", "anchor", "quiet", "key", "state", "first_line")

    def __init__(self, value: list | dict, path: JsonPath, anchor: str | None, quiet: bool):
        self.value, self.path, self.anchor, self.quiet = value, path, anchor, quiet
        self.key: str = ""
        self.state = "key"
        self.first_line: dict[str, int] = {}


class _Builder:
    """Builds plain data straight from the parser's events (no node graph), recording
    positions, without recursion. Runs after _check_limits, so the document is known
    to be small. An alias gives the same object as its anchor (nothing is copied), and
    problems under it point at the alias."""

    def __init__(self, text: str, record: bool = True) -> None:
        self._record = record  # else Positions(text) finds them later, if asked
        self.positions = Positions() if record else Positions(text)
        self.problems: list[Problem] = []
        self._text = text
        self._constructor = yaml.constructor.SafeConstructor()
        self._anchors: dict[str, Any] = {}  # anchor -> its value (_OPEN while being read)
        self._stack: list[_Frame] = []
        self._root: Any = None
        self._documents = 0

    def run(self) -> tuple[Any, Positions, list[Problem]]:
        for event in yaml.parse(self._text, Loader=_Loader):
            if isinstance(event, yaml.ScalarEvent):
                self._scalar(event)
            elif isinstance(event, yaml.CollectionStartEvent):
                self._start(event)
            elif isinstance(event, yaml.CollectionEndEvent):
                self._end()
            elif isinstance(event, yaml.AliasEvent):
                self._alias(event)
            elif isinstance(event, yaml.DocumentStartEvent):
                self._documents += 1
                if self._documents > 1:
                    raise _error_at(event, "invalid YAML: a second document starts here; a story file holds one")
        return self._root, self.positions, self.problems

    # -- where the next value goes

    def _expects_key(self) -> bool:
        return bool(self._stack) and isinstance(self._stack[-1].value, dict) and self._stack[-1].state == "key"

    def _context(self) -> tuple[JsonPath, bool]:
        """(path of the next value, whether it goes unrecorded)."""
        if not self._stack:
            return (), False
        frame = self._stack[-1]
        if isinstance(frame.value, list):
            return frame.path + (len(frame.value),), frame.quiet
        if frame.state == "value":
            return frame.path + (frame.key,), frame.quiet
        return frame.path, True  # "skip": the value of a duplicate or non-name key

    def _put(self, value: Any) -> None:
        if not self._stack:
            self._root = value
            return
        frame = self._stack[-1]
        if isinstance(frame.value, list):
            frame.value.append(value)
        elif frame.state == "value":
            frame.value[frame.key] = value
            frame.state = "key"
        else:  # "skip" drops the value; "key" here means the key was a list or mapping
            frame.state = "key" if frame.state == "skip" else "skip"

    def _problem(self, quiet: bool, path: JsonPath, message: str, **extra: Any) -> None:
        if not quiet:
            self.problems.append(Problem(path, message, **extra))

    # -- events

    def _scalar(self, event: yaml.ScalarEvent) -> None:
        if self._expects_key():
            self._key(self._stack[-1], event)
            return
        path, quiet = self._context()
        if self._record and not quiet:
            self.positions.values[path] = _mark(event)
        value = self._scalar_value(event, path, quiet)
        if event.anchor is not None:
            self._anchors[event.anchor] = value
        self._put(value)

    def _key(self, frame: _Frame, event: yaml.ScalarEvent) -> None:
        # Keys are names, never values: `on:` or `2024:` stay strings as written.
        key, mark = event.value, _mark(event)
        if event.anchor is not None:
            self._anchors[event.anchor] = key
        if key in frame.first_line:
            self._problem(frame.quiet, frame.path + (key,),
                          f"duplicate key '{key}' (first used at line {frame.first_line[key]})", where=mark)
            frame.state = "skip"
            return
        frame.first_line[key] = mark[0]
        if self._record and not frame.quiet:
            self.positions.keys[frame.path + (key,)] = mark
        frame.key, frame.state = key, "value"

    def _start(self, event: yaml.CollectionStartEvent) -> None:
        if self._expects_key():
            self._problem(self._stack[-1].quiet, self._stack[-1].path, "keys must be plain names", where=_mark(event))
            path, quiet = self._stack[-1].path, True
        else:
            path, quiet = self._context()
            if self._record and not quiet:
                self.positions.values[path] = _mark(event)
        if event.tag not in (None, "!") and event.tag not in _COLLECTION_TAGS:
            # `!!python/object {...}` or `!foo [1]`: refused like a tagged scalar, and
            # read as the plain mapping or list so its contents are still checked.
            self._problem(quiet, path, _unsupported(event.tag))
        value: list | dict = {} if isinstance(event, yaml.MappingStartEvent) else []
        if event.anchor is not None:
            self._anchors[event.anchor] = _OPEN
        self._stack.append(_Frame(value, path, event.anchor, quiet))

    def _end(self) -> None:
        frame = self._stack.pop()
        if frame.anchor is not None:
            self._anchors[frame.anchor] = frame.value
        self._put(frame.value)

    def _alias(self, event: yaml.AliasEvent) -> None:
        if event.anchor not in self._anchors:
            raise _error_at(event, "invalid YAML: found undefined alias")
        value = self._anchors[event.anchor]
        if self._expects_key():
            frame = self._stack[-1]
            self._problem(frame.quiet, frame.path, "keys must be plain names", where=_mark(event))
            frame.state = "skip"
            return
        path, quiet = self._context()
        if self._record and not quiet:
            self.positions.values[path] = _mark(event)
        if value is _OPEN:
            self._problem(quiet, path, "recursive YAML alias", settles=True)
            value = None
        self._put(value)

    # -- scalars

    def _scalar_value(self, event: yaml.ScalarEvent, path: JsonPath, quiet: bool) -> Any:
        tagged = event.tag not in (None, "!")
        tag = event.tag if tagged else _RESOLVER.resolve(yaml.ScalarNode, event.value, event.implicit)
        plain = not event.style
        if tag in _TEXT_TAGS:  # dates are text here; nothing in a story is a date
            if not plain or tagged or not _EXPONENT_RE.fullmatch(event.value):
                return event.value
            return self._number(float(event.value), event, path, quiet)
        if tag not in _PLAIN_TAGS:
            self._problem(quiet, path, _unsupported(tag), settles=True)
            return event.value
        if ":" in event.value and plain:
            # YAML 1.1 reads 16:9 as the base-60 number 969; no story field wants that.
            return event.value
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        try:
            value = self._constructor.yaml_constructors[tag](self._constructor, node)
        except ValueError:  # int() refuses more than 4300 digits
            self._problem(quiet, path, f"is too large a number (the largest is {MAX_NUMBER})", settles=True)
            return None
        return self._number(value, event, path, quiet) if isinstance(value, (int, float)) else value

    def _number(self, value: int | float, event: yaml.ScalarEvent, path: JsonPath, quiet: bool) -> Any:
        """Numbers the rest of storybuild can use: finite, and whole numbers in range."""
        if isinstance(value, float) and not math.isfinite(value):
            self._problem(quiet, path, f"must be a finite number (got {_short(event.value)})", settles=True)
            return None
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_NUMBER:
            self._problem(quiet, path, f"is too large a number (the largest is {MAX_NUMBER})", settles=True)
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
