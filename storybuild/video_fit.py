"""A scene clip from a generated video instead of a still picture (animated scenes).

The scene's length is the narration's: the video is fitted to it, never the other
way round, so no word is ever cut. A video longer than the scene keeps its first
frames; a shorter one is slowed down by up to MAX_SLOWDOWN and then holds its last
frame (`fit: slow`, the default), or is looped (`fit: loop`). It is cover-fitted
to the frame (Veo makes 16:9 and 9:16) and gets the same caption overlay and encoder
settings as every other clip, so the join stays a stream copy.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from storybuild.compose import encoder_args
from storybuild.errors import ProviderError
from storybuild.media import run_ffmpeg, run_ffmpeg_log

if TYPE_CHECKING:
    from storybuild.caption_track import Overlay

MAX_SLOWDOWN = 1.5  # slower than this, motion looks like syrup: hold the last frame instead
FITS = ("slow", "loop")
DURATION_RE = re.compile(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)")


def video_seconds(path: Path) -> float:
    """The container duration of a video file, read from ffmpeg's log (no decoding)."""
    log = run_ffmpeg_log(["-i", str(path), "-map", "0:v:0", "-c", "copy", "-f", "null", "-"], "reading the video")
    match = DURATION_RE.search(log)
    if not match:
        raise ProviderError(f"cannot read the length of the video {path.name}")
    hours, minutes, seconds = match.groups()
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def slowdown(source: float, target: float) -> float:
    """The factor a `slow` fit stretches time by: 1 when the video is long enough,
    else up to MAX_SLOWDOWN (the rest is held on the last frame)."""
    if source <= 0 or target <= source:
        return 1.0
    return min(MAX_SLOWDOWN, target / source)


def fit_filter(source: float, target: float, fit: str, width: int, height: int, fps: int) -> str:
    """The filter chain from the input video to `target` seconds of width x height."""
    cover = (f"scale={width}:{height}:force_original_aspect_ratio=increase,crop={width}:{height},"
             f"fps={fps},format=yuv420p")
    if fit == "loop":
        return f"[0:v]setpts=PTS-STARTPTS,{cover}"
    factor = slowdown(source, target)
    return f"[0:v]setpts={factor:.6f}*(PTS-STARTPTS),{cover},tpad=stop_mode=clone:stop_duration={target + 1:.3f}"


def render_video_clip(video: Path, out: Path, *, width: int, height: int, fps: int, frames: int,
                      captions: "Overlay | None", fit: str = "slow") -> None:
    """Write a video-only H.264 MP4 of exactly `frames` frames from `video`, fitted
    as the module says, with the caption states overlaid. `out` appears complete."""
    if fit not in FITS:
        raise ValueError(f"fit must be one of {FITS}, got {fit!r}")
    out = Path(out)
    target = frames / fps
    graph = fit_filter(video_seconds(video), target, fit, width, height, fps)
    inputs = (["-stream_loop", "-1"] if fit == "loop" else []) + ["-i", str(Path(video).resolve())]
    with tempfile.TemporaryDirectory(prefix=f".{out.name}.", dir=out.parent) as tmp:
        if captions is not None and any(state.image is not None for state in captions.states):
            from storybuild.caption_track import write_concat

            inputs += ["-f", "concat", "-i", write_concat(captions, Path(tmp), fps).name]
            graph += f"[m];[m][1:v]overlay={captions.x}:{captions.y}:format=yuv420:eof_action=repeat"
        graph += ",setsar=1[v]"
        partial = Path(tmp, "clip.mp4")
        args = ["-y", *inputs, "-filter_complex", graph, "-map", "[v]", *encoder_args(fps, frames)]
        run_ffmpeg([*args, "-f", "mp4", str(partial)], f"rendering clip {out.name}", cwd=Path(tmp))
        os.replace(partial, out)
