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

from storybuild.kinds import voice
from storybuild.kinds.common import composer_fields
from storybuild.model import Project, Scene
from storybuild.step import Inputs, Step, StepKind

RECIPE = 9  # 9: still pictures encoded with compose.STILL_PICTURE_X264; quotations kept on a page


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
    # A dialogue scene's lines ({"speaker": name or "", "text"}), spoken one after
    # another by the step's voice inputs, and the rate timeline.line_starts places
    # them at. None for narration, and then left out of the params (and the key).
    lines: tuple[Mapping[str, str], ...] | None = None
    sample_rate: int | None = None
    animated: str | None = None  # how a generated video is fitted ("slow" or "loop"); None: the still picture

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> "ClipParams":
        return cls(**params)

    def params(self) -> dict[str, Any]:
        params = asdict(self)
        for optional in ("lines", "sample_rate", "animated"):
            if params[optional] is None:
                del params[optional]
        return params


def motion_seed(scene: Scene) -> str:
    """The pan direction follows the scene, and a new take gets a new camera move."""
    return f"{scene.id}:{scene.seed}:{scene.take}"


def step(project: Project, scene: Scene, head: int, tail: int) -> Step:
    """The scene's clip: its picture (or its animation) and its voices (one, or one per
    dialogue line) are its inputs."""
    from storybuild.kinds.animation import animates

    video = project.video
    moving = animates(project, scene)
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
        lines=_lines(project, scene),
        sample_rate=video.sample_rate if scene.lines else None,
        animated=str(project.providers.animation.options.get("fit", "slow")) if moving else None,
    )
    return Step(
        id=f"clip/{scene.id}",
        kind="clip",
        params=params.params(),
        deps=(f"image/{scene.id}", *voice.step_ids(project, scene), *((f"animation/{scene.id}",) if moving else ())),
        views={"clip.mp4": f"scenes/{scene.id}/clip.mp4", "pages.json": f"scenes/{scene.id}/captions.json"},
        scene=scene.id,
        # The font by its bytes is in the params (the style); its path only says where to read it.
        sources={"font": (str(video.caption_style.font), video.caption_style.font_digest)}
        if video.caption_style.font else {},
        **composer_fields(RECIPE),
    )


def _lines(project: Project, scene: Scene) -> tuple[dict[str, Any], ...] | None:
    """The clip's `lines` param: each line's speaker name ("" for the narrator) and
    text, and `part`, the voice input it is spoken in, when lines share a voice."""
    if not scene.lines:
        return None
    lines = [{"speaker": project.character(line.speaker).name if line.speaker else "", "text": line.text}
             for line in scene.lines]
    parts = voice.parts(project, scene)
    if len(parts) < len(lines):
        for number, (start, end) in enumerate(parts):
            for line in lines[start:end]:
                line["part"] = number
    return tuple(lines)


def run(step: Step, inputs: Inputs, workdir: Path, pool) -> dict[str, Path]:
    from storybuild import caption_track, compose, timeline
    from storybuild.atomic import write_atomic

    p = ClipParams.from_params(step.params)
    style = p.captions["style"]
    lay = caption_track.layout(style, p.width, p.height, step.source("font"))
    voices = [inputs[dep] for dep in step.deps if dep.startswith("voice/")]
    seconds, timings, source, pages = _speech(p, voices, lay)
    timing = timeline.scene_timing(seconds, p.duration_floor, p.head, p.tail, p.fps)
    frames = timing.body
    offset = timing.voice_at - p.head / p.fps  # where the voice starts in this clip
    timed = caption_track.timed_pages(pages, timings, seconds, frames / p.fps - offset)
    overlay = None
    if p.captions["burn"] and timed:
        overlay = caption_track.overlay(timed, timings, lay, style, fps=p.fps, frames=frames, offset=offset)
    out = workdir / "clip.mp4"
    if p.animated:
        from storybuild.video_fit import render_video_clip

        render_video_clip(inputs[f"animation/{step.scene}"]["animation.mp4"], out, width=p.width, height=p.height,
                          fps=p.fps, frames=frames, captions=overlay, fit=p.animated)
    else:
        compose.render_clip(inputs[f"image/{step.scene}"]["image.png"], out, width=p.width, height=p.height,
                            fps=p.fps, frames=frames, captions=overlay, motion=p.motion, motion_seed=p.motion_seed,
                            motion_strength=p.motion_strength)
    # Times from the clip's first frame, so the video step only adds each clip's start.
    shown = [[offset + start, offset + end, list(page.lines), *([page.speaker] if page.speaker else [])]
             for start, end, page in timed]
    listing = workdir / "pages.json"
    write_atomic(listing, json.dumps({"timing": source, "pages": shown}, ensure_ascii=False).encode("utf-8"))
    return {"clip.mp4": out, "pages.json": listing}


def _speech(p: ClipParams, voices: list[Inputs], lay) -> tuple[float, list, str, list]:
    """(seconds of speech, word times from its start, their source, caption pages) of
    the scene: its narration, or its dialogue's lines placed by timeline.line_starts,
    each line paginated on its own under its speaker's label (pages never mix speakers)."""
    from storybuild import caption_timing, caption_track, captions, media, timeline
    from storybuild.caption_timing import WordTime

    names = p.captions["names"]
    if p.lines is None:
        wav = voices[0]["voice.wav"]
        timings, source = caption_timing.word_timings(captions.tokens(p.narration), wav, voices[0].get("words.json"))
        return media.wav_duration(wav), timings, source, caption_track.pages_for(p.narration, lay, names)
    lengths = [media.wav_duration(files["voice.wav"]) for files in voices]
    starts = timeline.line_starts(lengths, p.sample_rate)
    timings, sources, pages = [], [], []
    for number, (files, start) in enumerate(zip(voices, starts)):
        spoken = [line for index, line in enumerate(p.lines) if line.get("part", index) == number]
        words = [captions.tokens(line["text"]) for line in spoken]
        # A voice speaking several lines has no words.json: its words are aligned on its audio.
        local, source = caption_timing.word_timings([w for each in words for w in each], files["voice.wav"],
                                                    files.get("words.json"))
        shift = start / p.sample_rate
        for line, count in zip(spoken, map(len, words)):
            pages += [captions.Page(page.lines, page.first + len(timings), page.speaker)
                      for page in caption_track.pages_for(line["text"], lay, names, line["speaker"])]
            timings += [WordTime(t.word, t.start + shift, t.end + shift) for t in local[:count]]
            local = local[count:]
        sources.append(source)
    source = sources[0] if len(set(sources)) == 1 else "mixed"
    return timeline.speech_seconds(lengths, p.sample_rate), timings, source, pages


KIND = StepKind("clip", recipe=RECIPE, run=run,
                views=("scenes/*/clip.mp4", "scenes/*/captions.json"), seconds=1.0)
