"""The camera move over a still picture (Ken Burns): its geometry and its frames.

A move is pure geometry: `KenBurns.view_box(progress, width, height)` is the visible
rectangle of the source picture at a point of the move, in source pixels (floats,
pixel edges: (0, 0, width, height) is the whole picture). Everything that draws the
move reads that one function, so a clip's frames and a frame drawn with `still()`
(for a transition) show the same view at the same progress.

Frames are resampled with OpenCV's `warpAffine` (bilinear, 1/32-pixel positions) on
the I420 planes the encoder takes, and piped to ffmpeg as rawvideo. Measured on a 4 s
1280x720 clip (96 frames, one core, one run of benchmarks/bench_motion.py): 2.0 ms a
frame against 6.2 ms for ffmpeg's `perspective` filter with eval=frame (which
recomputes a per-pixel table in doubles every frame); Pillow's resize with a float box
takes ~5 ms on the same planes. Positions are sub-pixel, so the picture glides instead
of stepping one pixel at a time as an integer crop (or zoompan) does.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator
from dataclasses import dataclass

# Ken Burns range: 8% zoom is visible but never crops a face in half.
ZOOM = 1.08
# Fraction of the largest pan that keeps the view inside the picture.
PAN = 0.9


@dataclass(frozen=True)
class KenBurns:
    """A linear zoom from zoom_start to zoom_end (both >= 1) while the view's centre
    moves towards (dx, dy) in [-1, 1]: +-1 reaches the picture's edge at the larger
    zoom. `strength` in [0, 1] scales the zoom's excess over 1, and with it the pan
    (the room to pan is what the zoom crops): 0 is a still picture, 1 the full move.
    Invariant: the visible rectangle always stays inside the picture."""

    zoom_start: float
    zoom_end: float
    dx: float
    dy: float
    strength: float = 1.0

    def __post_init__(self) -> None:
        if min(self.zoom_start, self.zoom_end) < 1:
            raise ValueError(f"zoom must be >= 1, got {self.zoom_start} and {self.zoom_end}")
        if max(abs(self.dx), abs(self.dy)) > 1:
            raise ValueError(f"pan must be within [-1, 1], got {self.dx} and {self.dy}")
        if not 0 <= self.strength <= 1:
            raise ValueError(f"motion strength must be within [0, 1], got {self.strength}")

    @classmethod
    def from_seed(cls, seed: str, strength: float = 1.0) -> "KenBurns":
        """A deterministic choice among 8 pan directions x zoom in/out."""
        digest = hashlib.sha256(seed.encode("utf-8")).digest()
        angle = (digest[0] % 8) * math.pi / 4
        dx, dy = round(PAN * math.cos(angle), 4), round(PAN * math.sin(angle), 4)
        if digest[1] % 2:
            return cls(1.0, ZOOM, dx, dy, strength)
        return cls(ZOOM, 1.0, dx, dy, strength)

    @property
    def moves(self) -> bool:
        """False when every frame shows the whole picture (strength 0 or no zoom)."""
        return self.strength > 0 and max(self.zoom_start, self.zoom_end) > 1

    def zoom(self, progress: float) -> float:
        """The zoom at `progress` in [0, 1], linear from start to end, scaled by strength."""
        planned = self.zoom_start + (self.zoom_end - self.zoom_start) * progress
        return 1 + self.strength * (planned - 1)

    def view_box(self, progress: float, width: float, height: float) -> tuple[float, float, float, float]:
        """The visible rectangle (x0, y0, x1, y1) of a width x height picture at
        `progress` (0 = first frame, 1 = last), in source pixels: width/z by height/z,
        its top-left corner at width/2 * (1+dx) * (1-1/z). Always inside the picture."""
        if not 0 <= progress <= 1:
            raise ValueError(f"progress must be within [0, 1], got {progress}")
        zoom = self.zoom(progress)
        x0 = width / 2 * (1 + self.dx) * (1 - 1 / zoom)
        y0 = height / 2 * (1 + self.dy) * (1 - 1 / zoom)
        return x0, y0, x0 + width / zoom, y0 + height / zoom

    def still(self, picture, width: int, height: int, progress: float):
        """The frame at `progress` as a width x height RGB Pillow image: the view box
        of `picture` (any size) resized bilinearly with a float box. Given the picture
        cover-fitted to width x height, as clips use it, it is the clip's frame at that
        progress (to within the clip's yuv420p rounding)."""
        from PIL import Image

        box = self.view_box(progress, *picture.size)
        return picture.convert("RGB").resize((width, height), Image.Resampling.BILINEAR, box=box)


def progress(index: int, frames: int) -> float:
    """Progress of frame `index` of `frames`: 0 for the first frame, 1 for the last."""
    return index / (frames - 1) if frames > 1 else 0.0


def rawvideo_input(width: int, height: int, fps: int) -> list[str]:
    """ffmpeg input arguments for the frames of `i420_frames`, read from stdin."""
    return ["-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", f"{width}x{height}", "-framerate", str(fps), "-i", "pipe:0"]


def i420_frames(picture, move: KenBurns, width: int, height: int, frames: int) -> Iterator[memoryview]:
    """The `frames` frames of `move` over `picture` (RGB, even sides), each width x
    height raw yuv420p (BT.601 limited range, as ffmpeg's own RGB conversion). The
    yielded buffer is reused: consume it before asking for the next frame."""
    import cv2
    import numpy as np

    # Clips already run one per core; threads inside a warp would only oversubscribe.
    cv2.setNumThreads(1)
    source_w, source_h = picture.size
    if source_w % 2 or source_h % 2:
        raise ValueError(f"the picture needs even sides, got {source_w}x{source_h}")
    planes = i420_planes(np.asarray(picture.convert("RGB")))
    out = np.empty(width * height * 3 // 2, np.uint8)
    quarter = width * height // 4
    targets = (
        out[: width * height].reshape(height, width),
        out[width * height : width * height + quarter].reshape(height // 2, width // 2),
        out[width * height + quarter :].reshape(height // 2, width // 2),
    )
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    for index in range(frames):
        x0, y0, x1, y1 = move.view_box(progress(index, frames), source_w, source_h)
        sx, sy = (x1 - x0) / width, (y1 - y0) / height
        # Output pixel j samples source pixel-centre x0 + (j + 0.5) * sx - 0.5. Chroma
        # samples sit at the centre of their 2x2 luma block (the block mean, i420_planes).
        luma = np.array([[sx, 0, x0 + 0.5 * sx - 0.5], [0, sy, y0 + 0.5 * sy - 0.5]])
        chroma = np.array([[sx, 0, (x0 + sx - 1) / 2], [0, sy, (y0 + sy - 1) / 2]])
        for plane, target, matrix in zip(planes, targets, (luma, chroma, chroma)):
            cv2.warpAffine(plane, matrix, target.shape[::-1], dst=target, flags=flags,
                           borderMode=cv2.BORDER_REPLICATE)  # fmt: skip
        yield memoryview(out)


def i420_planes(rgb):
    """(Y, U, V) planes of an RGB array with even sides, BT.601 limited range, as
    ffmpeg converts: cv2 gives the same Y, but its I420 chroma takes the top-left
    pixel of each 2x2 block (aliasing, up to 17 levels off ffmpeg's); ffmpeg's chroma
    is the block's mean, within 1 level of what is computed here."""
    import cv2
    import numpy as np

    height, width = rgb.shape[:2]
    luma = cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420).reshape(-1)[: width * height].reshape(height, width)
    mean = cv2.resize(rgb.astype(np.float32), (width // 2, height // 2), interpolation=cv2.INTER_AREA)
    u = 128 + mean @ np.array([-0.148223, -0.290993, 0.439216], np.float32)
    v = 128 + mean @ np.array([0.439216, -0.367788, -0.071427], np.float32)
    return luma, *(np.clip(np.rint(c), 0, 255).astype(np.uint8) for c in (u, v))
