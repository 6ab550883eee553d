"""A scene clip from a generated video instead of a still picture (animated scenes).

The scene's length is the narration's: the video is fitted to it, never the other
way round, so no word is ever cut. Every fit starts on the video's first frame and
ends on its last, so the seams on either side (which show exactly those frames, see
transitions.edge_frame) never jump: with `fit: slow` (the default) a longer video
plays faster to fit, a shorter one slower by up to MAX_SLOWDOWN and then holds its
last frame; with `fit: loop` it plays a whole number of times, its speed nudged to
fit. It is cover-fitted to the frame (Veo makes 16:9 and 9:16) and gets the same
caption overlay and encoder settings as every other clip, so the join stays a
stream copy.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from storybuild.compose import encode_clip
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


def plays(source: float, target: float, fit: str) -> int:
    """How many times a fit plays the video: once, or for `loop` the whole number of
    times closest to filling the scene."""
    return max(1, round(target / source)) if fit == "loop" and source > 0 else 1


def stretch(source: float, target: float, fps: int, fit: str = "slow") -> float:
    """The factor a fit stretches time by (below 1: faster). The last frame lands on
    the clip's last frame (at target - 1/fps), or, slowed as far as MAX_SLOWDOWN
    allows, before it and is then held."""
    if source <= 0:
        return 1.0
    return min(MAX_SLOWDOWN, max(target - 1 / fps, 1 / fps) / (source * plays(source, target, fit)))


def cover(width: int, height: int) -> str:
    """Scale to cover width x height and centre-crop: the clip's and the seams' framing."""
    return f"scale={width}:{height}:force_original_aspect_ratio=increase,crop={width}:{height}"


def fit_filter(source: float, target: float, fit: str, width: int, height: int, fps: int) -> str:
    """The filter chain from the input video (played `plays` times) to `target` seconds
    of width x height, its last frame held past the end of the last play."""
    factor = stretch(source, target, fps, fit)
    return (f"[0:v]setpts={factor:.6f}*(PTS-STARTPTS),{cover(width, height)},fps={fps},format=yuv420p,"
            f"tpad=stop_mode=clone:stop_duration={target + 1:.3f}")


def edge_frame(video: Path, last: bool, width: int, height: int):
    """The video's first or last frame, framed as its clip frames it, as an RGB image."""
    from PIL import Image

    with tempfile.TemporaryDirectory(prefix=".edge.") as tmp:
        png = Path(tmp, "edge.png")
        seek = ["-sseof", "-1"] if last else []
        # -update 1 keeps overwriting the one picture: the last frame decoded is left.
        keep = ["-update", "1"] if last else ["-frames:v", "1"]
        run_ffmpeg(["-y", *seek, "-i", str(Path(video).resolve()), "-vf", cover(width, height), *keep, str(png)],
                   f"reading the {'last' if last else 'first'} frame of {Path(video).name}")
        with Image.open(png) as picture:
            return picture.convert("RGB")


def render_video_clip(video: Path, out: Path, *, width: int, height: int, fps: int, frames: int,
                      captions: "Overlay | None", fit: str = "slow") -> None:
    """Write a video-only H.264 MP4 of exactly `frames` frames from `video`, fitted
    as the module says, with the caption states overlaid. `out` appears complete."""
    if fit not in FITS:
        raise ValueError(f"fit must be one of {FITS}, got {fit!r}")
    out = Path(out)
    target, source = frames / fps, video_seconds(video)
    graph = fit_filter(source, target, fit, width, height, fps)
    loops = plays(source, target, fit) - 1
    inputs = (["-stream_loop", str(loops)] if loops else []) + ["-i", str(Path(video).resolve())]
    with tempfile.TemporaryDirectory(prefix=f".{out.name}.", dir=out.parent) as tmp:
        encode_clip(inputs, graph, Path(tmp), out, fps=fps, frames=frames, captions=captions)
