"""voice/<scene>: the scene's narration, spoken by the voice provider (and, when the
provider knows them, the times of its words, for the captions).

voice/<scene>/<n>: line n (from 1) of a dialogue scene, in its speaker's voice. Each
line is its own step, so editing one line re-voices only that line. The line's
number is in its id, never in its key: a line moved by an insertion above it keeps
its key and comes back from the store."""

from __future__ import annotations

from pathlib import Path

from storybuild import dialogue, providers
from storybuild.kinds.common import provider_fields
from storybuild.model import Line, Project, Scene
from storybuild.providers.base import DialogueRequest, NarrationRequest
from storybuild.step import Inputs, Step, StepKind


def voice_for(project: Project, scene: Scene) -> str | None:
    """The speaking character's voice, else the project's voice, else the provider default."""
    if scene.speaker and project.character(scene.speaker).voice:
        return project.character(scene.speaker).voice
    return project.providers.voice.options.get("voice")


def steps(project: Project, scene: Scene) -> list[Step]:
    """The scene's voice steps: one for a narration, one per line for a dialogue (or,
    with `dialogue: conversation` on a provider that can, one per conversation part)."""
    if not scene.lines:
        return [step(project, scene)]
    return [line_step(project, scene, start + 1, scene.lines[start]) if end - start == 1
            else conversation_step(project, scene, start, end) for start, end in parts(project, scene)]


def step_ids(project: Project, scene: Scene) -> list[str]:
    """The ids of steps(project, scene), in speaking order."""
    return [voice_step.id for voice_step in steps(project, scene)]


def parts(project: Project, scene: Scene) -> list[tuple[int, int]]:
    """[start, end) ranges of the scene's lines voiced together: each line alone,
    unless the provider speaks conversations and the story asks for it."""
    choice = project.providers.voice
    if choice.options.get("dialogue") == "conversation" and providers.info("voice", choice.name).multi_speaker:
        return dialogue.conversation_parts([line.speaker for line in scene.lines])
    return [(index, index + 1) for index in range(len(scene.lines))]


def line_step(project: Project, scene: Scene, number: int, line: Line) -> Step:
    """Line `number` (from 1) of a dialogue scene, in its speaker's voice (dialogue.speaker_voice)."""
    choice = project.providers.voice
    voice, pitch, pace = dialogue.speaker_voice(project, line.speaker)
    request = NarrationRequest(scene_id=scene.id, text=line.text, voice=voice,
                               direction=choice.options.get("direction"), pitch=pitch, pace=pace)
    return _voice_step(project, scene, str(number), request.params())


def conversation_step(project: Project, scene: Scene, start: int, end: int) -> Step:
    """Lines start+1..end of a dialogue voiced in one multi-speaker call: cached together."""
    choice = project.providers.voice
    part = scene.lines[start:end]
    labels = dialogue.speaker_labels(project, [line.speaker for line in part])
    lines = [{"speaker": labels[line.speaker], "voice": dialogue.speaker_voice(project, line.speaker)[0],
              "text": line.text} for line in part]
    request = DialogueRequest(scene.id, tuple(lines), choice.options.get("direction"))
    return _voice_step(project, scene, f"{start + 1}-{end}", request.params())


def step(project: Project, scene: Scene) -> Step:
    """The voice of a narration scene."""
    choice = project.providers.voice
    pitch, pace = dialogue.narration_shape(project, scene.speaker)
    request = NarrationRequest(
        scene_id=scene.id,
        text=scene.narration,
        voice=voice_for(project, scene),
        direction=choice.options.get("direction"),
        pitch=pitch,
        pace=pace,
    )
    return _voice_step(project, scene, "", request.params())


def _voice_step(project: Project, scene: Scene, part: str, params: dict) -> Step:
    """A voice step of `scene`: voice/<scene> shown as voice.wav for a narration, or
    voice/<scene>/<part> shown as voice-<part>.wav for dialogue lines."""
    return Step(
        id=f"voice/{scene.id}" + (f"/{part}" if part else ""),
        kind="voice",
        params=params,
        views={"voice.wav": f"scenes/{scene.id}/voice" + (f"-{part}" if part else "") + ".wav"},
        scene=scene.id,
        **provider_fields("voice", project.providers.voice),
    )


def run(step: Step, inputs: Inputs, workdir: Path, pool) -> dict[str, Path]:
    from storybuild.atomic import write_atomic
    from storybuild.caption_timing import words_json
    from storybuild.captions import tokens

    out = workdir / "voice.wav"
    if "lines" in step.params:  # a conversation part: its words are aligned on the audio by the clip
        pool.get("voice").converse(DialogueRequest.from_params(step.params), out)
        return {"voice.wav": out}
    request = NarrationRequest(**step.params)
    timings = pool.get("voice").narrate(request, out)
    outputs = {"voice.wav": out}
    # Word times are optional: without them the clip step aligns the words on the audio.
    if timings and [t.word for t in timings] == tokens(request.text):
        outputs["words.json"] = workdir / "words.json"
        write_atomic(outputs["words.json"], words_json(timings, step.provider))
    return outputs


KIND = StepKind("voice", recipe=3, run=run, provider_kind="voice",
                views=("scenes/*/voice.wav", "scenes/*/voice-*.wav"))
