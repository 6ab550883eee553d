"""PURE: expand a Project into the ordered list of build steps.

No I/O and no heavy imports here: `status` calls this on every run. A step's params
are exactly what its action receives besides its input artifacts, so everything that
can change a step's output is in its key, and nothing else is.

The film is a row of items (title card, scenes, end card) with a seam before, between
and after them (timeline.py explains how seams borrow their frames). Each kind of step
is declared in its own module under storybuild/kinds/; this module only decides which
steps a story has and in what order.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import islice
from typing import Any, Iterator

from storybuild import timeline
from storybuild.kinds import animation, card, character, clip, image, music, soundtrack, transition, video, voice
from storybuild.kinds.common import uses_character_sheets
from storybuild.kinds.transition import BLACK, Neighbour
from storybuild.model import CardSettings, Project, Scene, Transition
from storybuild.step import Step

__all__ = ["Step", "build_graph", "iter_graph"]


@dataclass(frozen=True)
class _Item:
    """A card or a scene, with the transition that enters it."""

    neighbour: Neighbour
    entering: Transition
    scene: Scene | None = None
    card: CardSettings | None = None
    card_name: str = ""


def build_graph(project: Project) -> list[Step]:
    """All steps of `project` in dependency order (every dep before its dependents)."""
    return list(iter_graph(project))


def iter_graph(project: Project) -> Iterator[Step]:
    """The steps of build_graph, one at a time: a caller that decides each step as it
    comes (status) need not hold them all. Only the timeline (one entry per item and
    seam, in the film's steps' params) is kept until the end."""
    seams = _seam_frames(project)
    sheets = False
    if uses_character_sheets(project):
        for sheet in character.steps(project):
            sheets = True
            yield sheet
    settings = image.settings(project)  # one per scene, in order
    plan: list[dict[str, Any]] = []
    last = len(seams) - 2
    previous = None
    for index, item in enumerate(_items(project)):
        # The frames this item gives to the seams before and after it (see timeline.py);
        # what a fade at either end shows beyond them is black of its own.
        head = timeline.split_seam(seams[index], index == 0, False)[1]
        tail = timeline.split_seam(seams[index + 1], False, index == last)[0]
        previous_tail = timeline.split_seam(seams[index], False, False)[0] if index else 0
        setting = next(settings) if item.scene is not None else None
        steps = _item_steps(project, item, head, tail, sheets, setting)
        yield from steps
        left = previous.neighbour if previous is not None else BLACK
        kind = item.entering.kind if index else "crossfade"
        yield from _seam(project, plan, left, item.neighbour, kind, seams[index], seams[index] - previous_tail - head)
        plan.append(_item_entry(item, head, tail, steps))
        previous = item
    assert previous is not None, "a story has at least one scene"
    last_tail = timeline.split_seam(seams[-1], False, True)[0]
    yield from _seam(project, plan, previous.neighbour, BLACK, "crossfade", seams[-1], seams[-1] - last_tail)
    bed = music.step(project)
    if bed is not None:
        yield bed
    yield soundtrack.step(project, plan)
    yield video.step(project, plan, "soundtrack")


def _items(project: Project) -> Iterator[_Item]:
    """Title card, scenes, end card; each with the transition that enters it (made one
    at a time: a long story's planning holds only the one at hand)."""
    default = project.video.transition
    if project.title_card:
        yield _Item(Neighbour("card/title", "card:title", "card.png"), default, card=project.title_card,
                    card_name="title")
    for scene in project.scenes:
        if animation.animates(project, scene):  # the seams show the video's own first and last frames
            neighbour = Neighbour(f"animation/{scene.id}", scene.id, "animation.mp4", video=True)
        else:
            neighbour = Neighbour(f"image/{scene.id}", scene.id, "image.png", clip.motion_seed(scene))
        yield _Item(neighbour, scene.transition or default, scene=scene)
    if project.end_card:
        yield _Item(Neighbour("card/end", "card:end", "card.png"), default, card=project.end_card,
                    card_name="end")


def _seam_frames(project: Project) -> list[int]:
    """Frames of each seam: the fade in, the transitions entering items 1.., the fade out."""
    fps, fade = project.video.fps, project.video.fade
    inner = [timeline.seam_frames(item.entering.kind, item.entering.seconds, fps)
             for item in islice(_items(project), 1, None)]
    ends = timeline.seam_frames("crossfade", fade, fps) if fade > 0 else 0
    return [ends, *inner, ends]


def _item_steps(project: Project, item: _Item, head: int, tail: int, sheets: bool,
                setting: dict[str, str] | None) -> list[Step]:
    if item.card is not None:
        frames = timeline.card_timing(item.card.seconds, head, tail, project.video.fps).body
        return [card.step(project, item.card_name, item.card, frames)]
    scene = item.scene
    steps = [image.step(project, scene, sheets, setting), *voice.steps(project, scene)]
    if animation.animates(project, scene):
        steps.append(animation.step(project, scene))
    return [*steps, clip.step(project, scene, head, tail)]


def _seam(project: Project, plan: list[dict[str, Any]], left: Neighbour, right: Neighbour, kind: str,
          frames: int, black: int) -> Iterator[Step]:
    """Appends the seam's timeline entry to `plan`, and yields its step when it has
    frames. `black` counts the frames of a fade that belong to no item (the black
    side's share)."""
    if not frames:
        plan.append({"role": "seam", "step": None, "frames": 0, "black": 0})
        return
    seam = transition.step(project, left, right, kind, frames)
    plan.append({"role": "seam", "step": seam.id, "frames": frames, "black": black})
    yield seam


def _item_entry(item: _Item, head: int, tail: int, steps: list[Step]) -> dict[str, Any]:
    """The item's timeline entry. It names the item's steps by their own id strings
    (the last is the clip), so a long story's timeline holds no second copy of them."""
    if item.card is not None:
        return {"role": "item", "step": f"card/{item.card_name}", "seconds": item.card.seconds,
                "head": head, "tail": tail}
    scene = item.scene
    voices = [step.id for step in steps if step.kind == "voice"]  # in speaking order
    # A narration scene's entry is as it always was (its key must not change); a
    # dialogue lists its lines' voices, which timeline.py places one after another.
    spoken = {"voices": voices} if scene.lines else {"voice": voices[0]}
    return {"role": "item", "step": steps[-1].id, **spoken, "floor": scene.duration,
            "head": head, "tail": tail}
