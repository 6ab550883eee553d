"""PURE decisions: does a step run, and why.

`decide` is the one place that answers "does this step run?". `render` calls it as
steps become ready and `status --explain` calls it through `plan`, so the explanation
printed can never drift from what a render does. It reads the store through the small
read-only `StoreView` protocol and touches nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Mapping, Protocol

from storybuild.kinds import kind
from storybuild.step import Step
from storybuild.keys import canonical_json, digest_value

FRESH = "fresh"        # built, and the views already show it
RESTORE = "restore"    # built before (key in the store): relinked, nothing generated
STALE = "stale"        # must run
BLOCKED = "blocked"    # waits for a stale input; its key is known only once that runs
REMOTE = "remote"      # built elsewhere: the remote store has its key; downloaded, nothing generated
SHARED = "shared"      # a fetch's outcome: copied from another project of the batch, nothing generated
STATES = (FRESH, RESTORE, STALE, BLOCKED, REMOTE)


class StoreView(Protocol):
    """What planning may ask of the store (all reads)."""

    def trace(self, key: str) -> Any: ...
    def current_trace(self, step_id: str) -> Any: ...
    def output_problem(self, trace: Any) -> str | None: ...
    def views_match(self, trace: Any, views: Mapping[str, str]) -> bool: ...
    def remote_trace(self, key: str) -> Any: ...


@dataclass(frozen=True)
class Decision:
    """The verdict on one step. `key` is None exactly when the state is BLOCKED;
    `digest` (the output digest dependents key on) is set for FRESH, RESTORE and REMOTE."""

    step: Step
    state: str
    reasons: tuple[str, ...]
    key: str | None = None
    digest: str | None = None

    @property
    def runs(self) -> bool:
        return self.state in (STALE, BLOCKED)


def key_parts(step: Step, input_digests: Mapping[str, str]) -> dict[str, Any]:
    """Everything that determines a step's output, as hashed into its key."""
    return {
        "kind": step.kind,
        "recipe": kind(step.kind).recipe,
        "provider": step.provider,
        "provider_version": step.provider_version,
        "model": step.model,
        "options": dict(step.options),
        "params": dict(step.params),
        "inputs": {dep: input_digests[dep] for dep in step.deps},
    }


def decide(step: Step, store: StoreView, digests: Mapping[str, str], forced: bool = False) -> Decision:
    """Decide `step` given the output digests of its finished inputs (`digests`).

    The checks run in order; the first that fires gives the state and its reason.
    """
    waiting = [dep for dep in step.deps if dep not in digests]
    if waiting:
        return Decision(step, BLOCKED, (f"waits for {', '.join(waiting)}",))
    parts = key_parts(step, digests)
    key = digest_value(parts)
    if forced:
        return Decision(step, STALE, ("forced with --force",), key)
    trace = store.trace(key)
    problem = None if trace is None else store.output_problem(trace)
    if trace is None or problem == "missing":
        remote = store.remote_trace(key)
        if remote is not None:
            return Decision(step, REMOTE, (f"the remote store has it (key {key[:12]}): downloaded, "
                                           "nothing generated",), key, remote.digest)
    if trace is None:
        return Decision(step, STALE, _why_new(step, parts, store), key)
    if problem == "missing":
        return Decision(step, STALE, ("its stored output is missing from build/.storybuild/objects",), key)
    if problem is not None:
        return Decision(step, STALE, ("its stored output is damaged (its bytes do not match their digest)",), key)
    if not store.views_match(trace, step.views):
        return Decision(step, RESTORE, (_why_restore(step, key, store),), key, trace.digest)
    return Decision(step, FRESH, ("up to date",), key, trace.digest)


def plan(steps: Iterable[Step], store: StoreView, forced: frozenset[str] = frozenset()) -> list[Decision]:
    """Decide every step without running anything: a stale step's output is unknown,
    so its dependents come out BLOCKED."""
    return list(iter_plan(steps, store, forced))


def iter_plan(steps: Iterable[Step], store: StoreView, forced: frozenset[str] = frozenset()) -> Iterator[Decision]:
    """plan() one decision at a time, as `steps` yields them (status keeps none of the
    steps). Only the output digest of each decided step is held, for its dependents."""
    digests: dict[str, str] = {}
    for step in steps:
        decision = decide(step, store, digests, step.id in forced)
        if decision.digest is not None:
            digests[step.id] = decision.digest
        yield decision


def _why_new(step: Step, parts: Mapping[str, Any], store: StoreView) -> tuple[str, ...]:
    previous = store.current_trace(step.id)
    if previous is None:
        return ("never built",)
    changed = _changed_fields(previous.parts, parts)
    if not changed:
        return ("no stored output for its key",)
    return tuple(f"{name} changed" for name in changed)


def _changed_fields(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Dotted names of the key parts that differ, one level into params/inputs/options.
    Values are compared as canonical JSON, the form they are hashed in (a trace read
    back from disk has lists where fresh parts have tuples)."""
    changed = []
    for name in sorted(set(old) | set(new)):
        before, after = old.get(name), new.get(name)
        if _same(before, after):
            continue
        if isinstance(before, Mapping) and isinstance(after, Mapping):
            changed += [f"{name}.{sub}" if name != "inputs" else f"input {sub}"
                        for sub in sorted(set(before) | set(after)) if not _same(before.get(sub), after.get(sub))]
        else:
            changed.append(name)
    return changed


def _same(before: Any, after: Any) -> bool:
    return canonical_json(before) == canonical_json(after)


def _why_restore(step: Step, key: str, store: StoreView) -> str:
    current = store.current_trace(step.id)
    if current is not None and current.key != key:
        return f"an earlier build matches (key {key[:12]}): restored from the store, nothing generated"
    return "output is in the store but build/ does not show it: relinked, nothing generated"
