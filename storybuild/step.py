"""What a build step is (`Step`) and what a kind of step is (`StepKind`).

A step kind is declared once, in its own module under storybuild/kinds/: its recipe
version, which provider family runs it, the folders its views live in, and the
action that runs it. Planning, the executor, status and pruning all read kinds from
that one registry, so adding a kind touches its module, the registry and the graph.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

# dep step id -> output name -> file path
Inputs = Mapping[str, Mapping[str, Path]]


@dataclass(frozen=True)
class Step:
    """One node of the build graph.

    Invariants: `id` is stable and human-readable ("voice/garden"); every id in `deps`
    names a step earlier in the graph's order; `views` maps each output name to the
    friendly path (relative to build/) where the current output is linked.
    """

    id: str
    kind: str
    provider: str
    provider_version: int
    model: str | None
    params: Mapping[str, Any]
    deps: tuple[str, ...] = ()
    views: Mapping[str, str] = field(default_factory=dict)
    scene: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    paid: bool = False
    cpu: str = "one"  # scheduling only, never in the key: "none" | "one" | "all" (see ProviderInfo)
    serial: bool = False  # scheduling only: one step of its provider at a time (see ProviderInfo)
    # Files outside the build that the action reads: name -> (absolute path, sha256 of
    # its bytes when the story was loaded). Never in the key: each digest is in `params`
    # already, so moving the project is free. The digest lets a run check that it read
    # what the key says (actions.run_action).
    sources: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    def source(self, name: str) -> Path | None:
        """Where the source file `name` is, or None when the step has none."""
        entry = self.sources.get(name)
        return Path(entry[0]) if entry else None


# The composition steps run storybuild's own ffmpeg code, not a pluggable provider.
COMPOSER = "ffmpeg"

# An action runs one step: (step, input files, scratch folder, provider pool) ->
# output name -> file inside the scratch folder. Actions never see keys or the store.
Action = Callable[[Step, Inputs, Path, Any], dict[str, Path]]


@dataclass(frozen=True)
class StepKind:
    """One kind of step, declared in one place.

    `recipe` is part of every key of this kind: bump it when storybuild's own code for
    the kind changes its output. `provider_kind` names the provider family that runs it
    ("image", "voice"), or None for storybuild's own composition code. `views` are
    glob patterns (relative to build/) of the places its steps link their views to:
    clean and pruning touch nothing else. `run` imports its
    heavy modules (Pillow, ffmpeg code, providers) when called, so planning stays light.
    """

    name: str
    recipe: int
    run: Action
    provider_kind: str | None = None
    views: tuple[str, ...] = ()
    # Rough seconds one step of this kind takes (720p, these machines), used only to
    # order the steps ready to run: longest first, so no long step ends a render alone
    # with a core idle. A step that ran before is ordered by its own recorded time.
    seconds: float = 0.5
