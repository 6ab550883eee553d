"""What is wrong with a story document, in sentences a user can act on.

The checks the JSON Schema cannot express (references between scenes and characters,
duplicate scene ids, provider names from the registry, frame size rules, text that
only looks filled), and the helpers that word every problem; the schema's own errors
are translated by schema_messages.py. Both return `Problem`s; placing them in the
file and formatting them is project.py's job.
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from typing import Any, Callable, Iterable

from storybuild import dialogue
from storybuild.providers import KINDS
from storybuild.yaml_positions import MAX_NUMBER, JsonPath, Problem

# An id names folders and files (build/scenes/<id>): one safe path component, so never
# "." or "..", no control characters, no trailing newline (fullmatch, not `$`).
ID_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
MAX_ID_LENGTH = 64
SIZE_RE = re.compile(r"([0-9]+)x([0-9]+)")  # use fullmatch
MIN_SIDE, MAX_SIDE = 128, 3840
PROVIDER_KINDS = KINDS  # the registry's kinds, named here for the checks that use them


def is_id(value: Any) -> bool:
    """True for a safe scene or character id (see ID_RE)."""
    return isinstance(value, str) and ID_RE.fullmatch(value) is not None


def show(value: Any) -> str:
    """A value as a user wrote it in YAML, short and on one line: 'text', 3, true,
    a list. Invisible and control characters are shown as escapes (\\n, \\u200b)."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value) if abs(value) <= MAX_NUMBER else "a very large number"
    if isinstance(value, float):
        return str(value) if math.isfinite(value) else {"nan": ".nan", "inf": ".inf"}.get(str(value), "-.inf")
    if isinstance(value, str):
        return "'" + escape(value if len(value) <= 40 else value[:37] + "...") + "'"
    return "a list" if isinstance(value, list) else "a mapping"


_ESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def escape(text: str) -> str:
    """`text` with control, format (zero-width, bidi) and separator characters
    escaped, so a report line stays one line and shows what is really there."""
    if text.isprintable():  # the common case, checked in C
        return text
    return "".join(
        _ESCAPES.get(char) or (f"\\u{ord(char):04x}" if ord(char) < 0x10000 else f"\\U{ord(char):08x}")
        if unicodedata.category(char) in _HIDDEN else char
        for char in text)


_HIDDEN = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def looks_empty(text: str) -> bool:
    """True when nothing in `text` would show: only spaces, zero-width, bidi or
    control characters (or variation selectors and other default-ignorables)."""
    return not any(unicodedata.category(char)[0] not in "ZC" and not _ignorable(char) for char in text)


def _ignorable(char: str) -> bool:
    code = ord(char)
    return (0xFE00 <= code <= 0xFE0F or code in (0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x3164, 0xFFA0)
            or 0x180B <= code <= 0x180F or 0xE0100 <= code <= 0xE01EF)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """"; did you mean 'x'?" for the closest choice, or "" when nothing is close."""
    matches = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.75)
    return f"; did you mean '{matches[0]}'?" if matches else ""


# ---------------------------------------------------------------- cross-field checks


def cross_field_problems(
    document: Any,
    provider_names: Callable[[str], list[str]],
    first_use: Callable[[JsonPath], str],
) -> list[Problem]:
    """Checks the schema cannot express. Tolerates any malformed shape (the schema
    reports those): each check looks only at values of the type it expects.
    `first_use(path)` words where an earlier value sits ("line 40")."""
    if not isinstance(document, dict):
        return []
    return [
        *text_problems(document),
        *video_problems(document.get("video")),
        *provider_problems(document.get("providers"), provider_names),
        *voice_problems(document),
        *animation_problems(document),
        *scene_problems(document, first_use),
        *dialogue.line_problems(document),
    ]


def value_problems(document: Any) -> list[Problem]:
    """Values nothing downstream can use, anywhere in a document: .nan, .inf, whole
    numbers beyond MAX_NUMBER (the YAML reader already refuses those in a file; this
    covers documents that never were files) and text with control characters."""
    problems = []
    stack: list[tuple[JsonPath, Any]] = [((), document)]
    while stack:  # a loop, not recursion: a generated document may nest deeply
        path, value = stack.pop()
        if isinstance(value, float) and not math.isfinite(value):
            problems.append(Problem(path, f"must be a finite number (got {show(value)})", settles=True))
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_NUMBER:
            problems.append(Problem(path, f"is too large a number (the largest is {MAX_NUMBER})", settles=True))
        elif isinstance(value, str) and _CONTROL_RE.search(value):
            # Only "\0"-style escapes in quotes get here (the reader refuses raw ones);
            # a NUL would break every command line and file name it reached.
            problems.append(Problem(path, f"must not contain control characters (got {show(value)})", settles=True))
        elif isinstance(value, dict):
            stack.extend((path + (str(key),), item) for key, item in value.items())
        elif isinstance(value, list):
            stack.extend((path + (index,), item) for index, item in enumerate(value))
    return problems


_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # all but \t \n \r
_TEXT_FIELDS = ("image", "narration")


def text_problems(document: dict[str, Any]) -> list[Problem]:
    """Text that must show something but holds only invisible characters (zero-width
    spaces, bidi marks, controls). Whitespace-only text is the schema's to report."""
    fields: list[tuple[JsonPath, Any]] = [(("title",), document.get("title"))]
    characters = document.get("characters")
    if isinstance(characters, dict):
        fields += [((("characters", cid, key)), c.get(key))
                   for cid, c in characters.items() if isinstance(c, dict) for key in ("name", "description")]
    scenes = document.get("scenes")
    if isinstance(scenes, list):
        fields += [(("scenes", i, key), scene.get(key))
                   for i, scene in enumerate(scenes) if isinstance(scene, dict) for key in _TEXT_FIELDS]
    return [Problem(path, "must not be empty")
            for path, value in fields if isinstance(value, str) and value.strip() and looks_empty(value)]


def video_problems(video: Any) -> list[Problem]:
    if not isinstance(video, dict) or not isinstance(video.get("size"), str):
        return []
    match = SIZE_RE.fullmatch(video["size"])
    if not match:
        return []  # the schema's pattern reports it
    problems = [Problem(("video", "size"), f"use either size or {other}, not both")
                for other in ("aspect", "resolution") if other in video]
    # Never int() thousands of digits (Python refuses past 4300): any side that
    # long is out of range anyway.
    width, height = (int(side) if len(side) <= 6 else 2 * MAX_SIDE + int(side[-1]) % 2 for side in match.groups())
    got = f"(got {show(video['size'])[1:-1]})"
    if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
        problems.append(Problem(("video", "size"), f"width and height must be {MIN_SIDE} to {MAX_SIDE} {got}"))
    if width % 2 or height % 2:
        problems.append(Problem(("video", "size"), f"width and height must be even {got}"))
    return problems


def provider_problems(providers: Any, provider_names: Callable[[str], list[str]]) -> list[Problem]:
    if not isinstance(providers, dict):
        return []
    problems = []
    for kind in PROVIDER_KINDS:
        entry = providers.get(kind)
        name = entry.get("provider") if isinstance(entry, dict) else None
        choices = provider_names(kind)
        if isinstance(name, str) and name not in choices:
            problems.append(Problem(
                ("providers", kind, "provider"),
                f"unknown {kind} provider '{name}'{did_you_mean(name, choices)}"
                f" (choose from: {', '.join(choices)})"))
    return problems


def voice_problems(document: dict[str, Any]) -> list[Problem]:
    """Voice names the chosen voice provider does not have: caught here rather than
    when a scene's narration fails halfway through a render."""
    from storybuild.providers import voices

    providers = document.get("providers")
    entry = providers.get("voice") if isinstance(providers, dict) else None
    name = entry.get("provider", "piper") if isinstance(entry, dict) else "piper"
    known = voices(name) if isinstance(name, str) else None
    if not known:
        return []
    named: list[tuple[JsonPath, Any]] = []
    if isinstance(entry, dict):
        named.append((("providers", "voice", "voice"), entry.get("voice")))
    characters = document.get("characters")
    if isinstance(characters, dict):
        named += [(("characters", cid, "voice"), c.get("voice")) for cid, c in characters.items() if isinstance(c, dict)]
        named += [(("characters", cid, "voice", "name"), c["voice"].get("name")) for cid, c in characters.items()
                  if isinstance(c, dict) and isinstance(c.get("voice"), dict)]
    return [Problem(where, f"'{value}' is not a {name} voice{did_you_mean(value, list(known))}"
                           f" ({name} voices: {', '.join(known)})")
            for where, value in named if isinstance(value, str) and value not in known]


def animation_problems(document: dict[str, Any]) -> list[Problem]:
    """`animate: true` with no animation provider would silently stay still: say so."""
    providers = document.get("providers")
    if isinstance(providers, dict) and isinstance(providers.get("animation"), dict):
        return []
    video = document.get("video")
    where: list[tuple[str | int, ...]] = [("video", "animate")] if isinstance(video, dict) and video.get("animate") is True else []
    scenes = document.get("scenes")
    where += [("scenes", i, "animate") for i, scene in enumerate(scenes if isinstance(scenes, list) else [])
              if isinstance(scene, dict) and scene.get("animate") is True]
    return [Problem(path, "needs an animation provider: add providers.animation (e.g. {provider: gemini})")
            for path in where]


def scene_problems(document: dict[str, Any], first_use: Callable[[JsonPath], str]) -> list[Problem]:
    scenes = document.get("scenes")
    if not isinstance(scenes, list):
        return []
    characters = document.get("characters", {})
    declared = list(characters) if isinstance(characters, dict) else None
    problems: list[Problem] = []
    first_index: dict[str, int] = {}
    for index, scene in enumerate(scenes):
        if not isinstance(scene, dict):
            continue
        scene_id = scene.get("id")
        if isinstance(scene_id, str) and scene_id in first_index:
            where = first_use(("scenes", first_index[scene_id], "id"))
            problems.append(Problem(("scenes", index, "id"),
                                    f"duplicate scene id '{scene_id}' (first used at {where})"))
        elif isinstance(scene_id, str):
            first_index[scene_id] = index
        if declared is not None:
            problems.extend(_reference_problems(scene, ("scenes", index), declared))
    return problems


def _reference_problems(scene: dict[str, Any], path: JsonPath, declared: list[str]) -> list[Problem]:
    references: list[tuple[JsonPath, Any]] = [(path + ("speaker",), scene.get("speaker"))]
    references += dialogue.line_speakers(scene, path)
    if isinstance(scene.get("characters"), list):
        references[:0] = [(path + ("characters", i), c) for i, c in enumerate(scene["characters"])]
    known = set(declared)
    problems = []
    for where, value in references:
        # Values that are not ids at all are reported by the schema's pattern.
        if is_id(value) and value not in known:
            # A guess among thousands of names costs seconds and helps nobody.
            hint = did_you_mean(value, declared) if len(declared) <= 100 else ""
            if not hint:
                hint = f" (declared: {_some(declared)})" if declared else " (no characters are declared)"
            problems.append(Problem(where, f"'{value}' is not a declared character{hint}"))
    return problems


def _some(names: list[str], most: int = 10) -> str:
    """The first `most` names, then how many more: a report line stays readable."""
    shown = ", ".join(names[:most])
    return shown if len(names) <= most else f"{shown} and {len(names) - most} more"
