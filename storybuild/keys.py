"""Canonical JSON and content digests: the only way keys and object names are made."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no insignificant whitespace. NaN/Infinity are refused
    because they have no canonical text and would make keys unstable."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def digest_value(value: Any) -> str:
    """sha256 hex of the canonical JSON of `value`."""
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()


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
