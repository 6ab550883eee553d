"""Rendering one seam: the blend between the last frame of one segment and the first
frame of the next (or black at the very start and end), as its own frame-exact clip
with the same encoder settings as every other segment, so the final join stays a
stream copy. The edge frames are drawn from the neighbours' pictures and camera moves,
not decoded from their clips, so a seam depends only on the two pictures and never on
the narration's length."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any, Mapping

from storybuild.media import run_ffmpeg
from storybuild.motion import KenBurns

# story.yaml's names -> ffmpeg xfade transitions.
XFADE = {"crossfade": "fade", "fade": "fadeblack", "slide": "slideleft", "wipe": "wipeleft"}


def edge_frame(side: Mapping[str, Any], picture: Path | None, width: int, height: int):
    """The frame a neighbour shows at the seam, as an RGB image: black, or its picture
    fitted to the frame and, when it moves, seen through the camera at the end
    (progress 1) or the start (progress 0) of its move."""
    from PIL import Image

    from storybuild import compose

    if picture is None:
        return Image.new("RGB", (width, height), (0, 0, 0))
    fitted = compose.fit_image(picture, width, height)
    motion = side.get("motion")
    if not motion:
        return fitted
    move = KenBurns.from_seed(motion["seed"], motion["strength"])
    return move.still(fitted, width, height, motion["progress"]) if move.moves else fitted


def render_transition(left, right, out: Path, *, kind: str, frames: int, fps: int) -> None:
    """Write a video-only clip of exactly `frames` frames blending image `left` into
    image `right` (PIL images of the frame size) with the xfade transition for `kind`."""
    from storybuild import compose

    width, height = left.size
    with tempfile.TemporaryDirectory(prefix=f".{out.name}.", dir=out.parent) as tmp:
        a, b = Path(tmp, "a.png"), Path(tmp, "b.png")
        left.save(a, compress_level=1)
        right.save(b, compress_level=1)
        repeat = f"format=yuv420p,loop=loop={frames - 1}:size=1:start=0,setpts=N/{fps}/TB,settb=AVTB"
        graph = (f"[0:v]{repeat}[a];[1:v]{repeat}[b];"
                 f"[a][b]xfade=transition={XFADE[kind]}:duration={frames / fps!r}:offset=0,setsar=1[v]")
        partial = Path(tmp, "seam.mp4")
        args = ["-y", "-framerate", str(fps), "-i", str(a), "-framerate", str(fps), "-i", str(b),
                "-filter_complex", graph, "-map", "[v]", *compose.encoder_args(fps, frames)]
        run_ffmpeg([*args, "-f", "mp4", str(partial)], f"rendering transition {out.name}")
        os.replace(partial, out)
