"""Reading the store's records with little memory: checked.json held compactly, and
long traces read without their key parts.

checked.json maps each object's digest (64 hex) to [inode, size, mtime_ns]: a story
of N scenes has about 5N of them, and `status` needs them all. As parsed JSON each
entry costs ~260 bytes (a 64-character string, a list, three ints); here it is a
32-byte key and a 24-byte packed value, ~150 bytes with the dict's own slot. The file
is packed as it is parsed, entry by entry, so both forms never exist whole at once. The file's format is unchanged: save writes what json.dumps wrote.
"""

from __future__ import annotations

import json
import re
import struct
from pathlib import Path
from typing import Any, Iterator, MutableMapping

_SIGNATURE = struct.Struct("<QQq")  # inode, size (both unsigned), mtime_ns (signed)
_MISSING = object()
LEAN_FROM = 1 << 16  # bytes of a trace read without its key parts by a lean store
_STRING = rb'"[^"\\]*+(?:\\.[^"\\]*+)*+"'
_TOKEN = re.compile(_STRING + rb'|([\[{])|[\]}]')  # a string, an opening or a closing bracket
_BRACKET = re.compile(rb'(?:[^"\[\]{}]++|' + _STRING + rb')*+([\[\]{}])')  # what comes before the next bracket, and it
_KEY_END = re.compile(rb"[ \t\n\r]*:[ \t\n\r]*")


def read_trace_json(raw: bytes, lean: bool) -> Any:
    """A trace file's JSON. With `lean`, a long trace (a long film's: its key parts hold
    the whole timeline) is read with its key parts replaced by {} (only their brackets
    are matched, their content is not checked): parsing them would briefly cost several
    times the file's size, and status never reads them. Raises ValueError."""
    if not lean or len(raw) < LEAN_FROM:
        return json.loads(raw)
    start, end = _object_span(raw, b'"parts"')
    return json.loads(raw[:start] + b"{}" + raw[end:] if end else raw)


def _object_span(raw: bytes, name: bytes) -> tuple[int, int]:
    """Where the value of the top-level key `name` (quoted, as in the file) is in the
    JSON object `raw`; (0, 0) when there is no such key. Raises ValueError when that
    value is not an object or is not closed."""
    depth = 0
    for token in _TOKEN.finditer(raw):
        if token.lastindex:  # an opening bracket
            depth += 1
        elif raw[token.start()] != 0x22:  # a closing bracket
            depth -= 1
        elif depth == 1 and token.group() == name:
            colon = _KEY_END.match(raw, token.end())
            if colon is not None:  # the key, not a value that says the same
                return colon.end(), _object_end(raw, colon.end())
    return 0, 0


def _object_end(raw: bytes, start: int) -> int:
    """The index just after the object that starts at `start`: one step per bracket,
    the text and strings between brackets skipped by the regular expression."""
    if raw[start:start + 1] != b"{":
        raise ValueError("not an object")
    depth = 0
    for bracket in _BRACKET.finditer(raw, start):
        depth += 1 if bracket.group(1) in (b"{", b"[") else -1
        if not depth:
            return bracket.end()
    raise ValueError("an object is not closed")


class Signatures(MutableMapping[str, list]):
    """digest (hex) -> [inode, size, mtime_ns], as a dict of that would be; `get`
    answers a new list equal to what was stored. Invariant: an entry whose digest is
    64 lowercase hex and whose numbers fit 64 bits is packed (digest bytes -> struct);
    anything else (never written by storybuild) is kept as given in `_other`."""

    def __init__(self) -> None:
        self._packed: dict[bytes, bytes] = {}
        self._other: dict[str, Any] = {}

    @staticmethod
    def _key(digest: str) -> bytes | None:
        """The packed key of `digest`, or None when it is not 64 lowercase hex."""
        if len(digest) != 64 or not digest.islower():
            return None
        try:
            return bytes.fromhex(digest)
        except ValueError:
            return None

    def get(self, digest: str, default: Any = None) -> Any:
        key = self._key(digest)
        packed = self._packed.get(key) if key is not None else None
        if packed is not None:
            return list(_SIGNATURE.unpack(packed))
        return self._other.get(digest, default)

    def __getitem__(self, digest: str) -> list:
        found = self.get(digest, _MISSING)
        if found is _MISSING:
            raise KeyError(digest)
        return found

    def __setitem__(self, digest: str, signature: list) -> None:
        self._delete(digest)
        self.add(digest, signature)

    def add(self, digest: str, signature: Any) -> None:
        """Set a digest that is not in the mapping (faster than `self[digest] = ...`)."""
        key = self._key(digest)
        if key is not None and isinstance(signature, list) and len(signature) == 3 \
                and all(type(number) is int for number in signature):
            try:
                self._packed[key] = _SIGNATURE.pack(*signature)
                return
            except struct.error:
                pass  # a number beyond 64 bits: kept as given
        self._other[digest] = signature

    def _delete(self, digest: str) -> bool:
        key = self._key(digest)
        if key is not None and self._packed.pop(key, None) is not None:
            return True
        return self._other.pop(digest, _MISSING) is not _MISSING

    def __delitem__(self, digest: str) -> None:
        if not self._delete(digest):
            raise KeyError(digest)

    def __iter__(self) -> Iterator[str]:
        yield from (key.hex() for key in self._packed)
        yield from self._other

    def __len__(self) -> int:
        return len(self._packed) + len(self._other)

    def to_json(self, leave_out: set[str] | frozenset[str] = frozenset()) -> bytes:
        """The JSON text json.dumps(dict(self), sort_keys=True) would give, without the
        digests in `leave_out`, written entry by entry (no dict of it all is built)."""
        text = bytearray(b"{")
        for digest in sorted(self):
            if digest not in leave_out:
                text += f"{', ' if len(text) > 1 else ''}{json.dumps(digest)}: {json.dumps(self[digest])}".encode()
        text += b"}"
        return bytes(text)


def read_signatures(path: Path) -> Signatures:
    """checked.json as Signatures: empty when it is missing, unreadable or not a JSON
    object (a cache: losing it costs hashing, never a wrong answer). Entries whose
    value is not a list are left out, as they always were. The parsed file is emptied
    as it is packed, so both never exist whole at once."""
    signatures = Signatures()
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return signatures
    if not isinstance(data, dict):
        return signatures
    while data:
        digest, signature = data.popitem()
        if isinstance(signature, list):
            signatures.add(digest, signature)
    return signatures
