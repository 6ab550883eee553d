"""video: the film. Joins the segments (cards, scene clips, transitions) in timeline
order without re-encoding them, lays every narration at its place in one mastered
soundtrack (+ music, ducked under speech), and writes the .srt/.vtt captions from the
same timeline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from storybuild.kinds.common import composer_fields
from storybuild.model import Project
from storybuild.step import Inputs, Step, StepKind

RECIPE = 5

# The output of each segment kind that the join plays.
SEGMENT_FILES = {"clip": "clip.mp4", "card": "card.mp4", "transition": "seam.mp4"}


def step(project: Project, timeline: list[dict[str, Any]]) -> Step:
    """`timeline` alternates seams and items (see graph.py); its steps and the voices of
    its scenes are this step's inputs."""
    video = project.video
    music = project.music
    params = {
        "fps": video.fps,
        "sample_rate": video.sample_rate,
        "timeline": timeline,
        "music": {"digest": music.digest, "volume": music.volume, "duck_db": music.duck_db} if music else None,
        # The sound fades in and out with the picture's fades from and to black.
        "audio": {"loudness": project.loudness, "fade": video.fade},
    }
    segments = tuple(entry["step"] for entry in timeline if entry.get("step"))
    voices = tuple(entry["voice"] for entry in timeline if entry.get("voice"))
    slug = project.slug
    return Step(
        id="video",
        kind="video",
        params=params,
        deps=segments + voices,
        views={"video.mp4": f"{slug}.mp4", "captions.srt": f"{slug}.srt", "captions.vtt": f"{slug}.vtt"},
        sources={"music": str(music.file)} if music else {},
        **composer_fields(RECIPE),
    )


def run(step: Step, inputs: Inputs, workdir: Path, pool) -> dict[str, Path]:
    from storybuild import captions, compose, media, soundtrack, timeline
    from storybuild.atomic import write_atomic

    p = step.params
    fps, rate = p["fps"], p["sample_rate"]
    voice_files = {entry["voice"]: inputs[entry["voice"]]["voice.wav"] for entry in p["timeline"] if entry.get("voice")}
    seconds = {voice: media.wav_duration(path) for voice, path in voice_files.items()}
    cut = timeline.lay_out(p["timeline"], seconds, fps, rate)
    files = [inputs[s.step][SEGMENT_FILES[s.step.split("/", 1)[0]]] for s in cut.segments]
    placed = [(voice_files[v.step], v.start, v.length) for v in cut.voices]
    sound, out = workdir / "sound.m4a", workdir / "video.mp4"
    music, audio = p["music"] or {}, p["audio"]
    soundtrack.render_soundtrack(placed, cut.samples, sound, sample_rate=rate,
                                 music=Path(step.sources["music"]) if music else None,
                                 music_volume=music.get("volume", 0.0), duck_db=music.get("duck_db", 0.0),
                                 loudness=audio["loudness"], fade_in=audio["fade"], fade_out=audio["fade"])
    compose.join_film(files, sound, out)
    sound.unlink()
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
        if entry.get("voice"):
            shown = json.loads(inputs[entry["step"]]["pages.json"].read_bytes())["pages"]
            cues += captions.offset_cues(shown, (start + timing.head) / fps)
    return cues


KIND = StepKind("video", recipe=RECIPE, run=run, views=("*.mp4", "*.srt", "*.vtt"))
