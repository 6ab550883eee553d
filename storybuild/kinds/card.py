"""card/title and card/end: the title card before the first scene and the end card
after the last, each its own still segment (and a PNG the fades and transitions next
to it start from)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Mapping

from storybuild.kinds.common import composer_fields
from storybuild.model import CardSettings, Project
from storybuild.step import Inputs, Step, StepKind

RECIPE = 3  # 3: encoded as a still picture (compose.STILL_PICTURE_X264)


@dataclass(frozen=True)
class CardParams:
    """A card's text and look; `frames` is the length of its own segment (its time on
    screen minus the frames the fades or transitions beside it show)."""

    title: str
    subtitle: str
    style: str
    width: int
    height: int
    fps: int
    frames: int

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> "CardParams":
        return cls(**params)


def step(project: Project, name: str, card: CardSettings, frames: int) -> Step:
    video = project.video
    params = CardParams(title=card.title, subtitle=card.subtitle, style=project.style, width=video.width,
                        height=video.height, fps=video.fps, frames=frames)
    return Step(
        id=f"card/{name}",
        kind="card",
        params=asdict(params),
        views={"card.png": f"cards/{name}.png"},
        **composer_fields(RECIPE),
    )


def run(step: Step, inputs: Inputs, workdir: Path, pool) -> dict[str, Path]:
    from storybuild import cards, compose

    p = CardParams.from_params(step.params)
    picture, clip = workdir / "card.png", workdir / "card.mp4"
    cards.draw_card(picture, title=p.title, subtitle=p.subtitle, style=p.style, width=p.width, height=p.height)
    compose.render_clip(picture, clip, width=p.width, height=p.height, fps=p.fps, frames=p.frames,
                        captions=None, motion=False, motion_seed="")
    return {"card.png": picture, "card.mp4": clip}


KIND = StepKind("card", recipe=RECIPE, run=run, views=("cards/*.png",), seconds=0.5)
