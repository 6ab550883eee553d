"""character/<id>: a reference sheet of one character, for image providers that draw
scenes from references (Gemini), so a character looks the same in every scene."""

from __future__ import annotations

from pathlib import Path

from storybuild.kinds.common import character_info, provider_fields
from storybuild.model import Project
from storybuild.providers.base import CharacterSheetRequest
from storybuild.step import Inputs, Step, StepKind


def steps(project: Project) -> list[Step]:
    return [_step(project, character.id) for character in project.characters]


def _step(project: Project, character_id: str) -> Step:
    video = project.video
    request = CharacterSheetRequest(
        character=character_info(project, character_id),
        style=project.style,
        width=video.width,
        height=video.height,
        aspect_ratio=video.aspect_ratio,
    )
    return Step(
        id=f"character/{character_id}",
        kind="character",
        params=request.params(),
        views={"sheet.png": f"characters/{character_id}.png"},
        **provider_fields("image", project.providers.image),
    )


def run(step: Step, inputs: Inputs, workdir: Path, pool) -> dict[str, Path]:
    from storybuild.providers.base import CharacterInfo

    params = dict(step.params)
    params["character"] = CharacterInfo(**params["character"])
    out = workdir / "sheet.png"
    pool.get("image").draw_character_sheet(CharacterSheetRequest(**params), out)
    return {"sheet.png": out}


KIND = StepKind("character", recipe=1, run=run, provider_kind="image",
                views=("characters/*.png",), seconds=0.25)
