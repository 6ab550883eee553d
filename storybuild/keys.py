"""Canonical JSON and content digests: the only way keys and object names are made."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Iterator


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no insignificant whitespace. NaN/Infinity are refused
    because they have no canonical text and would make keys unstable."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


# A list or mapping longer than this is hashed a batch of elements at a time (_pieces).
LONG = 256
BATCH = 64
_CONTAINERS = (dict, list, tuple)


def digest_value(value: Any) -> str:
    """sha256 hex of the canonical JSON of `value`."""
    if not _holds_long(value, 1):
        return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()
    sha = hashlib.sha256()
    for piece in _pieces(value):
        sha.update(piece.encode("utf-8"))
    return sha.hexdigest()


def _pieces(value: Any) -> Iterator[str]:
    """canonical_json(value) in pieces that join to exactly it. A value holding a long
    list or mapping (the film's timeline and inputs, one entry per scene) is written
    BATCH elements at a time: json.dumps would first build a list of every token of
    it, several times the size of the text, which was the peak of memory of a long
    story's status. A mapping with a key that is not text is never split (json.dumps
    converts those), nor is a batch whose elements hold nothing long."""
    if not _holds_long(value, 2) or (isinstance(value, dict) and not all(isinstance(name, str) for name in value)):
        yield canonical_json(value)
        return
    is_dict = isinstance(value, dict)
    names = sorted(value) if is_dict else range(len(value))
    yield "{" if is_dict else "["
    for start in range(0, len(names), BATCH):
        batch = names[start:start + BATCH]
        part = {name: value[name] for name in batch} if is_dict else value[start:start + BATCH]
        if not _holds_long(part, 2):
            yield ("," if start else "") + canonical_json(part)[1:-1]
            continue
        for name in batch:
            yield ("," if name != names[0] else "") + (canonical_json(name) + ":" if is_dict else "")
            yield from _pieces(value[name])
    yield "}" if is_dict else "]"


def _holds_long(value: Any, depth: int) -> bool:
    """True when `value` is a list or mapping longer than LONG, or holds one at most
    `depth` levels down. The shallow look keeps the check nearly free for the key of an
    ordinary step; a film's key parts hold their long inputs one level down."""
    if not isinstance(value, _CONTAINERS):
        return False
    if len(value) > LONG:
        return True
    if depth:
        for item in value.values() if isinstance(value, dict) else value:
            if isinstance(item, _CONTAINERS) and _holds_long(item, depth - 1):
                return True
    return False


def digest_file(path: Path | str) -> str:
    """sha256 hex of a file's bytes, read in chunks so large videos need little memory."""
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            sha.update(chunk)
    return sha.hexdigest()


class RememberedDigests:
    """digest_file of files outside the store (the music, pictures and font a story
    names), remembered in `file` by (inode, size, mtime_ns): an unchanged photo is not
    hashed again on every `status`. Losing the file costs hashing, never a wrong key;
    a step also checks, after it ran, that its files still hash to what it was planned
    with (actions.run_action)."""

    def __init__(self, file: Path):
        self.file = file
        try:
            known = json.loads(self.file.read_text("utf-8"))
        except (OSError, ValueError):
            known = {}
        self.known: dict[str, list] = known if isinstance(known, dict) else {}
        self.changed = False

    def __call__(self, path: Path) -> str:
        info = os.stat(path)
        signature = [info.st_ino, info.st_size, info.st_mtime_ns]
        entry = self.known.get(str(path))
        if isinstance(entry, list) and len(entry) == 4 and entry[:3] == signature and isinstance(entry[3], str):
            return entry[3]
        found = digest_file(path)
        self.known[str(path)] = [*signature, found]
        self.changed = True
        return found

    def save(self) -> None:
        """Write what was learned; failing (a read-only checkout) only costs speed."""
        from storybuild.atomic import write_atomic

        if self.changed:
            try:
                write_atomic(self.file, json.dumps(self.known, sort_keys=True).encode("utf-8"))
            except OSError:
                pass
