"""SIDE EFFECTS: identical work once per batch. A step whose key another project of
the batch has built is copied from that project's store instead of being built again
(Bazel dedupes identical actions the same way; a shared remote already does it across
machines).

The seam is the remote store's: `render_batch` gives every project's store a
`SiblingRemote`, which answers `trace(key)` from the other projects' stores first and
then from the team's remote, if one is configured. The executor treats a sibling's
trace as it treats a remote one (plan.REMOTE: a download job, then the trace is
recorded in the project's own store) and reports it as SHARED. A step whose key is
being built right now elsewhere in the batch waits for it (see execute.Executor).

Invariants:
- Nothing is taken on trust: every object is linked (or copied, across file systems)
  into the project's scratch folder and hashed; one that does not match its digest is
  refused, its key is never taken from that sibling again, and the step is built here.
- A sibling's store is only read (its objects are read-only and never rewritten);
  everything this project keeps goes through its own store's put_file and record.
- With a team remote, everything it did stays as it was: lookups fall through to it,
  uploads and flushes go to it (steps shared from a sibling too: a project's team
  gets them as it would have got them built), its downloads are reported as such.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

from storybuild.keys import digest_file
from storybuild.plan import REMOTE, SHARED
from storybuild.store_remote import RemoteDamaged
from storybuild.store import Trace

if TYPE_CHECKING:
    from storybuild.store import Store



class SiblingRemote:
    """What `store` sees as its remote during a batch: the other projects' stores
    (`siblings`, name -> store), then `team` (a store_remote.Remote, or None).

    Thread-safe where the executor needs it: `download` runs in a worker thread and
    only reads sibling objects; everything else runs on the scheduling thread."""

    def __init__(self, store: "Store", siblings: dict[str, "Store"], team: Any = None):
        self.store = store
        self.siblings = {name: other for name, other in siblings.items() if other is not store}
        self.team = team
        self._lock = threading.Lock()
        self._rejected: set[tuple[str, str]] = set()  # (sibling, key) whose copy failed its digests

    # -- where a key comes from ---------------------------------------------------------
    # Every answer is looked up again from the stores (a trace read and a stat per
    # object): nothing remembers where a key was seen, so a lookup made while deciding
    # (plan.decide reads remote_trace) leaves no state behind for a worker to trip on.
    def _sibling_with(self, key: str) -> tuple[str, Trace] | None:
        """(name, trace) of the first sibling, not refused for `key`, holding it whole."""
        for name, sibling in self.siblings.items():
            with self._lock:
                if (name, key) in self._rejected:
                    continue
            found = sibling.trace(key)
            if found is not None and sibling.output_problem(found) is None:
                return name, found
        return None

    def trace(self, key: str) -> Trace | None:
        """A trace for `key` from a sibling whose objects are all there (a stat each;
        the bytes are hashed when copied), else the team remote's, else None."""
        return self.find(key)[0]

    def find(self, key: str) -> tuple[Trace | None, str]:
        """(trace, where it comes from) for `key`, in one look-up: a sibling's and SHARED,
        else the team remote's (or None) and REMOTE."""
        found = self._sibling_with(key)
        if found is not None:
            return found[1], SHARED
        return (self.team.trace(key) if self.team is not None else None), REMOTE

    # -- copying ---------------------------------------------------------------------
    def download(self, trace: Trace, workdir: Path) -> dict[str, Path]:
        """Bring `trace`'s objects into `workdir` (output name -> file), each hashed
        against its digest: from a sibling holding its key, else from the team remote.
        Raises RemoteDamaged or OSError: the executor then calls `reject`."""
        found = self._sibling_with(trace.key)
        if found is None:
            if self.team is None:
                raise RemoteDamaged(f"no project of the batch holds {trace.key[:12]} any more")
            return self.team.download(trace, workdir)
        origin, sibling = found[0], self.siblings[found[0]]
        outputs: dict[str, Path] = {}
        for name, digest in trace.outputs.items():
            target = workdir / f"{len(outputs)}-{name}"
            _link_or_copy(sibling.object_path(digest), target)
            if digest_file(target) != digest:
                target.unlink()
                raise RemoteDamaged(f"the copy of {name} ({digest[:12]}) in project {origin} does not "
                                    "match its digest; building it here instead")
            outputs[name] = target
        return outputs

    def reject(self, key: str, damaged_digest: str | None = None) -> None:
        """Never take `key` again from where it is found now (a sibling or the team remote)."""
        found = self._sibling_with(key)
        if found is not None:
            with self._lock:
                self._rejected.add((found[0], key))
        elif self.team is not None:
            self.team.reject(key, damaged_digest)

    # -- what the executor also asks of a remote: the team's, when there is one -----------
    def upload(self, trace: Trace, object_path: Callable[[str], Path]) -> None:
        """Siblings read the builder's store directly: only the team remote gets uploads."""
        if self.team is not None:
            self.team.upload(trace, object_path)

    def flush(self) -> None:
        """Finish the team remote's uploads, if there is one."""
        if self.team is not None:
            self.team.flush()


def share_stores(stores: Sequence["Store"], names: Sequence[str]) -> Callable[[], None]:
    """Give each of `stores` (one per project of a batch, named by `names`) the others as
    a SiblingRemote in front of its own remote; returns the function that undoes it."""
    by_name = dict(zip(names, stores))
    teams = [store.remote for store in stores]
    for store, team in zip(stores, teams):
        store.remote = SiblingRemote(store, by_name, team)

    def undo() -> None:
        for store, team in zip(stores, teams):
            store.remote = team

    return undo


def _link_or_copy(source: Path, target: Path) -> None:
    """A hard link when both stores are on one file system (objects are read-only and
    never rewritten, so sharing the inode is safe), else a copy."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)
