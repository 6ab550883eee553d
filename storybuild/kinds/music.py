"""music: the story's music file decoded once, to raw stereo PCM at the film's sample
rate, for the soundtrack to loop under the narration (soundtrack.decode_music).
Its key is the file's bytes and the rate, so an edit of the story never decodes the
music again: the soundtrack step, which every narration edit runs, starts from it."""

from __future__ import annotations

from pathlib import Path

from storybuild.kinds.common import composer_fields
from storybuild.model import Project
from storybuild.step import Inputs, Step, StepKind

RECIPE = 1
STEP_ID = "music"


def step(project: Project) -> Step | None:
    """The music step, or None for a story without music."""
    music = project.music
    if music is None:
        return None
    return Step(
        id=STEP_ID,
        kind="music",
        # The file by its bytes; its path (in `sources`) only says where to read it.
        params={"digest": music.digest, "sample_rate": project.video.sample_rate},
        sources={"music": (str(music.file), music.digest)},
        **composer_fields(RECIPE),
    )


def run(step: Step, inputs: Inputs, workdir: Path, pool) -> dict[str, Path]:
    from storybuild.soundtrack import decode_music

    out = workdir / "music.pcm"
    source = step.source("music")
    assert source is not None, "a music step always has its file"
    decode_music(source, step.params["sample_rate"], out)
    return {"music.pcm": out}


KIND = StepKind("music", recipe=RECIPE, run=run, seconds=0.1)
