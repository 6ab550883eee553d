"""soundtrack: the film's one mastered sound track, every narration at its place on the
timeline (+ music ducked under speech), normalised and encoded once. It needs only the
voices (and the music step's decoded music), so it runs while the clips are still being
drawn, and the final join just copies it beside the picture."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from storybuild.kinds import music as music_kind
from storybuild.kinds.common import composer_fields
from storybuild.model import Project
from storybuild.step import Inputs, Step, StepKind

RECIPE = 3  # 3: the music (the music step's PCM) loops sample-exactly: it had a 9 ms gap at each loop


def step(project: Project, timeline: list[dict[str, Any]]) -> Step:
    """`timeline` is the video step's (see graph.py): where each item starts depends on
    the voices before it, so the whole row decides where each voice goes. With music,
    the music step's decoded music is an input too."""
    video, music = project.video, project.music
    params = {
        "fps": video.fps,
        "sample_rate": video.sample_rate,
        "timeline": timeline,
        "music": {"volume": music.volume, "duck_db": music.duck_db} if music else None,
        # The sound fades in and out with the picture's fades from and to black.
        "audio": {"loudness": project.loudness, "fade": video.fade},
    }
    return Step(
        id="soundtrack",
        kind="soundtrack",
        params=params,
        deps=voices(timeline) + ((music_kind.STEP_ID,) if music else ()),
        **composer_fields(RECIPE),
    )


def voices(timeline: list[dict[str, Any]]) -> tuple[str, ...]:
    """Every voice step the timeline places: scenes' narrations and dialogues' lines, in order."""
    return tuple(voice for entry in timeline for voice in ([entry["voice"]] if entry.get("voice") else [])
                 + list(entry.get("voices") or ()))


def run(step: Step, inputs: Inputs, workdir: Path, pool) -> dict[str, Path]:
    from storybuild import media, soundtrack, timeline

    p = step.params
    files = {voice: inputs[voice]["voice.wav"] for voice in voices(p["timeline"])}
    seconds = {voice: media.wav_duration(path) for voice, path in files.items()}
    cut = timeline.lay_out(p["timeline"], seconds, p["fps"], p["sample_rate"])
    music, audio = p["music"] or {}, p["audio"]
    out = workdir / "sound.m4a"
    soundtrack.render_soundtrack([(files[v.step], v.start, v.length) for v in cut.voices], cut.samples, out,
                                 sample_rate=p["sample_rate"],
                                 music_pcm=inputs[music_kind.STEP_ID]["music.pcm"] if music else None,
                                 music_volume=music.get("volume", 0.0), duck_db=music.get("duck_db", 0.0),
                                 loudness=audio["loudness"], fade_in=audio["fade"], fade_out=audio["fade"],
                                 measure=False)  # the render needs the sound, not a report on it
    return {"sound.m4a": out}


KIND = StepKind("soundtrack", recipe=RECIPE, run=run, seconds=1.5)
