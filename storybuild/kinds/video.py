"""video: the film. Joins the segments (cards, scene clips, transitions) in timeline
order and the soundtrack beside them, all without re-encoding, and writes the
.srt/.vtt captions from the same timeline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from storybuild.kinds.common import composer_fields
from storybuild.kinds.soundtrack import voices
from storybuild.model import Project
from storybuild.step import Inputs, Step, StepKind

RECIPE = 7  # 7: subtitles of mixed Chinese or Japanese and Latin keep every word

# The output of each segment kind that the join plays.
SEGMENT_FILES = {"clip": "clip.mp4", "card": "card.mp4", "transition": "seam.mp4"}


def step(project: Project, timeline: list[dict[str, Any]], sound: str) -> Step:
    """`timeline` alternates seams and items (see graph.py); its steps, the voices of its
    scenes (their lengths place the subtitles) and the `sound` step are the inputs."""
    video = project.video
    params = {"fps": video.fps, "sample_rate": video.sample_rate, "timeline": timeline}
    segments = tuple(entry["step"] for entry in timeline if entry.get("step"))
    slug = project.slug
    return Step(
        id="video",
        kind="video",
        params=params,
        deps=segments + voices(timeline) + (sound,),
        views={"video.mp4": f"{slug}.mp4", "captions.srt": f"{slug}.srt", "captions.vtt": f"{slug}.vtt"},
        **composer_fields(RECIPE),
    )


def run(step: Step, inputs: Inputs, workdir: Path, pool) -> dict[str, Path]:
    from storybuild import captions, compose, media, timeline
    from storybuild.atomic import write_atomic

    p = step.params
    fps = p["fps"]
    seconds = {voice: media.wav_duration(inputs[voice]["voice.wav"]) for voice in voices(p["timeline"])}
    cut = timeline.lay_out(p["timeline"], seconds, fps, p["sample_rate"])
    files = [inputs[s.step][SEGMENT_FILES[s.step.split("/", 1)[0]]] for s in cut.segments]
    out = workdir / "video.mp4"
    compose.join_film(files, inputs["soundtrack"]["sound.m4a"], out)
    cues = _cues(p["timeline"], cut, inputs, fps)
    srt, vtt = workdir / "captions.srt", workdir / "captions.vtt"
    write_atomic(srt, captions.to_srt(cues).encode("utf-8"))
    write_atomic(vtt, captions.to_vtt(cues).encode("utf-8"))
    return {"video.mp4": out, "captions.srt": srt, "captions.vtt": vtt}


def _cues(plan: list[dict[str, Any]], cut, inputs: Inputs, fps: int) -> list:
    """The subtitle cues: exactly the burned pages (each clip's pages.json, timed from
    the clip's first frame), moved to where each clip starts in the film."""
    import json

    from storybuild import captions

    items = [entry for entry in plan if entry["role"] == "item"]
    cues = []
    for entry, start, timing in zip(items, cut.item_starts, cut.timings):
        if entry.get("voice") or entry.get("voices"):
            shown = json.loads(inputs[entry["step"]]["pages.json"].read_bytes())["pages"]
            cues += captions.offset_cues(shown, (start + timing.head) / fps)
    return cues


KIND = StepKind("video", recipe=RECIPE, run=run, views=("*.mp4", "*.srt", "*.vtt"), seconds=0.2)
