"""Reading the store's records: what a usable trace is, and, with little memory,
checked.json held compactly and long traces read without their key parts.

checked.json maps each object's digest (64 hex) to [inode, size, mtime_ns]: a story
of N scenes has about 5N of them, and `status` needs them all. As parsed JSON each
entry costs ~260 bytes (a 64-character string, a list, three ints); here the file is
one sorted table of 56-byte records (digest, packed numbers), read entry by entry
without json.loads's dict of it all. The file's format is unchanged: `to_json` writes
what json.dumps wrote.
"""

from __future__ import annotations

import binascii
import json
import re
import struct
from array import array
from pathlib import Path
from typing import Any, Iterator, MutableMapping

DIGEST = re.compile(r"[0-9a-f]{64}")
_SIGNATURE = struct.Struct("<QQq")  # inode, size (both unsigned), mtime_ns (signed)
_DIGEST = 32  # bytes of a digest, the first of each record
_RECORD = _DIGEST + _SIGNATURE.size
_MISSING = object()
LEAN_FROM = 1 << 16  # bytes of a trace read without its key parts by a lean store
_STRING = rb'"[^"\\]*+(?:\\.[^"\\]*+)*+"'
_TOKEN = re.compile(_STRING + rb'|([\[{])|[\]}]')  # a string, an opening or a closing bracket
_BRACKET = re.compile(rb'(?:[^"\[\]{}]++|' + _STRING + rb')*+([\[\]{}])')  # what comes before the next bracket, and it
_ENTRY = rb'"([0-9a-f]{64})": \[(0|[1-9][0-9]*), (0|[1-9][0-9]*), (0|-?[1-9][0-9]*)\]'
_CHECKED_ENTRY = re.compile(_ENTRY)  # one entry of checked.json as save writes it
_KEY_END = re.compile(rb"[ \t\n\r]*:[ \t\n\r]*")


def trace_problem(data: Any, key: str) -> str | None:
    """Why `data` (the parsed JSON of the trace file named `key`) is not a usable trace,
    or None when it has the shape Trace.to_json writes and names its own key."""
    if not isinstance(data, dict):
        return "not a JSON object"
    for name, kind, noun in (("key", str, "a string"), ("step", str, "a string"), ("parts", dict, "an object"),
                             ("outputs", dict, "an object")):
        if not isinstance(data.get(name), kind):
            return f"'{name}' is missing or not {noun}"
    if data["key"] != key:
        return f"it names key {data['key'][:12]}, not the key in its file name"
    outputs = data["outputs"]
    if not outputs or not all(isinstance(d, str) and DIGEST.fullmatch(d) for d in outputs.values()):
        return "'outputs' must map each output name to a 64-hex digest"
    seconds = data.get("seconds", 0.0)
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        return "'seconds' is not a number"
    return None


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
    answers a new list equal to what was stored.

    Invariants: what was read from the file is one sorted bytes `_table` of 56-byte
    records (digest, then the packed numbers), found through `_index` (the first record
    of each bucket of digest prefixes), and never changed; an entry removed or set since
    is in `_gone` (its digest bytes, only if the table has it) and a set one in
    `_packed` (so a digest in both the table and `_packed` is in `_gone`). An entry that cannot be packed (a digest not 64 lowercase hex, a number
    beyond 64 bits: never written by storybuild) is kept as given in `_other`."""

    def __init__(self, table: bytes = b"") -> None:
        """`table`: records sorted by digest, each digest once."""
        self._table = table
        count = len(table) // _RECORD
        bits = min(16, (count // 4).bit_length())  # about four records a bucket
        self._shift = 16 - bits
        self._index = array("I", bytes(4 * ((1 << bits) + 1)))
        for at in range(0, len(table), _RECORD):  # count each bucket's records, then sum them up
            self._index[(int.from_bytes(table[at:at + 2], "big") >> self._shift) + 1] += 1
        for bucket in range(1 << bits):
            self._index[bucket + 1] += self._index[bucket]
        self._gone: set[bytes] = set()
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

    @staticmethod
    def pack(digest: str, signature: Any) -> bytes | None:
        """The record of the entry, or None when it cannot be packed."""
        key = Signatures._key(digest)
        if key is None or not isinstance(signature, list) or len(signature) != 3 \
                or not all(type(number) is int for number in signature):
            return None
        try:
            return key + _SIGNATURE.pack(*signature)
        except struct.error:
            return None

    def _find(self, key: bytes) -> int:
        """Where the record of `key` starts in the table, or -1."""
        bucket = int.from_bytes(key[:2], "big") >> self._shift
        low, high = self._index[bucket] * _RECORD, self._index[bucket + 1] * _RECORD
        at = self._table.find(key, low, high)
        while at >= 0 and (at - low) % _RECORD:  # the bytes of a key can only start a record
            at = self._table.find(key, at + 1, high)
        return at

    def get(self, digest: str, default: Any = None) -> Any:
        key = self._key(digest)
        if key is not None:
            packed = self._packed.get(key)
            if packed is not None:
                return list(_SIGNATURE.unpack(packed))
            at = -1 if key in self._gone else self._find(key)
            if at >= 0:
                return list(_SIGNATURE.unpack_from(self._table, at + _DIGEST))
        return self._other.get(digest, default)

    def __getitem__(self, digest: str) -> list:
        found = self.get(digest, _MISSING)
        if found is _MISSING:
            raise KeyError(digest)
        return found

    def __setitem__(self, digest: str, signature: list) -> None:
        self._delete(digest)
        record = self.pack(digest, signature)
        if record is None:
            self._other[digest] = signature
        else:
            self._packed[record[:_DIGEST]] = record[_DIGEST:]

    def _delete(self, digest: str) -> bool:
        key = self._key(digest)
        if key is not None:
            if self._packed.pop(key, None) is not None:
                return True
            if key not in self._gone and self._find(key) >= 0:
                self._gone.add(key)
                return True
        return self._other.pop(digest, _MISSING) is not _MISSING

    def __delitem__(self, digest: str) -> None:
        if not self._delete(digest):
            raise KeyError(digest)

    def __iter__(self) -> Iterator[str]:
        for at in range(0, len(self._table), _RECORD):
            key = self._table[at:at + _DIGEST]
            if key not in self._gone:
                yield key.hex()
        yield from (key.hex() for key in self._packed)
        yield from self._other

    def __len__(self) -> int:
        return len(self._table) // _RECORD - len(self._gone) + len(self._packed) + len(self._other)

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
    value is not a list are left out, as they always were. A file in the form `save`
    writes is read entry by entry, without json.loads's dict of it all (twice the
    memory of the packed records)."""
    try:
        raw = path.read_bytes()
    except OSError:
        return Signatures()
    table = _saved_table(raw)
    return Signatures(table) if table is not None else _read_signatures_json(raw)


def _saved_table(raw: bytes) -> bytes | None:
    """The table of a file exactly in the form `to_json` writes (entries one after
    another, ", " between them, digests in increasing order), or None for any other."""
    if raw[:1] != b"{" or raw[-1:] != b"}":
        return None
    table, at, previous = bytearray(), 1, b""
    for entry in _CHECKED_ENTRY.finditer(raw, 1, len(raw) - 1):
        if entry.start() != at or (previous and raw[at - 2:at] != b", ") or entry[1] <= previous:
            return None
        try:
            table += binascii.unhexlify(entry[1]) + _SIGNATURE.pack(int(entry[2]), int(entry[3]), int(entry[4]))
        except struct.error:  # beyond 64 bits: never written by storybuild; json reads it
            return None
        previous, at = entry[1], entry.end() + 2
    if (at - 2 if previous else at) != len(raw) - 1:
        return None  # not one entry after another to the end
    return bytes(table)


def _read_signatures_json(raw: bytes) -> Signatures:
    """read_signatures for a file in any other form."""
    try:
        data = json.loads(raw)
    except ValueError:
        return Signatures()
    if not isinstance(data, dict):
        return Signatures()
    records, other = [], {}
    while data:
        digest, signature = data.popitem()
        record = Signatures.pack(digest, signature)
        if record is not None:
            records.append(record)
        elif isinstance(signature, list):
            other[digest] = signature
    signatures = Signatures(b"".join(sorted(records)))
    signatures._other.update(other)
    return signatures
