"""voice/<scene>: the scene's narration, spoken by the voice provider (and, when the
provider knows them, the times of its words, for the captions)."""

from __future__ import annotations

from pathlib import Path

from storybuild.kinds.common import provider_fields
from storybuild.model import Project, Scene
from storybuild.providers.base import NarrationRequest
from storybuild.step import Inputs, Step, StepKind


def voice_for(project: Project, scene: Scene) -> str | None:
    """The speaking character's voice, else the project's voice, else the provider default."""
    if scene.speaker and project.character(scene.speaker).voice:
        return project.character(scene.speaker).voice
    return project.providers.voice.options.get("voice")


def step(project: Project, scene: Scene) -> Step:
    choice = project.providers.voice
    request = NarrationRequest(
        scene_id=scene.id,
        text=scene.narration,
        voice=voice_for(project, scene),
        direction=choice.options.get("direction"),
    )
    return Step(
        id=f"voice/{scene.id}",
        kind="voice",
        params=request.params(),
        views={"voice.wav": f"scenes/{scene.id}/voice.wav"},
        scene=scene.id,
        **provider_fields("voice", choice),
    )


def run(step: Step, inputs: Inputs, workdir: Path, pool) -> dict[str, Path]:
    from storybuild.atomic import write_atomic
    from storybuild.caption_timing import words_json
    from storybuild.captions import tokens

    out = workdir / "voice.wav"
    request = NarrationRequest(**step.params)
    timings = pool.get("voice").narrate(request, out)
    outputs = {"voice.wav": out}
    # Word times are optional: without them the clip step aligns the words on the audio.
    if timings and [t.word for t in timings] == tokens(request.text):
        outputs["words.json"] = workdir / "words.json"
        write_atomic(outputs["words.json"], words_json(timings, step.provider))
    return outputs


KIND = StepKind("voice", recipe=3, run=run, provider_kind="voice", views=("scenes/*/voice.wav",))
