"""ffmpeg command lines for scene clips and the final video.

A clip is video only and frame exact: the still image (fitted to the frame), an
optional slow Ken Burns move and burned-in caption pages, exactly `frames` frames long,
encoded with the same libx264 settings as every other clip so that the final video
can join them with the concat demuxer and `-c:v copy`. Audio is never stream-copied
across scenes (per-file AAC priming drifts): soundtrack.py encodes all the narration
once, each voice placed at the sample where timeline.py says its scene's narration
starts, and the join copies that one track beside the joined picture.

Measured on 2 cores at 1280x720, 24 fps (benchmarks/bench_motion.py, GUIDE.md section 4):
a 4 s still clip takes ~0.35 s CPU, a 4 s motion clip ~0.7-0.8 s (ffmpeg's perspective
filter took 1.1-1.2 s; x264 alone on the moving frames is ~0.5 s of it). Caption
pages (CPU, 4 s still clip, 22 words, best of 5 under load): 0.33 s without captions,
0.39 s with two pages, 0.53 s with a highlighted word per state (22 states).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from storybuild.errors import ProviderError
from storybuild.media import run_ffmpeg
from storybuild.motion import KenBurns, i420_frames, rawvideo_input

if TYPE_CHECKING:
    from storybuild.caption_track import Overlay


def encoder_args(fps: int, frames: int, still: bool = False) -> list[str]:
    """libx264 settings shared by every clip (concat copy needs identical streams):
    fixed GOP without scene-cut keyframes so every clip starts on a keyframe and
    seams are clean, yuv420p for browsers, faststart for streaming.

    superfast and one encoder thread, measured against veryfast with default threads
    on a 6.75 s 720p clip: motion 2.3 s vs 2.9 s CPU, 105 MB vs 164 MB peak; clips
    run in parallel (one per core), so per-process threads would only add memory.
    CRF 23 (x264's default), measured against 20 on a 4 s 720p motion clip
    (benchmarks/bench_quality.py, one run): 0.71 s vs 0.80 s CPU, 352 KB vs 546 KB,
    PSNR 52.2 dB vs 54.3 dB and SSIM 0.9976 vs 0.9984 against a lossless encode: past
    ~45 dB a difference cannot be seen, so the bits went to nothing a viewer gets."""
    gop = str(2 * fps)
    return [
        "-c:v", "libx264", "-preset", "superfast", "-tune", "stillimage", "-crf", "23", "-threads", "1",
        "-pix_fmt", "yuv420p", "-g", gop, "-keyint_min", gop, "-sc_threshold", "0",
        *(STILL_PICTURE_X264 if still else []),
        "-r", str(fps), "-frames:v", str(frames), "-an", "-movflags", "+faststart",
    ]  # fmt: skip


# A still picture has no motion to search for or to place B-frames around: x264 skips
# the motion search refinement, the partition analysis and the B-frame decision. None
# of these change the stream's headers (SPS/PPS), so still and moving clips still join
# with -c copy. Measured on a 6.5 s 720p still clip with two caption pages, four runs
# each (one core): 0.37-0.46 s -> 0.28-0.32 s of CPU, 200 KB -> 207 KB, PSNR against a
# lossless encode 52.78 dB -> 52.72 dB. The edit loop re-encodes one such clip per edit.
STILL_PICTURE_X264 = ["-x264-params", "b-adapt=0:subme=0:partitions=none"]


def render_clip(
    image: Path,
    out: Path,
    *,
    width: int,
    height: int,
    fps: int,
    frames: int,
    captions: Overlay | None,
    motion: bool,
    motion_seed: str,
    motion_strength: float = 1.0,
) -> None:
    """Write a video-only H.264 MP4 of exactly `frames` frames at width x height.

    The image (any size) is cover-fitted with Pillow. A still clip (motion off or
    strength 0) is decoded once by ffmpeg and repeated with the `loop` filter; a
    moving clip's frames come from storybuild.motion through a pipe. The captions'
    states (see caption_track) come in as another input, a concat list of small
    images, overlaid after the motion so the text stays still. The file appears at
    `out` only when complete.
    """
    if width % 2 or height % 2 or width <= 0 or height <= 0:
        raise ValueError(f"clip size must be positive and even, got {width}x{height}")
    if frames < 1 or fps < 1:
        raise ValueError(f"frames and fps must be >= 1, got {frames} and {fps}")
    out = Path(out)
    move = KenBurns.from_seed(motion_seed, motion_strength) if motion else None
    with tempfile.TemporaryDirectory(prefix=f".{out.name}.", dir=out.parent) as tmp:
        picture = fit_image(Path(image), width, height)
        still = move is None or not move.moves
        if not still:
            # The moving picture: raw I420 frames on stdin (see storybuild.motion).
            inputs, feed = rawvideo_input(width, height, fps), i420_frames(picture, move, width, height, frames)
            graph = "[0:v]setpts=N/FRAME_RATE/TB"
        else:
            # One raw RGB frame on stdin (no PNG to write and decode), repeated by `loop`.
            inputs = ["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}", "-framerate", str(fps),
                      "-i", "pipe:0"]
            feed = iter([picture.tobytes()])
            graph = f"[0:v]format=yuv420p,loop=loop={frames - 1}:size=1:start=0,setpts=N/{fps}/TB"
        encode_clip(inputs, graph, Path(tmp), out, fps=fps, frames=frames, captions=captions, feed=feed, still=still)


def encode_clip(inputs: list[str], graph: str, tmp: Path, out: Path, *, fps: int, frames: int,
                captions: Overlay | None, feed=None, still: bool = False) -> None:
    """Finish a clip whose picture is `graph` (a filter chain from input 0, unlabelled
    at its end): the caption states overlaid, encoded with every clip's settings (and,
    for a `still` picture, STILL_PICTURE_X264) in `tmp`, then moved to `out`, so `out`
    appears only complete."""
    if captions is not None and any(state.image is not None for state in captions.states):
        from storybuild.caption_track import write_concat

        # By a bare name from inside its folder: the concat demuxer resolves the
        # names in a list against the list's own path, which may hold '#' or a newline.
        inputs = [*inputs, "-f", "concat", "-i", write_concat(captions, tmp, fps).name]
        graph += f"[m];[m][1:v]overlay={captions.x}:{captions.y}:format=yuv420:eof_action=repeat"
    partial = tmp / "clip.mp4"
    args = ["-y", *inputs, "-filter_complex", graph + ",setsar=1[v]", "-map", "[v]", *encoder_args(fps, frames, still)]
    run_ffmpeg([*args, "-f", "mp4", str(partial)], f"rendering clip {out.name}", feed, cwd=tmp)
    os.replace(partial, out)


def fit_image(path: Path, width: int, height: int):
    """The image scaled to cover width x height and centre-cropped, as RGB
    (transparent pixels become black, as in a video frame)."""
    from PIL import Image, ImageOps

    try:
        with Image.open(path) as source:
            source.load()
            if source.mode in ("RGBA", "LA", "PA") or "transparency" in source.info:
                rgba = source.convert("RGBA")
                source = Image.alpha_composite(Image.new("RGBA", rgba.size, (0, 0, 0, 255)), rgba)
            return ImageOps.fit(source.convert("RGB"), (width, height), Image.Resampling.LANCZOS)
    except OSError as exc:  # missing, truncated or not an image at all
        raise ProviderError(f"cannot read image {path}: {exc}") from exc


def join_film(segments: list[Path], sound: Path, out: Path) -> None:
    """Write the final MP4: the segment clips joined without re-encoding (the concat
    demuxer; every segment has the same encoder settings) and the soundtrack (an .m4a
    from soundtrack.render_soundtrack, exactly as long as the picture) copied beside
    them, its edit list kept so sample 0 plays with frame 0. One ffmpeg run, no
    encode. The file appears at `out` only when complete."""
    if not segments:
        raise ValueError("join_film needs at least one segment")
    out = Path(out)
    with tempfile.TemporaryDirectory(prefix=f".{out.name}.", dir=out.parent) as tmp:
        listing = _concat_listing(segments, Path(tmp))
        partial = Path(tmp, "video.mp4")
        # The list by its bare name from inside its folder (see _concat_listing).
        args = ["-y", "-f", "concat", "-i", listing.name, "-i", str(Path(sound).resolve()),
                "-map", "0:v", "-map", "1:a", "-c", "copy", "-movflags", "+faststart", "-f", "mp4", str(partial)]
        run_ffmpeg(args, f"assembling {out.name}", cwd=Path(tmp))
        os.replace(partial, out)


def _concat_listing(clips: list[Path], tmp: Path) -> Path:
    """Write an ffconcat listing of `clips` in `tmp` and return its path.

    The listing names each clip by a plain relative name (clip-0000.mp4, a hard link
    or symbolic link made in `tmp`), which the demuxer resolves against the listing's
    path; ffmpeg is given the listing by its bare name and runs in `tmp`, so the
    project's own path, which may hold a newline, a quote or a '#' that ffconcat or
    URL resolution cannot take, never has to be parsed."""
    lines = ["ffconcat version 1.0"]
    for index, clip in enumerate(clips):
        name = f"clip-{index:04d}.mp4"
        try:
            os.link(clip, tmp / name)
        except OSError:  # no hard links here (or another file system): a link works too
            os.symlink(Path(clip).resolve(), tmp / name)
        lines.append(f"file {name}")
    listing = tmp / "clips.ffconcat"
    listing.write_text("\n".join(lines) + "\n", "utf-8")
    return listing
