"""Turning plans and results into words (and the checks that speak before a render).

Pure functions of decisions and results, so their wording is tested exactly.
"""

from __future__ import annotations

import difflib
import json
from collections import Counter
from pathlib import Path
from typing import Iterable, Sequence

from storybuild.errors import InputError
from storybuild.kinds import provider_family
from storybuild.step import Step
from storybuild.plan import BLOCKED, FRESH, REMOTE, RESTORE, STALE, STATES, Decision


def resolve_force(steps: Iterable[Step], names: Iterable[str]) -> frozenset[str]:
    """Step ids matched by --force arguments: a step id, a scene id, or a step kind.
    Reads `steps` once (it may be a generator), and not at all without names."""
    names = list(names)
    if not names:
        return frozenset()
    forced: set[str] = set()
    matched: set[str] = set()
    choices: set[str] = set()  # for the hint, should a name match nothing
    for step in steps:
        choices.update((step.id, step.kind, step.scene) if step.scene else (step.id, step.kind))
        for name in names:
            if name in (step.id, step.scene, step.kind):
                forced.add(step.id)
                matched.add(name)
    for name in names:
        if name not in matched:
            hint = difflib.get_close_matches(name, sorted(choices), n=1)
            suffix = f"; did you mean '{hint[0]}'?" if hint else ""
            raise InputError(f"--force {name}: no step, scene or step kind has that name{suffix}")
    return frozenset(forced)


def _paid_note(decision: Decision) -> str:
    step = decision.step
    return f"  [calls {step.provider} {step.model}]" if step.paid and decision.runs else ""


class StatusTally:
    """What `status` prints, gathered from decisions fed one at a time (`add`), in graph
    order. Invariant: it keeps only what it prints (the line of each step shown: every
    step with `explain`, else those not fresh), the state counts, and the decisions
    that would run (the cost estimate reads their steps); a fresh step's decision is
    dropped, so a built story's status holds nothing per step."""

    def __init__(self, explain: bool, project=None):
        self.explain = explain
        self.project = project  # the story, for the cost estimate's prices
        self.counts: Counter[str] = Counter()
        self.total = 0
        self.width = 0  # of the longest step id, which aligns the lines
        self.rows: list[tuple[str, str, str]] = []  # (state, step id, reasons and paid note)
        self.running: list[Decision] = []
        self.paid_providers: Counter[str] = Counter()  # provider -> paid steps that would run

    def add(self, decision: Decision) -> None:
        """Count one decision; keep its line only when status shows it."""
        step, state = decision.step, decision.state
        self.total += 1
        self.counts[state] += 1
        self.width = max(self.width, len(step.id))
        if decision.runs:
            self.running.append(decision)
            if step.paid:
                self.paid_providers[step.provider] += 1
        if state != FRESH or self.explain:
            self.rows.append((state, step.id, "; ".join(decision.reasons) + _paid_note(decision)))

    @property
    def up_to_date(self) -> bool:
        """True when every step counted so far is fresh."""
        return self.counts[FRESH] == self.total

    def text(self) -> str:
        """The lines of status_text: the steps shown, then the summary line."""
        lines = [f"{state:<8} {step_id:<{self.width}}  {why}".rstrip() for state, step_id, why in self.rows]
        lines.append(self.summary())
        return "\n".join(lines)

    def summary(self) -> str:
        """The last line of `status`: how many steps would run, of how many, and why."""
        counts, total = self.counts, self.total
        runs = counts[STALE] + counts[BLOCKED]
        if runs == 0 and counts[RESTORE] == 0 and counts[REMOTE] == 0:
            return f"up to date: all {total} steps are fresh"
        if runs == 0:  # after a revert or a clean: relinking stored files, nothing generated
            fresh = f", {counts[FRESH]} are fresh" if counts[FRESH] else ""
            restored = f"{counts[RESTORE]} would be restored from the store" if counts[RESTORE] else ""
            downloaded = f"{counts[REMOTE]} would be downloaded from the remote store" if counts[REMOTE] else ""
            return f"0 of {total} steps would run; {' and '.join(filter(None, (restored, downloaded)))}{fresh}"
        parts = ", ".join(f"{counts[state]} {state}" for state in STATES if counts[state])
        text = f"{runs} of {total} steps would run ({parts})"
        paid = sum(self.paid_providers.values())
        if paid:
            text += f"; {paid} would call a paid API ({', '.join(sorted(self.paid_providers))})"
        return text


def tally(decisions: Iterable[Decision], explain: bool = False, project=None) -> StatusTally:
    """A StatusTally of `decisions` (a list, or a generator such as plan.iter_plan)."""
    counted = StatusTally(explain, project)
    for decision in decisions:
        counted.add(decision)
    return counted


def status_text(decisions: Sequence[Decision], explain: bool) -> str:
    """One line per step (only steps that are not fresh, unless `explain`), then a summary."""
    return tally(decisions, explain).text()


def summary_line(decisions: Sequence[Decision]) -> str:
    """The last line of `status`: how many steps would run, of how many, and why."""
    return tally(decisions).summary()


def status_json(decisions: Sequence[Decision], cost=None) -> str:
    """The plan as JSON; with `cost` (a pricing.Estimate), the estimated US dollars of the
    paid calls per model and in total (null for a model with no known price)."""
    rows = [{"step": d.step.id, "state": d.state, "reasons": list(d.reasons), "key": d.key,
             "provider": d.step.provider, "model": d.step.model, "paid": d.step.paid and d.runs}
            for d in decisions]
    document = {"steps": rows, "summary": summary_line(decisions)}
    if cost is not None:
        document["cost"] = {"estimated_usd": round(cost.total, 6), "models": [
            {"provider": line.provider, "model": line.model, "calls": line.calls, "unit": line.unit,
             "quantity": round(line.quantity, 3), "price": line.price,
             "usd": None if line.cost is None else round(line.cost, 6)} for line in cost.lines]}
    return json.dumps(document, indent=2)


def check_credentials(decisions: Sequence[Decision], environ=None) -> None:
    """Refuse to start when a step that will run needs an API key that is not set (the
    provider's registry entry names the variables). Checked before anything runs, so a
    render never half-completes for this."""
    needy: dict[tuple[str, ...], list[str]] = {}  # key variables -> steps that need one of them
    entries = {}
    for decision in decisions:
        entry = provider_entry(decision.step) if decision.runs and decision.step.paid else None
        if entry is not None and not entry.has_key(environ):
            needy.setdefault(entry.key_envs, []).append(decision.step.id)
            entries.setdefault(entry.key_envs, entry)
    for envs, ids in needy.items():
        entry = entries[envs]
        listed = ", ".join(ids[:6]) + (f" and {len(ids) - 6} more" if len(ids) > 6 else "")
        raise InputError(f"{len(ids)} step(s) call {entry.service} but no API key is set: {listed}. "
                         f"Set {entry.key_hint}, or choose offline providers in story.yaml")


def provider_entry(step: Step):
    """The registry entry of the provider running `step`, or None (storybuild's own code)."""
    from storybuild import providers

    family = provider_family(step)
    return providers.info(family, step.provider) if family else None


def cost_estimate(decisions: Sequence[Decision], project):
    """What the steps that would run would cost (pricing.Estimate), from the registry's
    price tables and the story's `pricing:`."""
    from storybuild import pricing, providers

    tables = {(entry.name, entry.kind): entry.prices for entry in providers.entries() if entry.prices}
    return pricing.estimate([d.step for d in decisions if d.runs], tables, project.pricing)


def render_summary(result, target: Path, seconds: float) -> str:
    downloaded, shared = getattr(result, "downloaded", []), getattr(result, "shared", [])
    if not result.built and not result.restored and not downloaded and not shared:
        return f"up to date ({len(result.fresh)} steps fresh) in {seconds:.2f}s: {target}"
    fetched = (f", downloaded {len(downloaded)}" if downloaded else "") + (f", shared {len(shared)}" if shared else "")
    return (f"built {len(result.built)}, restored {len(result.restored)}{fetched}, fresh {len(result.fresh)} "
            f"in {seconds:.1f}s: {target}")


def check_credentials_for_init(writer: str = "gemini") -> None:
    """Refuse `init --writer NAME` when that writer needs a key that is not set."""
    from storybuild import providers

    entry = providers.info("text", writer)
    if not entry.has_key():
        raise InputError(f"the {writer} writer needs an API key: set {entry.key_hint}, or use --writer template")


def check_installed(steps_to_run: Sequence[Step], missing=None) -> None:
    """Refuse to start when a provider that will run lacks its optional packages,
    instead of failing every one of its steps after the others have run.
    `missing` maps a ProviderInfo to its missing modules (injectable for tests)."""
    from storybuild import providers

    used = {(provider_family(s), s.provider) for s in steps_to_run if provider_family(s)}
    for kind, name in sorted(used):
        providers.check_installed(kind, name, missing)
