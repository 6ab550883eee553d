"""SIDE EFFECTS: run a project's steps in dependency order, in parallel.

Each step is decided by plan.decide() the moment its inputs are known, so a stale
upstream that regenerates byte-identical output leaves its dependents fresh (early
cutoff). Workers only run actions into scratch folders; the main thread moves
results into the store, records traces and links views, so the store is only ever
written from one thread and only with complete files.

Before a step runs, every stored input it will read is hashed (once per render): a
damaged input is removed and the step that made it is decided again (now stale, so it
is rebuilt), with every settled step downstream of it, so damage never spreads.
"""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Collection

from storybuild.actions import ProviderPool, run_action
from storybuild import events, kinds
from storybuild.errors import ProviderError, StorybuildError, describe_os_error
from storybuild.step import Step
from storybuild.memory import release_freed_memory
from storybuild.plan import FRESH, REMOTE, RESTORE, SHARED, STALE, Decision, decide, key_parts
from storybuild.runner import LocalRunner, Runner
from storybuild.store import ArtifactStore, Trace


# Network steps first: their latency hides behind local work. Whole-machine steps
# next, so they run back to back instead of each waiting for the cores to drain.
# Within each, steps that go one at a time first (they queue at one door: keep it busy),
# then the longest step first (see Executor._expected_seconds), then graph order.
_PRIORITY = {"none": 0, "all": 1, "one": 2}


class RenderFailed(StorybuildError):
    """One or more steps failed; everything that succeeded is stored. `result` says
    what each step did (set by the executor)."""

    result: "RenderResult | None" = None


class Interrupted(StorybuildError):
    """Ctrl-C or SIGTERM: finished steps are kept, running ones discarded."""

    exit_code = 130


@dataclass
class RenderResult:
    """What a render did, step ids by outcome. `failed` maps step id -> message;
    `downloaded` steps came from the remote store (built elsewhere, nothing generated);
    `shared` ones were copied from another project of the same batch (batch_share)."""

    built: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    downloaded: list[str] = field(default_factory=list)
    shared: list[str] = field(default_factory=list)
    fresh: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)

    def by_state(self) -> list[tuple[str, Collection[str]]]:
        """(outcome, step ids) for every outcome, in this order: what the summaries and
        the review page list, so an outcome added here reaches them all."""
        return [(name, getattr(self, name))
                for name in ("built", "restored", "downloaded", "shared", "fresh", "failed", "skipped")]


@dataclass
class _Running:
    step: Step
    decision: Decision
    workdir: Path
    started: float
    remote_trace: Trace | None = None  # set when fetching a remote build, not running the step
    outcome: str = REMOTE  # a fetch's outcome: REMOTE (the team's remote store) or SHARED (a sibling)


class Executor:
    """Runs `steps` (in graph order) against `store`.

    jobs: steps in flight at once; keep_going: after a failure, still run what does not
    depend on it; forced: step ids that run even when their key is stored; runner: where
    step work runs (default: `jobs` threads here), and who stops it on an interrupt.
    """

    def __init__(self, steps: list[Step], store: ArtifactStore, pool: ProviderPool,
                 listener: events.Listener = events.ignore, *, jobs: int, keep_going: bool = False,
                 forced: frozenset[str] = frozenset(), runner: Runner | None = None):
        self.steps = steps
        self.store = store
        self.pool = pool
        self.listener = listener
        self._done = 0  # steps settled (fresh, restored, built, failed, skipped)
        self._began = time.monotonic()
        self._events_lock = threading.Lock()  # "waiting" comes from worker threads
        self.jobs = max(1, jobs)
        self.runner = runner or LocalRunner(self.jobs)
        # Local work (offline providers, ffmpeg) is CPU-bound: more of it at once than
        # cores only thrashes (and costs memory), and would hold -j slots that network
        # calls could use. Steps declare their appetite; see _cores().
        self.cores = self.runner.cores or os.cpu_count() or 1
        self.keep_going = keep_going
        self.forced = forced
        self.result = RenderResult()
        self._digests: dict[str, str] = {}
        self._traces: dict[str, Trace] = {}
        self._pending: list[Step] = list(steps)
        self._running: dict[Future, _Running] = {}
        self._machine_wanted = False  # a step needing every core waits in this pass
        self._by_id = {step.id: step for step in steps}
        self._intact: set[str] = set()  # object digests hashed and found intact this render
        self._repaired: set[str] = set()  # steps rebuilt because their output was damaged
        self._redo: set[str] = set()  # running steps to decide again when they finish
        self._replan = False  # the pending list grew: schedule another pass
        # Executors of one batch (storybuild.batch) share -j, the cores and a failure:
        # each counts the others' running steps when it looks for a slot.
        self.peers: list[Executor] = [self]
        self._expected: dict[str, float] = {}  # step id -> seconds it is expected to take

    def run(self) -> RenderResult:
        self.store.clear_tmp()
        run_together([self], self.runner)
        return self.conclude()

    @property
    def running(self) -> list[Future]:
        """Futures of the steps this executor has in flight."""
        return list(self._running)

    def conclude(self) -> RenderResult:
        """After the last step: finish uploads; the result, or RenderFailed carrying it."""
        self.store.save_checked()
        remote = getattr(self.store, "remote", None)
        if remote is not None:
            remote.flush()  # uploads of what was built here: the team's next render finds them
        if self._pending and not self.result.failed:  # a batch stopped: another project failed
            failure = RenderFailed(f"{len(self._pending)} step(s) not started because another project failed; "
                                   "use -k to build everything that does not depend on a failure")
            failure.result = self.result
            raise failure
        if self.result.failed:
            failure = RenderFailed(self._failure_message())
            failure.result = self.result
            raise failure
        return self.result

    # -- scheduling ----------------------------------------------------------------
    def schedule(self) -> None:
        """Start every step that can start now (one scheduling pass): decide every step
        whose inputs are settled; repeat while that settles more. Steps are offered by
        _PRIORITY, then in graph order."""
        progressed = True
        while progressed:
            progressed = False
            self._machine_wanted = False
            for step in sorted(self._pending,
                               key=lambda s: (_PRIORITY[s.cpu], not s.serial, -self._expected_seconds(s))):
                if self._settle(step):
                    self._pending.remove(step)
                    progressed = True
            progressed |= self._replan
            self._replan = False

    def _expected_seconds(self, step: Step) -> float:
        """How long `step` will take: its own time when it ran before, else its kind's
        estimate. Only the order of ready steps depends on it (longest first), so the
        render does not end with one long step running alone beside an idle core."""
        if step.id not in self._expected:
            before = self.store.current_trace(step.id)
            self._expected[step.id] = before.seconds if before and before.seconds else kinds.kind(step.kind).seconds
        return self._expected[step.id]

    def _settle(self, step: Step) -> bool:
        """Handle `step` if it can be handled now; True when it left the pending list."""
        broken = [d for d in step.deps if d in self.result.failed or d in self.result.skipped]
        if broken:
            self.result.skipped.append(step.id)
            self._emit("skipped", step.id, message=f"needs {broken[0]}", settles=1)
            return True
        if any(dep not in self._digests for dep in step.deps):
            return False
        if not self.keep_going and any(peer.result.failed for peer in self.peers):
            return False  # stop starting work after a failure (in any project of a batch); what runs finishes
        decision = decide(step, self.store, self._digests, step.id in self.forced)
        if decision.state == REMOTE:
            if len(self._in_flight()) >= self.jobs:
                return False  # a download is network work: it needs a -j slot, not a core
            self._submit_download(step, decision)
        elif decision.state == STALE:
            if self._being_built(_key(decision)) and step.id not in self.forced:
                return False  # the same work runs (here or in a project of the batch): take its result
            if not self._has_slot(step):
                return False  # decided again when a slot frees up (deciding is pure and cheap)
            if not self._inputs_intact(step):
                return False  # a damaged input is being rebuilt; decided again after it
            self._submit(step, decision)
        else:
            trace = self.store.trace(_key(decision))
            assert trace is not None  # FRESH and RESTORE are decided from a stored trace
            self._accept(step, trace, decision.state)
        return True

    def _has_slot(self, step: Step) -> bool:
        """-j bounds all steps in flight; local steps also share the machine's cores; a
        serial provider runs one step at a time. A step wanting every core still starts
        on an idle machine (-j 1 included)."""
        in_flight = self._in_flight()
        if len(in_flight) >= self.jobs:
            return False
        if step.serial and any(job.step.serial and job.step.provider == step.provider and job.remote_trace is None
                               for job in in_flight):
            return False  # its provider does one at a time: waiting in a worker would hold a slot
        if self._cores(step) == 0:
            return True
        busy = sum(self._cores(job.step) for job in in_flight if job.remote_trace is None)  # fetches use no core
        wanted = any(peer._machine_wanted for peer in self.peers)
        if busy == 0 or (busy + self._cores(step) <= self.cores and not wanted):
            return True
        # A waiting whole-machine step reserves the cores as they free up; otherwise
        # one-core steps would keep slipping in ahead of it.
        self._machine_wanted |= step.cpu == "all"
        return False

    def _in_flight(self) -> list[_Running]:
        return [job for peer in self.peers for job in peer._running.values()]

    def _being_built(self, key: str) -> bool:
        """A step with this key is running, in this project or another of the batch: the
        key is decided again when it finishes, and its output restored or shared."""
        return any(job.decision.key == key and job.remote_trace is None for job in self._in_flight())

    def _cores(self, step: Step) -> int:
        return {"none": 0, "one": 1, "all": self.cores}[step.cpu]

    def _submit(self, step: Step, decision: Decision) -> None:
        old = self.store.trace(_key(decision))
        if old is not None and self.store.output_problem(old) is not None:
            self._discard_damaged(step, old)  # rebuilding it: do not leave the damaged bytes behind
        workdir = self.store.new_workdir()
        # A cluster moves the inputs and outputs through the shared store itself.
        future = self.runner.run_step(step, {dep: dict(self._traces[dep].outputs) for dep in step.deps}, workdir)
        if future is None:  # this machine: the step reads its inputs from this store
            inputs = {dep: {name: self.store.object_path(digest) for name, digest in self._traces[dep].outputs.items()}
                      for dep in step.deps}
            future = self.runner.submit(self._run_step, step, inputs, workdir)
        self._running[future] = _Running(step, decision, workdir, time.monotonic())
        self._emit("start", step.id)

    def _run_step(self, step: Step, inputs, workdir: Path) -> dict[str, Path]:
        """In a worker thread: the step's action, with a way for its provider to say it waits."""
        with events.step_scope(step.id, lambda step_id, message: self._emit("waiting", step_id, message=message)):
            return run_action(step, inputs, workdir, self.pool)

    def _emit(self, kind: str, step_id: str, *, seconds: float | None = None, message: str = "",
              settles: int = 0) -> None:
        """Count `settles` more steps as settled (negative: reopened) and tell the listener."""
        with self._events_lock:
            self._done += settles
            event = events.StepEvent(kind, step_id, self._done, len(self.steps),
                                     time.monotonic() - self._began, seconds, message)
            self.listener(event)

    def _submit_download(self, step: Step, decision: Decision) -> None:
        remote = self.store.remote
        workdir = self.store.new_workdir()
        found, outcome = remote.find(decision.key)
        future = self.runner.submit(remote.download, found, workdir)
        self._running[future] = _Running(step, decision, workdir, time.monotonic(), remote_trace=found,
                                          outcome=outcome)
        self._emit("start", step.id)

    def _store_download(self, job: _Running, future: Future) -> Trace | None:
        """Keep a finished download in the local store; None when it failed (the remote
        rejected the key, so the step goes back to be decided again: now it is built)."""
        remote = self.store.remote
        try:
            outputs = future.result()
            found = job.remote_trace  # as looked up when the download started: the remote may be off now
            assert found is not None, "only a download job gets here"
            # Each download was hashed against its digest as it came: not read again here.
            trace = Trace(found.key, found.step, found.parts,
                          {name: self.store.put_file(path, found.outputs[name]) for name, path in outputs.items()},
                          found.seconds)
            self.store.record(trace)
            return trace
        except Exception as error:  # noqa: BLE001 - a bad download is rebuilt, never fatal
            remote.reject(job.decision.key)
            source = "another project of the batch" if job.outcome == SHARED else "the remote store"
            self._emit("damaged", job.step.id, message=f"not taken from {source}: {error}")
            self._pending.append(job.step)
            return None
        finally:
            shutil.rmtree(job.workdir, ignore_errors=True)

    # -- damaged inputs ---------------------------------------------------------------
    def _inputs_intact(self, step: Step) -> bool:
        """Hash every stored input of `step` (once per render). When one is damaged,
        remove it, send the step that made it back to be rebuilt, and return False."""
        damaged = [dep for dep in step.deps
                   if not all(self._object_intact(d) for d in self._traces[dep].outputs.values())]
        for dep in damaged:  # first remove them all: reopening one may reopen another
            self._discard_damaged(self._by_id[dep], self._traces[dep])
        for dep in damaged:
            if dep in self._traces:  # not already reopened as downstream of another damaged input
                self._rebuild_damaged(self._by_id[dep])
        return not damaged

    def _object_intact(self, digest: str) -> bool:
        if digest not in self._intact and self.store.intact(digest):
            self._intact.add(digest)
        return digest in self._intact

    def _rebuild_damaged(self, step: Step) -> None:
        """`step`'s stored output was damaged (and is removed): decide the step (and
        every settled step downstream of it) again. A second time in one render means the
        disk itself is failing: then the step fails instead of looping."""
        trace = self._traces[step.id]
        reopened = self._reopen(step)
        digest = next(d for d in trace.outputs.values() if d not in self._intact)
        self._emit("damaged", step.id, message=f"stored output {digest[:12]} does not match its digest; removed it",
                   settles=-reopened)
        if step.id in self._repaired:
            self._fail(step, "its output was damaged again right after it was rebuilt; check the disk")
        self._repaired.add(step.id)

    def _discard_damaged(self, step: Step, trace: Trace) -> None:
        views = [self.store.build_dir / rel for rel in step.views.values()]
        for digest in trace.outputs.values():
            if digest not in self._intact and not self.store.intact(digest):
                try:
                    self.store.discard_object(digest, views)
                except OSError as error:  # a damaged object left in place would be trusted again
                    raise StorybuildError(f"{step.id}: cannot remove its damaged output "
                                          f"{self.store.object_path(digest)}: {error.strerror}") from None

    def _reopen(self, root: Step) -> int:
        """Return `root` and every settled step that depends on it, directly or not, to
        the pending list; running ones are decided again when they finish. Returns how
        many settled steps were reopened."""
        downstream = {root.id}
        reopened = 0
        for step in self.steps:  # graph order: a step's deps come before it
            if step.id != root.id and not downstream.intersection(step.deps):
                continue
            downstream.add(step.id)
            if step.id in self._digests:
                del self._digests[step.id], self._traces[step.id]
                for outcomes in (self.result.fresh, self.result.restored, self.result.downloaded, self.result.shared):
                    if step.id in outcomes:
                        outcomes.remove(step.id)
                self._pending.append(step)
                reopened += 1
            elif any(job.step.id == step.id for job in self._running.values()):
                self._redo.add(step.id)
        self._replan = True
        return reopened

    def _fail(self, step: Step, message: str) -> None:
        if step in self._pending:
            self._pending.remove(step)
        self.result.failed[step.id] = message
        self._emit("failed", step.id, message=message, settles=1)

    # -- completion ------------------------------------------------------------------
    def finish(self, future: Future) -> None:
        """Take in the result of one of `running` that is done."""
        job = self._running.pop(future)
        self.pool.release_unneeded([*self._pending, *(j.step for j in self._running.values())])
        release_freed_memory()  # what the step's pictures and frames used, back to the system
        if job.remote_trace is not None:
            trace = self._store_download(job, future)
            if trace is not None:
                if job.outcome == SHARED:  # another project built it: this one's team remote may lack it
                    self.store.remote.upload(trace, self.store.object_path)
                self._accept(job.step, trace, job.outcome, time.monotonic() - job.started)
            return
        try:
            outputs = future.result()
            trace = Trace(_key(job.decision), job.step.id, key_parts(job.step, self._digests),
                          {name: self.store.put_file(path) for name, path in outputs.items()},
                          time.monotonic() - job.started)
            self.store.record(trace)
        except Exception as error:  # a failed step is a value reported at the end, not a crash
            message = _describe(error, job.workdir)
            self.result.failed[job.step.id] = message
            self._emit("failed", job.step.id, seconds=time.monotonic() - job.started, message=message, settles=1)
            return
        finally:
            shutil.rmtree(job.workdir, ignore_errors=True)
        if getattr(self.store, "remote", None) is not None:
            self.store.remote.upload(trace, self.store.object_path)
        if job.step.id in self._redo:  # an input upstream was damaged: its key may change
            self._redo.discard(job.step.id)
            self._pending.append(job.step)
            return
        self._accept(job.step, trace, "built", trace.seconds)

    def _accept(self, step: Step, trace: Trace, outcome: str, seconds: float | None = None) -> None:
        """Make `trace` the step's current output: link views, publish its digest."""
        if outcome != FRESH:
            self.store.link_views(step.id, trace, step.views, defer=True)  # written at the end: save_checked
        self._digests[step.id] = trace.digest
        self._traces[step.id] = trace
        if step.id not in self.result.built:  # a built step reopened by damage upstream stays "built"
            outcomes = {FRESH: self.result.fresh, RESTORE: self.result.restored, REMOTE: self.result.downloaded,
                        SHARED: self.result.shared}
            outcomes.get(outcome, self.result.built).append(step.id)
        kind = {FRESH: "fresh", RESTORE: "restored", REMOTE: "downloaded", SHARED: "shared"}.get(outcome, "built")
        self._emit(kind, step.id, seconds=seconds, settles=1)

    # -- failure and interruption ------------------------------------------------------
    def discard_running(self) -> None:
        """After the runner was abandoned (interrupt): remove the running steps' scratch."""
        for job in self._running.values():
            shutil.rmtree(job.workdir, ignore_errors=True)

    def _interrupted_message(self) -> str:
        kept = len(self.result.built) + len(self.result.restored) + len(self.result.downloaded) + len(self.result.shared)
        return (f"interrupted: {kept} finished step(s) are stored, {len(self._running)} running step(s) "
                "were discarded; run `storybuild render` again to resume")

    def _failure_message(self) -> str:
        steps = {s.id: s for s in self.steps}
        lines = [f"{len(self.result.failed)} step(s) failed:"]
        for step_id, message in self.result.failed.items():
            scene = steps[step_id].scene
            where = f" (scene {scene})" if scene else ""
            lines.append(f"  {step_id}{where}: {message}")
        not_run = len(self._pending)
        if not_run and not self.keep_going:
            lines.append(f"{not_run} step(s) not started; use -k to build everything that does not depend on a failure")
        elif self.result.skipped:
            lines.append(f"{len(self.result.skipped)} step(s) skipped because an input failed")
        lines.append("everything that finished is stored; fix the problem and render again")
        return "\n".join(lines)


def run_together(executors: list[Executor], runner: Runner) -> None:
    """The one scheduling loop, for one project or a batch: offer every executor's ready
    steps, wait for any step of any of them, hand its result to its own executor; until
    nothing runs anywhere. Ctrl-C stops them all (Interrupted); so does a store that
    cannot be written (disk full, a link)."""
    try:
        while True:
            for executor in executors:
                executor.schedule()
            owners = {future: executor for executor in executors for future in executor.running}
            if not owners:
                break
            done, _ = wait(owners, return_when=FIRST_COMPLETED)
            for future in done:
                owners[future].finish(future)
    except KeyboardInterrupt:
        _abandon(executors, runner)
        message = executors[0]._interrupted_message() if len(executors) == 1 else (
            "interrupted: finished steps are stored, running ones were discarded; "
            "run `storybuild render` again to resume")
        raise Interrupted(message) from None
    except BaseException:
        _abandon(executors, runner)
        raise
    finally:
        for executor in executors:
            executor.store.save_checked()
    runner.shutdown()


def _abandon(executors: list[Executor], runner: Runner) -> None:
    """Stop what runs: the runner, shared by the executors, cancels what waits and kills
    what runs (ffmpeg children included), once; each executor removes its scratch."""
    _ignore_further_interrupts()
    runner.abandon()
    for executor in executors:
        executor.discard_running()


def _key(decision: Decision) -> str:
    """The key of a decided step: every state but BLOCKED has one, and the executor
    decides a step only once its inputs are settled, so it is never BLOCKED here."""
    assert decision.key is not None
    return decision.key


def _ignore_further_interrupts() -> None:
    """A second Ctrl-C or SIGTERM must not interrupt the clean-up of the first."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)


def _describe(error: Exception, workdir: Path) -> str:
    if isinstance(error, (ProviderError, StorybuildError)):
        return error.format_message() if isinstance(error, StorybuildError) else str(error)
    if isinstance(error, OSError):  # storing the output failed: say where and what to do
        return describe_os_error(error, None, workdir)
    return f"unexpected {type(error).__name__}: {error}"
