"""Benchmark the Ken Burns move: ffmpeg's `perspective` filter (before) against
storybuild.motion's OpenCV warp piped to ffmpeg (after), side by side in ONE run.

Per clip (4 s, 96 frames, superfast, one encoder thread, as every clip is encoded):
  still      the picture looped, no move (what a still clip costs)
  crop       the same frames moved by an integer crop of a larger picture: the encode
             floor of a moving picture (no resampling at all, but it steps by whole pixels)
  before     the previous render path: loop + `perspective` (eval=frame)
  after      compose.render_clip with motion on (the path renders use now)
  x264 only  the after path's frames, rendered beforehand to a file, only encoded: the floor
             of any sub-pixel move (x264 works harder on sub-pixel motion than on whole-pixel
             steps, which it predicts exactly)
and the resampling alone, per frame: `perspective` in ffmpeg with no encoder (`-f null`,
minus the same graph without perspective) against `motion.i420_frames` in Python.

CPU is user+sys of this process (the Python side: fitting, warping, piping) plus its
waited-for children (ffmpeg), from resource.getrusage; each variant runs --repeat
times, interleaved, and the median is printed.

    python benchmarks/bench_motion.py             # 1280x720 and 720x1280, 3 repeats (~40 s)
    python benchmarks/bench_motion.py --repeat 5 --json
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from storybuild import compose, motion
from storybuild.media import run_ffmpeg

SECONDS, FPS = 4, 24
FRAMES = SECONDS * FPS
SEED = "bench"  # a zoom-in with a diagonal pan
CROP_MARGIN = 48  # pixels the integer crop travels


def cpu() -> float:
    """CPU seconds so far of this process and its waited-for children."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measure(action) -> tuple[float, float]:
    """(cpu seconds, wall seconds) of action()."""
    cpu0, wall0 = cpu(), time.perf_counter()
    action()
    return cpu() - cpu0, time.perf_counter() - wall0


def perspective_filter(move: motion.KenBurns, frames: int) -> str:
    """The previous path's filter (compose.KenBurns.perspective before motion.py)."""
    step = (move.zoom_end - move.zoom_start) / max(frames - 1, 1)
    zoom = f"({move.zoom_start!r}+{step!r}*(on-1))"
    x0, y0 = f"(W/2*{1 + move.dx!r}*(1-1/{zoom}))", f"(H/2*{1 + move.dy!r}*(1-1/{zoom}))"
    x1, y2 = f"{x0}+W/{zoom}", f"{y0}+H/{zoom}"
    corners = {"x0": x0, "y0": y0, "x1": x1, "y1": y0, "x2": x0, "y2": y2, "x3": x1, "y3": y2}
    options = ":".join(f"{name}='{expr}'" for name, expr in corners.items())
    return f"perspective={options}:interpolation=linear:eval=frame"


def test_picture(path: Path, width: int, height: int) -> Path:
    """A detailed picture (smooth noise plus edges), so the encoder works as on art."""
    rng = np.random.default_rng(7)
    coarse = Image.fromarray((rng.random((height // 16, width // 16, 3)) * 255).astype(np.uint8))
    picture = coarse.resize((width + CROP_MARGIN, height + CROP_MARGIN), Image.Resampling.BICUBIC)
    pixels = np.asarray(picture).copy()
    pixels[:, ::97] = 255  # thin lines: the hard case for motion
    Image.fromarray(pixels).save(path)
    return path


def ffmpeg_clip(source: Path, out: Path, graph: str, *, encode: bool = True) -> None:
    """One run of the previous path's shape: the picture decoded once and looped."""
    loop = f"format=yuv420p,loop=loop={FRAMES - 1}:size=1:start=0,setpts=N/{FPS}/TB"
    args = ["-y", "-framerate", str(FPS), "-i", str(source), "-filter_complex", f"[0:v]{loop},{graph},setsar=1[v]",
            "-map", "[v]"]  # fmt: skip
    if encode:
        run_ffmpeg([*args, *compose.encoder_args(FPS, FRAMES), "-f", "mp4", str(out)], "benchmarking")
    else:
        run_ffmpeg([*args, "-frames:v", str(FRAMES), "-f", "null", "-"], "benchmarking")


def variants(work: Path, width: int, height: int, picture: Path | None) -> dict:
    """name -> zero-argument callable rendering one clip (or only the resampling)."""
    big = work / f"big-{width}x{height}.png"
    if picture is None:
        test_picture(big, width, height)
    else:
        compose.fit_image(picture, width + CROP_MARGIN, height + CROP_MARGIN).save(big)
    fitted = work / f"fitted-{width}x{height}.png"
    compose.fit_image(big, width, height).save(fitted)
    move = motion.KenBurns.from_seed(SEED)
    out = work / "out.mp4"
    crop = f"crop={width}:{height}:x='trunc(n*{CROP_MARGIN}/{FRAMES})':y='trunc(n*{CROP_MARGIN}/{FRAMES})'"

    def warp_only():
        picture = compose.fit_image(fitted, width, height)
        for _ in motion.i420_frames(picture, move, width, height, FRAMES):
            pass

    moving = work / f"moving-{width}x{height}.yuv"
    with moving.open("wb") as frames:
        for frame in motion.i420_frames(compose.fit_image(fitted, width, height), move, width, height, FRAMES):
            frames.write(frame)
    encode_only = ["-y", *motion.rawvideo_input(width, height, FPS)[:-1], str(moving), "-map", "0:v",
                   *compose.encoder_args(FPS, FRAMES), "-f", "mp4", str(out)]  # fmt: skip

    def after():
        compose.render_clip(fitted, out, width=width, height=height, fps=FPS, frames=FRAMES, captions=None,
                            motion=True, motion_seed=SEED)  # fmt: skip

    return {
        "still": lambda: ffmpeg_clip(fitted, out, "null"),
        "crop": lambda: ffmpeg_clip(big, out, crop),
        "before": lambda: ffmpeg_clip(fitted, out, perspective_filter(move, FRAMES)),
        "after": after,
        "x264": lambda: run_ffmpeg(encode_only, "benchmarking"),
        "resample_before": lambda: ffmpeg_clip(fitted, out, perspective_filter(move, FRAMES), encode=False),
        "resample_base": lambda: ffmpeg_clip(fitted, out, "null", encode=False),
        "resample_after": warp_only,
    }


def bench_size(width: int, height: int, repeat: int, work: Path, picture: Path | None) -> dict:
    runs = variants(work, width, height, picture)
    runs["after"]()  # warm-up: imports cv2 and numpy once, as a render does
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in runs}
    for _ in range(repeat):
        for name, action in runs.items():
            samples[name].append(measure(action))
    med = {name: (statistics.median(c for c, _ in s), statistics.median(w for _, w in s)) for name, s in samples.items()}
    per_frame = {
        "before": (med["resample_before"][0] - med["resample_base"][0]) / FRAMES * 1000,
        "after": med["resample_after"][0] / FRAMES * 1000,
    }
    clips = {name: {"cpu": med[name][0], "wall": med[name][1]} for name in ("still", "crop", "before", "after", "x264")}
    return {"size": f"{width}x{height}", "resample_ms_per_frame": per_frame, "clip_seconds": clips,
            "after_over_before_cpu": clips["after"]["cpu"] / clips["before"]["cpu"]}  # fmt: skip


def table(results: list[dict]) -> str:
    lines = [f"Ken Burns clip, {SECONDS} s at {FPS} fps ({FRAMES} frames), superfast, 1 encoder thread; "
             "median CPU (user+sys, whole tree) / wall"]  # fmt: skip
    for result in results:
        per, clips = result["resample_ms_per_frame"], result["clip_seconds"]
        lines.append(f"\n{result['size']}")
        lines.append(f"  resampling only           before (perspective) {per['before']:6.2f} ms/frame"
                     f"   after (warpAffine I420) {per['after']:6.2f} ms/frame")  # fmt: skip
        for name, label in (("still", "still clip"), ("crop", "integer crop (floor)"),
                            ("before", "before: perspective"), ("after", "after: motion.py"),
                            ("x264", "x264 only, after's frames")):  # fmt: skip
            lines.append(f"  {label:26s} {clips[name]['cpu']:6.3f} s CPU  {clips[name]['wall']:6.3f} s wall")
        verdict = "ok" if result["after_over_before_cpu"] <= 0.5 else "MISSED"
        lines.append(f"  after / before CPU        {result['after_over_before_cpu']:.2f} (target <= 0.50: {verdict})")
        over = {name: clips[name]["cpu"] - clips["x264"]["cpu"] for name in ("before", "after")}
        lines.append(f"  motion over x264          before {over['before']:.3f} s, after {over['after']:.3f} s CPU"
                     f" ({over['before'] / over['after']:.1f}x less); x264 alone is"
                     f" {clips['x264']['cpu'] / clips['before']['cpu']:.0%} of before")  # fmt: skip
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--picture", type=Path, help="use this picture (cover-fitted) instead of a generated one")
    args = parser.parse_args(argv)
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-motion-") as tmp:
        results = [bench_size(w, h, args.repeat, Path(tmp), args.picture) for w, h in ((1280, 720), (720, 1280))]
    end = os.getloadavg()[0]
    if args.json:
        print(json.dumps({"load_start": load, "load_end": end, "results": results}, indent=2))
    else:
        print(f"load average {load:.2f} at start, {end:.2f} at end; picture: {args.picture or 'generated'}")
        print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
