"""Many stories in one run: `storybuild render A B C`.

One scheduler for all of them: every project gets its own executor (its own store,
providers and plan), but they share one runner (one pool of workers), one -j budget
and the machine's cores, so a project that waits on one long step leaves its share
to the others. Network providers cap their calls per process (one budget per
provider, whatever the project). Without -k a failure anywhere stops starting new
steps everywhere; with -k every project builds all it can.

Stories whose provider choices are the same share one provider pool, kept loaded for
the whole batch: the narrator's voice model loads once, not once per story.

Identical work runs once (batch_share): a step whose key another project of the batch
has built is copied from that project's store (verified by digest, reported "shared"),
and one whose key is being built elsewhere in the batch waits for it.

Invariants: every project's story is loaded and checked (credentials, installed
providers, views) before anything runs; each project is locked for the whole batch;
a project's stale views are pruned only when that project finished without a failure.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from contextlib import ExitStack
from typing import TYPE_CHECKING, Iterable, Sequence

from storybuild import events

if TYPE_CHECKING:
    from storybuild import pricing
    from storybuild.actions import ProviderPool
    from storybuild.api import Plan, RenderOutcome, Session
    from storybuild.execute import Executor
    from storybuild.runner import Runner


class BatchListener:
    """Relays each project's step events to one listener as one run: step ids are
    prefixed with the project's folder name, and done/total count every project."""

    def __init__(self, listener: events.Listener):
        self.listener = listener
        self._done: dict[str, int] = {}
        self._total: dict[str, int] = {}
        self._lock = threading.Lock()

    def for_project(self, name: str, total: int) -> events.Listener:
        self._done[name], self._total[name] = 0, total

        def relay(event: events.StepEvent) -> None:
            with self._lock:
                self._done[name] = event.done
                combined = dataclasses.replace(event, step=f"{name}:{event.step}", done=sum(self._done.values()),
                                               total=sum(self._total.values()))
                self.listener(combined)

        return relay


def project_names(sessions: Sequence["Session"]) -> list[str]:
    """A short name per project for progress lines: its folder name, or more of its path
    when two folders share a name."""
    names = [session.folder.resolve().name for session in sessions]
    if len(set(names)) == len(names):
        return names
    return [str(session.folder) for session in sessions]


def render_batch(sessions: Sequence["Session"], *, jobs: int | None = None, keep_going: bool = False,
                 force: Iterable[str] = (), listener: events.Listener | None = None,
                 runner: "Runner | None" = None, max_cost: float | None = None) -> list["RenderOutcome"]:
    """Render every session's project with one shared scheduler; one outcome per project,
    in order (failures are values in them, as Session.render returns them). `max_cost`:
    refuse, before any call, a batch whose paid calls (batch_estimate) would cost more."""
    from storybuild.actions import ProviderPool
    from storybuild.api import default_jobs
    from storybuild.batch_share import share_stores
    from storybuild.execute import run_together
    from storybuild.lock import project_lock
    from storybuild.memory import limit_arenas
    from storybuild.runner import LocalRunner

    started = time.monotonic()
    force = tuple(force)
    plans = [session.plan(force) for session in sessions]
    if max_cost is not None:
        from storybuild.pricing import check_budget

        check_budget(batch_estimate(plans), max_cost)
    for planned in plans:
        _check(planned)
    jobs = jobs or max(default_jobs(planned.steps) for planned in plans)
    runner = runner or LocalRunner(jobs)
    relay = BatchListener(listener or events.ignore)
    pools: dict[str, ProviderPool] = {}
    limit_arenas()
    names = project_names(sessions)
    with ExitStack() as locks:
        locks.callback(_release, pools)
        locks.callback(share_stores([planned.store for planned in plans], names))
        executors: list[Executor | None] = []
        for planned, name in zip(plans, names):
            if planned.up_to_date:
                executors.append(None)
                continue
            locks.enter_context(project_lock(planned.store.meta))
            # Stories with the same provider choices share one pool: the narrator loads once.
            pool = pools.setdefault(repr(planned.project.providers), ProviderPool(planned.project, keep_loaded=True))
            executors.append(_executor(planned, pool, relay.for_project(name, len(planned.steps)),
                                       jobs, keep_going, runner))
        active = [executor for executor in executors if executor is not None]
        for executor in active:
            executor.peers = active
        run_together(active, runner)
        return [_outcome(planned, executor, started) for planned, executor in zip(plans, executors)]


def _release(pools: dict[str, "ProviderPool"]) -> None:
    for pool in pools.values():
        pool.release_unneeded((), force=True)


def _check(planned: "Plan") -> None:
    from storybuild.api import preflight

    if not planned.up_to_date:
        preflight(planned)


def _executor(planned: "Plan", pool: "ProviderPool", listener: events.Listener, jobs: int, keep_going: bool,
              runner: "Runner") -> "Executor":
    from storybuild.execute import Executor

    planned.store.clear_tmp()
    return Executor(planned.steps, planned.store, pool, listener, jobs=jobs,
                    keep_going=keep_going, forced=planned.forced, runner=runner)


def _outcome(planned: "Plan", executor: "Executor | None", started: float) -> "RenderOutcome":
    from storybuild import review_publish
    from storybuild.api import RenderOutcome, up_to_date_outcome
    from storybuild.execute import RenderFailed, RenderResult
    from storybuild.maintenance import prune_stale_views

    if executor is None:
        return up_to_date_outcome(planned, started)
    seconds = time.monotonic() - started
    message = ""
    try:
        result = executor.conclude()
        prune_stale_views(planned.store, planned.steps)
    except RenderFailed as failure:
        result, message = failure.result or RenderResult(), failure.format_message()
    # Each story's review page, as a single render writes it (under its lock, held here).
    review_publish.publish(planned.project, planned.steps, planned.store, result,
                           review_publish.summary(result, seconds))
    return RenderOutcome(planned, result, seconds, list(planned.store.set_aside), message)


def batch_estimate(plans: Sequence["Plan"]) -> "pricing.Estimate":
    """What a batch's paid calls would cost: each key once, as the batch builds it
    (a step another project of the batch also has is shared, not paid for again). A
    step whose key is not known yet (it waits for a step not built) is counted in every
    project that has it: the estimate is an upper bound."""
    from storybuild import pricing, report

    seen: set[str] = set()
    lines = []
    for planned in plans:
        unique = []
        for decision in planned.decisions:
            if decision.key is None or decision.key not in seen:  # a blocked step has no key yet: counted
                unique.append(decision)
                seen.add(decision.key or "")
        lines += report.cost_estimate(unique, planned.project).lines
    return pricing.Estimate(tuple(lines))
