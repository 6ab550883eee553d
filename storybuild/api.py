"""The library API: everything the CLI does, as calls that return values.

    from storybuild import Session
    session = Session("examples/whiskers-and-buster", listener=print)
    plan = session.status()                  # what a render would do, and why
    outcome = session.render(jobs=2)         # RenderOutcome: built, restored, failed, video
    if outcome.failed: print(outcome.message)

A Session holds one project. It may keep its providers loaded between renders
(`keep_providers=True`, as `watch` does), so a second render does not load the
narrator again. Nothing here prints; problems with the user's input raise
StorybuildError subclasses whose message is one line (file:line:col for the story).
Heavy modules are imported by the calls that need them, so `status` stays instant.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Sequence

from storybuild import events
from storybuild.errors import InputError

if TYPE_CHECKING:
    from storybuild.actions import ProviderPool
    from storybuild.clean import Sweep
    from storybuild.execute import RenderResult
    from storybuild.model import Project
    from storybuild.plan import Decision
    from storybuild.report import StatusTally
    from storybuild.runner import Runner
    from storybuild.step import Step
    from storybuild.store import Store
    from storybuild.store_remote import Remote
    from storybuild.verify import Report


@dataclass
class Validation:
    """A valid story (`project`) and the warnings about it that do not stop a render."""

    project: "Project"
    warnings: list[str]


@dataclass
class Plan:
    """The steps of the story and, for each, what a render would do and why (graph order)."""

    project: "Project"
    steps: list["Step"]
    store: "Store"
    forced: frozenset[str]
    decisions: list["Decision"]

    @property
    def up_to_date(self) -> bool:
        from storybuild.plan import FRESH

        return all(d.state == FRESH for d in self.decisions)

    @property
    def video(self) -> Path:
        """Where the final video is (or will be) in build/."""
        step = next(s for s in self.steps if s.kind == "video")
        return self.project.build_dir / step.views["video.mp4"]


@dataclass
class RenderOutcome:
    """What one render did. `failed` maps step id -> one-line message; when it is not
    empty, `message` is the full report (what failed, what was kept, what to do)."""

    plan: Plan
    result: "RenderResult"
    seconds: float
    set_aside: list[tuple[Path, Path]] = field(default_factory=list)  # (your file's path, where it went)
    message: str = ""

    @property
    def failed(self) -> dict[str, str]:
        return self.result.failed

    @property
    def video(self) -> Path:
        return self.plan.video


class Session:
    """One project (a folder holding story.yaml, or the story file itself).

    remote: the shared store's URL; None looks it up ($STORYBUILD_REMOTE, then the
    untracked config files, see store_remote.remote_url), "" means none. warn gets the
    one-line warnings (a remote that is down); by default they go to stderr."""

    def __init__(self, project: str | Path = ".", *, listener: events.Listener | None = None,
                 keep_providers: bool = False, remote: str | None = None,
                 warn: Callable[[str], None] | None = None):
        path = Path(project)
        self.folder = path.parent if path.name.endswith((".yaml", ".yml")) else path
        self.story_file = path if path.name.endswith((".yaml", ".yml")) else path / "story.yaml"
        self.listener = listener or events.ignore
        self.keep_providers = keep_providers
        self._pool: ProviderPool | None = None
        self._remote_option = remote
        self._remote: Remote | None = None
        self._remote_known = False  # looked up (the answer may be None: no remote)
        self._warn = warn

    @property
    def build_dir(self) -> Path:
        return self.folder / "build"

    # -- reading the story ---------------------------------------------------------------
    def load(self, use_cache: bool = True) -> "Project":
        """The validated story. With `use_cache`, a story already validated unchanged is
        not validated again (the cache lives in build/)."""
        from storybuild import buildfs
        from storybuild.project import load_project

        cache = buildfs.validation_cache(self.build_dir) if use_cache else None
        project = load_project(self.story_file, cache_dir=cache)
        if cache is not None:
            buildfs.mark_new(self.build_dir)
        return project

    def validate(self) -> Validation:
        """Validate from scratch (no cache), with the caption warnings."""
        from storybuild.project import caption_warnings

        project = self.load(use_cache=False)
        return Validation(project, caption_warnings(project))

    def plan(self, force: Iterable[str] = (), lean: bool = False) -> Plan:
        """Decide every step against the store, as a render would start. Pure apart from
        reading the store; `force` names steps, scenes or kinds as `render --force` does."""
        from storybuild.graph import build_graph
        from storybuild.plan import plan
        from storybuild.report import resolve_force

        project = self.load()
        steps = build_graph(project)
        store = self._store(project, lean)
        forced = resolve_force(steps, force)
        return Plan(project, steps, store, forced, plan(steps, store, forced))

    def _store(self, project: "Project", lean: bool) -> "Store":
        """The project's store, with the team's remote when one is configured."""
        from storybuild.store import Store

        store = Store(project.build_dir, lean=lean)
        store.remote = self.remote()
        return store

    def remote(self) -> "Remote | None":
        """The shared store, connected on first use (None when none is configured)."""
        if not self._remote_known:
            from storybuild.store_remote import Remote, remote_url

            url = remote_url(self.folder, self._remote_option)
            if url is not None:
                self._remote = Remote(url, self._warn) if self._warn else Remote(url)
            self._remote_known = True
        return self._remote

    def status(self, force: Iterable[str] = ()) -> Plan:
        """Like plan(), and remembers the objects it hashed (a copied store) so the next
        call need not hash them again."""
        planned = self.plan(force, lean=True)  # only reports: traces need not keep their key parts
        planned.store.save_checked()
        return planned

    def status_tally(self, force: Iterable[str] = (), explain: bool = False) -> "StatusTally":
        """What status() finds, tallied as each step is decided (report.StatusTally: the
        lines `storybuild status` prints, the counts, the steps that would run). No step
        or decision is kept but those it shows, so its memory grows with what it prints,
        not with the story's length (benchmarks/bench_scale.py measures it)."""
        from storybuild.graph import iter_graph
        from storybuild.plan import iter_plan
        from storybuild.report import resolve_force, tally

        project = self.load()
        store = self._store(project, lean=True)
        forced = resolve_force(iter_graph(project), force)
        counted = tally(iter_plan(iter_graph(project), store, forced), explain, project)
        store.save_checked()
        return counted

    # -- building ---------------------------------------------------------------------------
    def render(self, *, jobs: int | None = None, keep_going: bool = False, force: Iterable[str] = (),
               listener: events.Listener | None = None, runner: "Runner | None" = None,
               executor: str = "local", max_cost: float | None = None) -> RenderOutcome:
        """Run the steps whose inputs changed. Failed steps are values in the outcome
        (everything that succeeded is stored); a story, credential or file-system problem
        raises before anything runs. Ctrl-C raises execute.Interrupted. `executor`: "local"
        (threads here), "dask" (a LocalCluster of processes) or a Dask scheduler address
        (tcp://host:8786); `runner` overrides it with a Runner of your own. `max_cost`
        (US dollars): refuse, before any call, a render whose paid calls would cost more."""
        from storybuild import report, review_publish
        from storybuild.execute import RenderFailed, RenderResult
        from storybuild.lock import project_lock

        started = time.monotonic()
        planned = self.plan(force)
        if planned.up_to_date:
            return up_to_date_outcome(planned, started)
        if max_cost is not None:
            from storybuild.pricing import check_budget

            check_budget(report.cost_estimate(planned.decisions, planned.project), max_cost)
        preflight(planned)
        message = ""
        with project_lock(planned.store.meta):
            try:
                if runner is None and executor != "local":
                    from storybuild.dask_runner import DaskRunner

                    runner = DaskRunner(executor, planned.project, planned.store, planned.store.remote)
                result = self._execute(planned, jobs, keep_going, listener or self.listener, runner)
            except RenderFailed as failure:
                result, message = failure.result or RenderResult(), failure.format_message()
            review_publish.publish(planned.project, planned.steps, planned.store, result,
                                   review_publish.summary(result, time.monotonic() - started))
        return RenderOutcome(planned, result, time.monotonic() - started, list(planned.store.set_aside), message)

    def _execute(self, planned: Plan, jobs: int | None, keep_going: bool,
                 listener: events.Listener, runner: "Runner | None" = None) -> "RenderResult":
        from storybuild.execute import Executor
        from storybuild.maintenance import prune_stale_views
        from storybuild.memory import limit_arenas

        limit_arenas()  # before the workers start: each thread would otherwise get an arena
        jobs = jobs or getattr(runner, "jobs", None) or default_jobs(planned.steps)
        told = getattr(listener, "planned", None)
        if told is not None:  # a listener that wants the plan (the progress bar's ETA) gets it
            told(planned, jobs)
        executor = Executor(planned.steps, planned.store, self._providers(planned.project), listener,
                            jobs=jobs, keep_going=keep_going, forced=planned.forced, runner=runner)
        result = executor.run()  # raises RenderFailed when a step failed: then nothing is pruned
        prune_stale_views(planned.store, planned.steps)
        return result

    def _providers(self, project: "Project") -> "ProviderPool":
        from storybuild.actions import ProviderPool

        if self._pool is None or not self.keep_providers:
            self._pool = ProviderPool(project, keep_loaded=self.keep_providers)
        else:
            self._pool.retarget(project)
        return self._pool

    def preload(self) -> None:
        """Make the providers the story's steps use and let those that can warm up
        (load their model: piper's voice), so the next render does not wait for it.
        Only for a session keeping its providers; best effort: a provider that cannot
        be made now is reported by the render that needs it."""
        from storybuild.errors import ProviderError, StorybuildError
        from storybuild.graph import build_graph
        from storybuild.kinds import provider_family

        if not self.keep_providers:
            return
        try:
            project = self.load()
            pool = self._providers(project)
            families = {provider_family(step) for step in build_graph(project)}
            for family in sorted(f for f in families if f is not None):
                warm_up = getattr(pool.get(family), "warm_up", None)
                if warm_up is not None:
                    warm_up()
        except (StorybuildError, ProviderError):
            pass

    def close(self) -> None:
        """Let go of the providers kept loaded between renders."""
        if self._pool is not None:
            self._pool.release_unneeded((), force=True)
            self._pool = None

    # -- the shared store ----------------------------------------------------------------
    def push(self) -> tuple[int, int]:
        """Upload every step of the current build (traces and objects the remote lacks)
        to the shared store; returns (steps, bytes sent)."""
        from storybuild.store_remote import push

        remote = self.require_remote()
        planned = self.plan()
        return push(planned.store, remote, [d.key for d in planned.decisions if d.key])

    def pull(self) -> int:
        """Download every step the shared store has and build/ lacks into the local
        store (the next render links them); returns how many steps came."""
        from storybuild.lock import project_lock
        from storybuild.store_remote import pull

        self.require_remote()
        planned = self.plan()
        with project_lock(planned.store.meta):
            return pull(planned.store, planned.decisions)

    def require_remote(self) -> "Remote":
        remote = self.remote()
        if remote is None:
            raise InputError("no remote store is set: pass --remote URL, set STORYBUILD_REMOTE, or put "
                             "`remote: URL` in the project's .storybuild.yaml")
        return remote

    # -- maintenance ---------------------------------------------------------------------
    def gc(self) -> str:
        """Delete stored artifacts no step of the current story refers to; says what went."""
        from storybuild import maintenance
        from storybuild.lock import project_lock

        planned = self.plan()
        with project_lock(planned.store.meta):
            return maintenance.collect_garbage(planned.store, planned.decisions)

    def verify(self, repair: bool = False) -> "Report | None":
        """Re-hash every stored object and check every trace (None: nothing was rendered).
        With `repair`, remove what is damaged so the next render rebuilds it."""
        from storybuild import verify as verifying
        from storybuild.lock import project_lock
        from storybuild.store import Store

        if not self.folder.is_dir():
            raise InputError(f"{self.folder}: no such project folder")
        store = Store(self.build_dir)
        if not store.meta.is_dir():
            return None
        if not repair:
            return verifying.verify(store)
        with project_lock(store.meta):
            found = verifying.verify(store)
            verifying.repair(store, found)
            return found

    def clean(self, everything: bool = False) -> "Sweep | None":
        """Remove the views storybuild made in build/ (and with `everything` the store);
        None when there is no build/ (nothing to clean)."""
        from storybuild import clean as cleaning
        from storybuild.lock import project_lock
        from storybuild.store import Store

        if not cleaning.check_cleanable(self.folder, self.build_dir):
            return None
        with project_lock(self.build_dir / ".storybuild"):
            swept = cleaning.sweep(self.build_dir, everything)
            if not everything:
                Store(self.build_dir).forget_current()  # the next render relinks (restores) every view
        return swept


def up_to_date_outcome(planned: Plan, started: float) -> RenderOutcome:
    """The outcome of a render with nothing to do. It takes no lock and writes nothing
    but the cache of objects found intact and, when missing or stale, the review page
    (neither on a read-only checkout), so a read-only checkout can ask."""
    from storybuild import review_publish
    from storybuild.execute import RenderResult

    planned.store.save_checked()
    result = RenderResult(fresh=[d.step.id for d in planned.decisions])
    review_publish.refresh(planned.project, planned.steps, planned.store, result, time.monotonic() - started)
    return RenderOutcome(planned, result, time.monotonic() - started)


def preflight(planned: Plan) -> None:
    """Before anything runs: the keys, the optional packages and build/'s own paths the
    steps that would run need; one-line errors."""
    from storybuild import report
    from storybuild.buildfs import check_views

    report.check_credentials(planned.decisions)
    report.check_installed([d.step for d in planned.decisions if d.runs])
    check_views(planned.store.build_dir, planned.steps)


def default_jobs(steps: Sequence["Step"]) -> int:
    """Network providers wait on I/O, so more workers help (each provider caps its own
    concurrency); offline ones are CPU-bound, so more workers than cores only thrash."""
    return 8 if any(step.cpu == "none" for step in steps) else max(2, os.cpu_count() or 2)
