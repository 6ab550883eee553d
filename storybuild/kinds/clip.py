"""clip/<scene>: the scene's own video segment, picture + slow camera move + caption
pages, frame exact and video only. Its length comes from the narration (read from
voice/<scene>) minus the frames the transitions on its two seams show instead. It
also writes the pages it shows, with their times, so the subtitle files are exactly
the burned captions."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Mapping

from storybuild.kinds.common import composer_fields
from storybuild.model import Project, Scene
from storybuild.step import Inputs, Step, StepKind

RECIPE = 7


@dataclass(frozen=True)
class ClipParams:
    """Everything a clip's pixels depend on besides its picture and narration audio.
    `captions` holds `burn` (draw them), `style` and the character `names` never split
    across lines. `head`/`tail` are the frames of the scene's time that the seams
    before and after it show (0 for a cut); the clip renders the frames in between."""

    width: int
    height: int
    fps: int
    narration: str
    captions: Mapping[str, Any]
    motion: bool
    motion_seed: str
    motion_strength: float
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
        # Pages are made here (they depend on the frame size and font) and stored as
        # pages.json even when not burned: the .srt/.vtt are made from them.
        narration=scene.narration,
        captions={"burn": video.captions, "style": video.caption_style.params(),
                  "names": [character.name for character in project.characters]},
        motion=video.motion,
        motion_seed=motion_seed(scene),
        motion_strength=video.motion_strength,
        duration_floor=scene.duration,
        head=head,
        tail=tail,
    )
    return Step(
        id=f"clip/{scene.id}",
        kind="clip",
        params=asdict(params),
        deps=(f"image/{scene.id}", f"voice/{scene.id}"),
        views={"clip.mp4": f"scenes/{scene.id}/clip.mp4", "pages.json": f"scenes/{scene.id}/captions.json"},
        scene=scene.id,
        # The font by its bytes is in the params (the style); its path only says where to read it.
        sources={"font": str(video.caption_style.font)} if video.caption_style.font else {},
        **composer_fields(RECIPE),
    )


def run(step: Step, inputs: Inputs, workdir: Path, pool) -> dict[str, Path]:
    from storybuild import caption_timing, caption_track, captions, compose, media, timeline
    from storybuild.atomic import write_atomic

    p = ClipParams.from_params(step.params)
    voice = inputs[f"voice/{step.scene}"]
    seconds = media.wav_duration(voice["voice.wav"])
    timing = timeline.scene_timing(seconds, p.duration_floor, p.head, p.tail, p.fps)
    frames = timing.body
    offset = timing.voice_at - p.head / p.fps  # where the voice starts in this clip
    words = captions.tokens(p.narration)
    timings, source = caption_timing.word_timings(words, voice["voice.wav"], voice.get("words.json"))
    style = p.captions["style"]
    lay = caption_track.layout(style, p.width, p.height, step.sources.get("font"))
    pages = caption_track.pages_for(p.narration, lay, p.captions["names"])
    timed = caption_track.timed_pages(pages, timings, seconds, frames / p.fps - offset)
    overlay = None
    if p.captions["burn"] and timed:
        overlay = caption_track.overlay(timed, timings, lay, style, fps=p.fps, frames=frames, offset=offset)
    out = workdir / "clip.mp4"
    compose.render_clip(inputs[f"image/{step.scene}"]["image.png"], out, width=p.width, height=p.height,
                        fps=p.fps, frames=frames, captions=overlay, motion=p.motion, motion_seed=p.motion_seed,
                        motion_strength=p.motion_strength)
    # Times from the clip's first frame, so the video step only adds each clip's start.
    shown = [[offset + start, offset + end, list(page.lines)] for start, end, page in timed]
    listing = workdir / "pages.json"
    write_atomic(listing, json.dumps({"timing": source, "pages": shown}, ensure_ascii=False).encode("utf-8"))
    return {"clip.mp4": out, "pages.json": listing}


KIND = StepKind("clip", recipe=RECIPE, run=run,
                views=("scenes/*/clip.mp4", "scenes/*/captions.json"), seconds=1.0)
