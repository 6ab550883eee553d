"""The registry of step kinds: every kind declared once, in its own module here.

To add a kind: write its module (builder, params, `run`, `KIND`), list it below, and
place its steps in graph.py. Planning, the executor, status and pruning find it here.
"""

from __future__ import annotations

from storybuild import providers
from storybuild.kinds import animation, card, character, clip, image, music, soundtrack, transition, video, voice
from storybuild.step import Step, StepKind

KINDS: dict[str, StepKind] = {
    module.KIND.name: module.KIND
    for module in (character, image, voice, animation, clip, card, transition, music, soundtrack, video)
}


def kind(name: str) -> StepKind:
    return KINDS[name]


def provider_family(step: Step) -> str | None:
    """The provider family ("image", "voice") whose provider runs `step`, or None when
    storybuild's own code runs it (composition, the user's own picture files)."""
    family = KINDS[step.kind].provider_kind
    return family if family and step.provider in providers.names(family) else None


def view_patterns() -> tuple[str, ...]:
    """Where every kind's views live under build/, as glob patterns ("scenes/*/clip.mp4")."""
    return tuple(pattern for entry in KINDS.values() for pattern in entry.views)
