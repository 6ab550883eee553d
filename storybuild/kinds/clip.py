"""clip/<scene>: the scene's own video segment, picture + slow camera move + burned
caption, frame exact and video only. Its length comes from the narration (read from
voice/<scene>) minus the frames the transitions on its two seams show instead."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Mapping

from storybuild.kinds.common import composer_fields
from storybuild.model import Project, Scene
from storybuild.step import Inputs, Step, StepKind

RECIPE = 3


@dataclass(frozen=True)
class ClipParams:
    """Everything a clip's pixels depend on besides its picture and narration length.
    `head`/`tail` are the frames of the scene's time that the seams before and after it
    show (0 for a cut); the clip renders the frames in between."""

    width: int
    height: int
    fps: int
    caption: str | None
    motion: bool
    motion_seed: str
    duration_floor: float | None
    head: int = 0
    tail: int = 0

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> "ClipParams":
        return cls(**params)


def motion_seed(scene: Scene) -> str:
    """The pan direction follows the scene, and a new take gets a new camera move."""
    return f"{scene.id}:{scene.seed}:{scene.take}"


def step(project: Project, scene: Scene, head: int, tail: int) -> Step:
    video = project.video
    params = ClipParams(
        width=video.width,
        height=video.height,
        fps=video.fps,
        caption=scene.narration if video.captions else None,
        motion=video.motion,
        motion_seed=motion_seed(scene),
        duration_floor=scene.duration,
        head=head,
        tail=tail,
    )
    return Step(
        id=f"clip/{scene.id}",
        kind="clip",
        params=asdict(params),
        deps=(f"image/{scene.id}", f"voice/{scene.id}"),
        views={"clip.mp4": f"scenes/{scene.id}/clip.mp4"},
        scene=scene.id,
        **composer_fields(RECIPE),
    )


def run(step: Step, inputs: Inputs, workdir: Path, pool) -> dict[str, Path]:
    from storybuild import compose, media, timeline

    p = ClipParams.from_params(step.params)
    voice = inputs[f"voice/{step.scene}"]["voice.wav"]
    timing = timeline.scene_timing(media.wav_duration(voice), p.duration_floor, p.head, p.tail, p.fps)
    out = workdir / "clip.mp4"
    compose.render_clip(inputs[f"image/{step.scene}"]["image.png"], out, width=p.width, height=p.height,
                        fps=p.fps, frames=timing.body, caption=p.caption, motion=p.motion,
                        motion_seed=p.motion_seed)
    return {"clip.mp4": out}


KIND = StepKind("clip", recipe=RECIPE, run=run, views=("scenes/*/clip.mp4",))
