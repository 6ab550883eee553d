"""The content-addressed store under build/.storybuild/, and the friendly views.

Layout (all writes are temp file + os.replace, so a crash never leaves a torn file):

    objects/ab/cdef...   artifact bytes, named by their sha256, read-only, never rewritten
    traces/ab/<key>.json what a step with that key produced: key parts, outputs, timing
    current.json         step id -> key of the output now linked into the views
    views.json           view path -> [digest, inode, size, mtime_ns] of the view file when it
                         was linked: a view is current when it still has that signature, so a
                         copy (a file system without hard links) is as good as a link
    checked.json         digest -> (inode, size, mtime_ns) of the object when its bytes were
                         last seen to hash to its name: a stat tells whether it was written since
    tmp/                 scratch space for running steps; emptied when a render starts
    lock                 held by a render, gc or clean

Old objects and traces are kept, so reverting an edit finds its key again and restores
without regenerating; `gc` is the only thing that deletes them.
"""

from __future__ import annotations

import json
import os
import stat
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Iterable, Mapping, Protocol

from storybuild.atomic import write_atomic
from storybuild.keys import canonical_json, digest_file, digest_value
from storybuild.store_records import Signatures, read_signatures, read_trace_json, trace_problem
from storybuild.store_views import link_file

# current.json and views.json are rewritten whole: during a render at most every this
# many seconds (and at its end), so a 1,000-scene render does not rewrite them 6,000
# times. A crash loses at most that much of the record: the next render relinks those
# views (restore), it never regenerates anything.
RECORD_EVERY = 0.5


@dataclass(frozen=True)
class Trace:
    """A finished step: `outputs` maps output name -> object digest, and `digest` is the
    digest of that mapping, the value dependents put in their keys."""

    key: str
    step: str
    parts: Mapping[str, Any]
    outputs: Mapping[str, str]
    seconds: float = 0.0

    @cached_property
    def digest(self) -> str:
        return digest_value(dict(self.outputs))

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "step": self.step, "parts": self.parts, "outputs": self.outputs,
                "seconds": round(self.seconds, 3)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any], lean: bool = False) -> "Trace":
        """The trace `to_json` wrote (checked by keys.trace_problem first); `lean`
        leaves out the key's parts, which only `explain` reads."""
        return cls(data["key"], data["step"], {} if lean else data["parts"], data["outputs"],
                   data.get("seconds", 0.0))


class ArtifactStore(Protocol):
    """What the executor needs of a store: read traces and objects, write them, and show
    a step's outputs at its view paths. `Store` is the local implementation."""

    build_dir: Path
    remote: Any  # a store_remote.Remote, or None

    def trace(self, key: str) -> Trace | None: ...
    def current_trace(self, step_id: str) -> Trace | None: ...
    def views_match(self, trace: Trace, views: Mapping[str, str]) -> bool: ...
    def remote_trace(self, key: str) -> Trace | None: ...
    def object_path(self, digest: str) -> Path: ...
    def output_problem(self, trace: Trace) -> str | None: ...
    def intact(self, digest: str, quick: bool = False) -> bool: ...
    def put_file(self, source: Path, digest: str | None = None) -> str: ...
    def record(self, trace: Trace) -> None: ...
    def link_views(self, step_id: str, trace: Trace, views: Mapping[str, str], defer: bool = False) -> None: ...
    def discard_object(self, digest: str, views: Iterable[Path] = ()) -> int: ...
    def new_workdir(self) -> Path: ...
    def clear_tmp(self) -> None: ...
    def save_checked(self) -> None: ...


class Store:
    """The store of one project's build folder. Thread-safe for the executor's workers.

    copy_views: write views as copies instead of hard links (what happens anyway on a
    file system that refuses links); both are recognised by the digest recorded at
    link time, so neither makes a step look stale."""

    def __init__(self, build_dir: Path, copy_views: bool = False, lean: bool = False):
        self.build_dir = build_dir
        self.copy_views = copy_views
        # lean (status): cached traces drop their key parts, which are most of a trace's
        # memory; only the explanation of a changed step reads them, from the file.
        self.lean = lean
        self.remote: Any = None  # a store_remote.Remote shared with the team, when configured
        self.meta = build_dir / ".storybuild"
        self.objects = self.meta / "objects"
        self.traces = self.meta / "traces"
        self.tmp = self.meta / "tmp"
        self._objects_text = str(self.objects)
        self._build_text = str(build_dir)
        self._traces_text = str(self.traces)
        self._current_file = self.meta / "current.json"
        self._lock = threading.Lock()
        self._checked_file = self.meta / "checked.json"
        self._trace_cache: dict[str, Trace | None] = {}
        self._current: dict[str, str] | None = None
        self._views_file = self.meta / "views.json"
        self._views: dict[str, list] | None = None
        self._record_dirty = False
        self._recorded_at = 0.0
        self._checked: Signatures | None = None
        self._checked_dirty = False
        self._damaged: set[str] = set()  # digests found damaged by this process
        # (view, new name) of user files a render moved out of a view's way.
        self.set_aside: list[tuple[Path, Path]] = []

    # -- reading ---------------------------------------------------------------
    def object_path(self, digest: str) -> Path:
        return self.objects / digest[:2] / digest[2:]

    def _object_name(self, digest: str) -> str:
        """object_path as text: status stats thousands of them, and pathlib costs more
        than the stat itself."""
        return f"{self._objects_text}/{digest[:2]}/{digest[2:]}"

    def trace(self, key: str) -> Trace | None:
        """The trace stored for `key`, or None. Cached: traces for a key only change
        when this process writes them. A lean store (status, which asks once per key)
        keeps none, so it holds nothing per step."""
        if self.lean and key not in self._trace_cache:
            return self._read_trace(key)
        if key not in self._trace_cache:
            self._trace_cache[key] = self._read_trace(key)
        return self._trace_cache[key]

    def trace_path(self, key: str) -> Path:
        """Where the trace of `key` is (or would be) stored."""
        return self.traces / key[:2] / f"{key}.json"

    def _read_trace(self, key: str, lean: bool | None = None) -> Trace | None:
        lean = self.lean if lean is None else lean
        try:
            with open(f"{self._traces_text}/{key[:2]}/{key}.json", "rb") as handle:
                data = read_trace_json(handle.read(), lean)
        except (OSError, ValueError):
            return None  # a missing or unreadable trace just means "not built"
        if trace_problem(data, key) is not None:
            return None  # so does a damaged one: `verify` reports it, a render overwrites it
        return Trace.from_json(data, lean)

    def output_problem(self, trace: Trace) -> str | None:
        """Why `trace`'s outputs cannot be used ("missing" or "damaged"), or None. Cheap:
        one stat per object; an object is hashed only when it was written since it was
        last seen intact (see `intact(quick=True)`)."""
        unproven = []
        for digest in trace.outputs.values():
            try:
                info = os.stat(self._object_name(digest))
            except OSError:
                return "missing"
            if not stat.S_ISREG(info.st_mode):
                return "missing"
            if digest in self._damaged or self.checked().get(digest) != [info.st_ino, info.st_size, info.st_mtime_ns]:
                unproven.append(digest)
        if not all(self.intact(d) for d in unproven):
            return "damaged"
        return None

    def intact(self, digest: str, quick: bool = False) -> bool:
        """True when the object's bytes hash to `digest`. With `quick`, an object whose
        inode, size and mtime are those recorded when it was last seen intact is trusted
        without reading it: any write changes them (silent disk rot does not: `verify`
        and the check before a step reads its inputs hash every byte)."""
        if digest in self._damaged:
            return False
        path = self._object_name(digest)
        try:
            info = os.stat(path)
            signature = [info.st_ino, info.st_size, info.st_mtime_ns]
            if quick and self.checked().get(digest) == signature:
                return True
            ok = digest_file(path) == digest
        except OSError:
            return False  # missing or unreadable: not usable either way
        with self._lock:
            if ok:
                self._checked_dirty |= self.checked().get(digest) != signature
                self.checked()[digest] = signature
            else:
                self._damaged.add(digest)
        return ok

    def checked(self) -> Signatures:
        """digest -> [inode, size, mtime_ns] of objects last seen intact (a cache: losing
        it costs one hash per object, never a wrong answer about a written object)."""
        if self._checked is None:
            self._checked = read_signatures(self._checked_file)
        return self._checked

    def save_checked(self) -> None:
        """Write the record of what the views show when links were made since it was
        last written (see RECORD_EVERY), then persist what this process learned about
        intact objects. The latter is best effort: a read-only build/ only means hashing
        them again next time, and it goes only into a build folder storybuild made
        (marked, no links): `status` never writes elsewhere."""
        from storybuild.buildfs import is_marked

        if self._record_dirty:
            with self._lock:
                self._write_record()
        if not self._checked_dirty or not is_marked(self.build_dir):
            return
        with self._lock:
            try:
                write_atomic(self._checked_file, self.checked().to_json(leave_out=self._damaged))
                self._checked_dirty = False
            except OSError:
                pass

    def current(self) -> dict[str, str]:
        """step id -> key currently linked into the views (empty before the first render,
        and when current.json is damaged: then every step is relinked)."""
        if self._current is None:
            data = _read_mapping(self._current_file)
            self._current = data if all(isinstance(v, str) for v in data.values()) else {}
        return self._current

    def remote_trace(self, key: str) -> Trace | None:
        """The remote store's trace for `key` when a remote is configured, else None."""
        return self.remote.trace(key) if self.remote is not None else None

    def current_trace(self, step_id: str) -> Trace | None:
        key = self.current().get(step_id)
        if key and self.lean:
            return self._read_trace(key, lean=False)  # with its parts: it explains what changed
        return self.trace(key) if key else None

    def views_match(self, trace: Trace, views: Mapping[str, str]) -> bool:
        """True when every friendly view shows `trace`'s object: it is the object itself
        (a hard link), or it still has the signature recorded when that object was
        copied there (a file system without hard links; see `link_views`)."""
        for name, rel in views.items():
            digest = trace.outputs.get(name)
            if digest is None:
                return False
            try:
                info = os.stat(f"{self._build_text}/{rel}")
            except FileNotFoundError:
                return False
            # The link first: views.json is read (whole) only when some view is a copy.
            if self._same_inode(info, digest):
                continue
            if self.view_records().get(rel) != [digest, info.st_ino, info.st_size, info.st_mtime_ns]:
                return False
        return True

    def _same_inode(self, view: os.stat_result, digest: str) -> bool:
        try:
            target = os.stat(self._object_name(digest))
        except FileNotFoundError:
            return False
        return view.st_ino == target.st_ino and view.st_dev == target.st_dev

    def view_records(self) -> dict[str, list]:
        """view path (relative to build/) -> [digest, inode, size, mtime_ns] of the view
        file right after it was linked; empty when views.json is missing or damaged."""
        if self._views is None:
            self._views = {k: v for k, v in _read_mapping(self._views_file).items() if isinstance(v, list)}
        return self._views

    # -- writing ---------------------------------------------------------------
    def new_workdir(self) -> Path:
        self.tmp.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(dir=self.tmp, prefix="step-"))

    def clear_tmp(self) -> None:
        """Remove scratch left by an interrupted render (only called under the lock)."""
        shutil.rmtree(self.tmp, ignore_errors=True)

    def put_file(self, source: Path, digest: str | None = None) -> str:
        """Move `source` into the store under its digest; returns the digest. An object
        that already exists is kept as is (same digest, same bytes) unless it is damaged:
        then the new bytes replace it. `digest`: the source's, when the caller has just
        hashed it (a download checks every object), so it is not read again."""
        digest = digest or digest_file(source)
        target = self.object_path(digest)
        if target.is_file() and self.intact(digest, quick=True):
            source.unlink()
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(source, 0o444)  # views are hard links to objects: keep them from being edited in place
        os.replace(source, target)
        info = os.stat(target)
        with self._lock:
            self._damaged.discard(digest)
            self.checked()[digest] = [info.st_ino, info.st_size, info.st_mtime_ns]
            self._checked_dirty = True
        return digest

    def discard_object(self, digest: str, views: Iterable[Path] = ()) -> int:
        """Remove a damaged object and those of `views` that are hard links of it (they
        share its damaged bytes). Returns how many views were removed."""
        target = self.object_path(digest)
        removed = 0
        for view in views:
            try:
                if os.path.samefile(view, target):
                    view.unlink()
                    removed += 1
            except OSError:
                continue  # not there, or not that object: nothing to remove
        target.unlink(missing_ok=True)
        return removed

    def record(self, trace: Trace) -> None:
        path = self.traces / trace.key[:2] / f"{trace.key}.json"
        write_atomic(path, canonical_json(trace.to_json()).encode("utf-8"))
        with self._lock:
            self._trace_cache[trace.key] = trace

    def link_views(self, step_id: str, trace: Trace, views: Mapping[str, str], defer: bool = False) -> None:
        """Point the friendly views at `trace`'s objects and remember it as current,
        with the signature of each view file (see `views_match`). With `defer` (the
        executor), the record is written at most every RECORD_EVERY seconds and by
        `save_checked`, which the caller must call when it is done."""
        signatures = {}
        for name, rel in views.items():
            view = self.build_dir / rel
            link_file(self, self.object_path(trace.outputs[name]), view)
            info = os.stat(view)
            signatures[rel] = [trace.outputs[name], info.st_ino, info.st_size, info.st_mtime_ns]
        with self._lock:
            self.view_records().update(signatures)  # in place: copying would cost O(steps) a link
            self.current()[step_id] = trace.key
            self._record_dirty = True
            if not defer or time.monotonic() - self._recorded_at >= RECORD_EVERY:
                self._write_record()

    def replace_current(self, current: dict[str, str]) -> None:
        """Make `current` (step id -> key) the record of what the views show."""
        with self._lock:
            self._save_current(dict(current))

    def _save_current(self, current: dict[str, str]) -> None:
        self._current = current
        self._write_record()

    def _write_record(self) -> None:
        """Write current.json and views.json now (under the lock)."""
        write_atomic(self._current_file, json.dumps(self.current(), indent=1, sort_keys=True).encode("utf-8"))
        if self._views is not None:
            write_atomic(self._views_file, json.dumps(self._views, sort_keys=True).encode("utf-8"))
        self._record_dirty = False
        self._recorded_at = time.monotonic()

    # -- maintenance ------------------------------------------------------------
    def all_trace_files(self) -> Iterable[Path]:
        return self.traces.glob("*/*.json") if self.traces.is_dir() else ()

    def all_object_files(self) -> Iterable[Path]:
        return self.objects.glob("*/*") if self.objects.is_dir() else ()

    def collect_garbage(self, keep_keys: set[str]) -> tuple[int, int]:
        """Delete traces not in `keep_keys` and objects no kept trace refers to.
        Returns (objects removed, bytes freed)."""
        keep_objects: set[str] = set()
        for path in list(self.all_trace_files()):
            key = path.stem
            trace = self.trace(key)
            if key in keep_keys and trace is not None:
                keep_objects.update(trace.outputs.values())
            else:
                path.unlink(missing_ok=True)
        removed = freed = 0
        for path in list(self.all_object_files()):
            digest = path.parent.name + path.name
            if digest not in keep_objects:
                freed += path.stat().st_size
                path.unlink()
                removed += 1
                self._checked_dirty |= self.checked().pop(digest, None) is not None  # no record of what is gone
        self._trace_cache.clear()
        self.save_checked()
        return removed, freed

    def keep_current(self, step_ids: set[str]) -> None:
        """Forget current outputs of steps not in `step_ids` (steps the story lost)."""
        with self._lock:
            current = {k: v for k, v in self.current().items() if k in step_ids}
            if current != self.current():
                self._save_current(current)

    def forget_views(self, paths: Iterable[str]) -> None:
        """Drop the records of views that are gone (paths relative to build/), so
        views.json does not keep every name the story ever had."""
        with self._lock:
            records = self.view_records()
            if [records.pop(path) for path in paths if path in records]:
                self._write_record()

    def forget_current(self) -> None:
        """Forget what the views show (after `clean`): the next render relinks them all."""
        self._current_file.unlink(missing_ok=True)
        self._views_file.unlink(missing_ok=True)
        self._current = {}
        self._views = {}


def _read_mapping(path: Path) -> dict:
    """The JSON object in `path`; {} when it is missing, unreadable or not an object
    (the bookkeeping files are caches or records that a render can rebuild)."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
