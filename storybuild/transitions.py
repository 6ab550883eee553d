"""Rendering one seam: the blend between the last frame of one segment and the first
frame of the next (or black at the very start and end), as its own frame-exact clip
with the same encoder settings as every other segment, so the final join stays a
stream copy. The edge frames are drawn from the neighbours' pictures and camera moves,
not decoded from their clips, so a seam depends only on the two pictures and never on
the narration's length."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Iterator, Mapping

from storybuild.motion import KenBurns



def edge_frame(side: Mapping[str, Any], picture: Path | None, width: int, height: int):
    """The frame a neighbour shows at the seam, as an RGB image: black; an animated
    scene's first or last video frame (side["frame"]: the frames its clip starts and
    ends on); or its picture fitted to the frame and, when it moves, seen through the
    camera at the end (progress 1) or the start (progress 0) of its move."""
    from PIL import Image

    from storybuild import compose

    if picture is None:
        return Image.new("RGB", (width, height), (0, 0, 0))
    if side.get("frame"):
        from storybuild.video_fit import edge_frame as video_edge

        return video_edge(picture, side["frame"] == "last", width, height)
    fitted = compose.fit_image(picture, width, height)
    motion = side.get("motion")
    if not motion:
        return fitted
    move = KenBurns.from_seed(motion["seed"], motion["strength"])
    return move.still(fitted, width, height, motion["progress"]) if move.moves else fitted


def render_transition(left, right, out: Path, *, kind: str, frames: int, fps: int, from_black: bool = False,
                      to_black: bool = False) -> None:
    """Write a video-only clip of exactly `frames` frames going from image `left` to
    image `right` (PIL images of the frame size) as `kind` does. The frames are mixed
    here on the yuv420p planes and piped to the encoder: ffmpeg only encodes."""
    from storybuild import compose
    from storybuild.motion import rawvideo_input

    width, height = left.size
    with tempfile.TemporaryDirectory(prefix=f".{out.name}.", dir=out.parent) as tmp:
        compose.encode_clip(rawvideo_input(width, height, fps), "[0:v]setpts=N/FRAME_RATE/TB", Path(tmp), out,
                            fps=fps, frames=frames, captions=None,
                            feed=seam_frames(left, right, kind, frames, from_black=from_black, to_black=to_black))


def seam_frames(left, right, kind: str, frames: int, *, from_black: bool = False,
                to_black: bool = False) -> Iterator[bytes]:
    """The seam's frames as raw yuv420p, frame i at progress (i + 1) / (frames + 1): the
    clips on either side show the two pictures whole, so no frame repeats one of them;
    a fade from black starts on black and a fade to black ends on it (the film's
    first and last frames). crossfade blends; fade goes through black; slide pushes the
    left picture out to the left as the right one comes in; wipe uncovers the right
    picture from the right."""
    import numpy as np

    from storybuild.motion import i420_planes

    a = [plane.astype(np.int32) for plane in i420_planes(np.asarray(left.convert("RGB")))]
    b = [plane.astype(np.int32) for plane in i420_planes(np.asarray(right.convert("RGB")))]
    black = [np.full_like(a[0], 16), np.full_like(a[1], 128), np.full_like(a[2], 128)]
    steps = frames + 1 - from_black - to_black
    for index in range(frames):
        t = (index + 1 - from_black) / steps
        if kind == "fade":  # through black: the first half darkens, the second brightens
            planes = _mix(a, black, 2 * t) if t < 0.5 else _mix(black, b, 2 * t - 1)
        elif kind in ("slide", "wipe"):
            planes = [_sweep(pa, pb, t, kind, full=pa is a[0]) for pa, pb in zip(a, b)]
        else:
            planes = _mix(a, b, t)
        yield b"".join(np.clip(plane, 0, 255).astype(np.uint8).tobytes() for plane in planes)


def _mix(a, b, t: float) -> list:
    weight = round(t * 256)
    return [(pa * (256 - weight) + pb * weight) >> 8 for pa, pb in zip(a, b)]


def _sweep(a, b, t: float, kind: str, full: bool):
    """One plane of a slide or a wipe at progress t (the chroma planes move half as many
    samples as luma, so the edge stays on an even luma column)."""
    import numpy as np

    width = a.shape[1]
    moved = 2 * round(t * width / 2) if full else round(t * width)
    edge = width - moved
    if kind == "slide":
        return np.concatenate([a[:, moved:], b[:, :moved]], axis=1)
    return np.concatenate([a[:, :edge], b[:, edge:]], axis=1)
