"""transition/<left>+<right>: the seam between two neighbours of the film (a scene, or
card:title / card:end), or a fade from black (nothing left of the +) or to black
(nothing right of it). Its own short segment, so editing a scene re-renders at most
its clip and the seams on its two sides, and the join stays a stream copy."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from storybuild.kinds.common import composer_fields
from storybuild.model import Project
from storybuild.step import Inputs, Step, StepKind

RECIPE = 4


@dataclass(frozen=True)
class Neighbour:
    """One side of a seam: the step whose picture shows there (None: black), the name
    used in the seam's id, and the scene's camera move if it has one."""

    step: str | None
    name: str
    output: str | None = None
    motion_seed: str | None = None
    video: bool = False  # its output is an animated scene's video: the seam shows its first/last frame


BLACK = Neighbour(None, "")


def step(project: Project, left: Neighbour, right: Neighbour, kind: str, frames: int) -> Step:
    moving = project.video.motion_strength if project.video.motion else 0.0
    params = {
        "type": kind,
        "frames": frames,
        "width": project.video.width,
        "height": project.video.height,
        "fps": project.video.fps,
        # The left neighbour is seen as its move ends, the right one as its move begins.
        "left": _side(left, 1.0, moving),
        "right": _side(right, 0.0, moving),
    }
    return Step(
        id=f"transition/{left.name}+{right.name}",
        kind="transition",
        params=params,
        deps=tuple(n.step for n in (left, right) if n.step),
        **composer_fields(RECIPE),
    )


def _side(neighbour: Neighbour, progress: float, strength: float) -> dict[str, Any]:
    if neighbour.video:  # an animated scene's clip starts on its video's first frame and ends on its last
        return {"step": neighbour.step, "output": neighbour.output, "motion": None,
                "frame": "last" if progress == 1.0 else "first"}
    motion = None
    if strength > 0 and neighbour.motion_seed:
        motion = {"seed": neighbour.motion_seed, "progress": progress, "strength": strength}
    return {"step": neighbour.step, "output": neighbour.output, "motion": motion}


def run(step: Step, inputs: Inputs, workdir: Path, pool) -> dict[str, Path]:
    from storybuild import transitions

    p = step.params
    frames = []
    for side in (p["left"], p["right"]):
        picture = inputs[side["step"]][side["output"]] if side["step"] else None
        frames.append(transitions.edge_frame(side, picture, p["width"], p["height"]))
    kind = p["type"] if p["left"]["step"] and p["right"]["step"] else "crossfade"  # from/to black: a fade
    out = workdir / "seam.mp4"
    transitions.render_transition(frames[0], frames[1], out, kind=kind, frames=p["frames"], fps=p["fps"],
                                  from_black=not p["left"]["step"], to_black=not p["right"]["step"])
    return {"seam.mp4": out}


KIND = StepKind("transition", recipe=RECIPE, run=run, seconds=0.25)
