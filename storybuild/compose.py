"""ffmpeg command lines for scene clips and the final video.

A clip is video only and frame exact: the still image (fitted to the frame), an
optional slow Ken Burns move and a burned-in caption, exactly `frames` frames long,
encoded with the same libx264 settings as every other clip so that the final video
can join them with the concat demuxer and `-c:v copy`. Audio is never stream-copied
across scenes (per-file AAC priming drifts): the final video encodes the joined
narration once, each scene's voice placed at its clip's first frame + LEAD_IN and
padded to the clip's exact length, sample counts derived from frame boundaries.

Measured on 2 cores at 1280x720, 24 fps (benchmarks/bench_motion.py, GUIDE.md section 4):
a 4 s still clip takes ~0.35 s CPU, a 4 s motion clip ~0.7-0.8 s (ffmpeg's perspective
filter took 1.1-1.2 s; x264 alone on the moving frames is ~0.5 s of it); joining 10
clips ~0.7 s.
"""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path

from storybuild.errors import ProviderError
from storybuild.media import run_ffmpeg
from storybuild.motion import PAN, ZOOM, KenBurns, i420_frames, rawvideo_input  # noqa: F401 (re-exported)

LEAD_IN = 0.3  # seconds of silence before the narration in each scene
TAIL = 0.7  # seconds after the narration before the next scene

AUDIO_BITRATE = "96k"
MUSIC_FADE = 1.5  # seconds of fade-out at the end of background music


def clip_frame_count(voice_seconds: float, floor: float | None, fps: int) -> int:
    """Frames in a scene's clip: lead-in + narration + tail, at least `floor` seconds.

    The small epsilon keeps float noise (3.0000000000000004 * 24) from adding a frame.
    """
    seconds = max(LEAD_IN + voice_seconds + TAIL, floor or 0.0)
    return max(1, math.ceil(seconds * fps - 1e-9))


def encoder_args(fps: int, frames: int) -> list[str]:
    """libx264 settings shared by every clip (concat copy needs identical streams):
    fixed GOP without scene-cut keyframes so every clip starts on a keyframe and
    seams are clean, yuv420p for browsers, faststart for streaming.

    superfast and one encoder thread, measured against veryfast with default threads
    on a 6.75 s 720p clip: motion 2.3 s vs 2.9 s CPU, 105 MB vs 164 MB peak; clips
    run in parallel (one per core), so per-process threads would only add memory."""
    gop = str(2 * fps)
    return [
        "-c:v", "libx264", "-preset", "superfast", "-tune", "stillimage", "-crf", "20", "-threads", "1",
        "-pix_fmt", "yuv420p", "-g", gop, "-keyint_min", gop, "-sc_threshold", "0",
        "-r", str(fps), "-frames:v", str(frames), "-an", "-movflags", "+faststart",
    ]  # fmt: skip


def render_clip(
    image: Path,
    out: Path,
    *,
    width: int,
    height: int,
    fps: int,
    frames: int,
    caption: str | None,
    motion: bool,
    motion_seed: str,
    motion_strength: float = 1.0,
) -> None:
    """Write a video-only H.264 MP4 of exactly `frames` frames at width x height.

    The image (any size) is cover-fitted with Pillow. A still clip (motion off or
    strength 0) is decoded once by ffmpeg and repeated with the `loop` filter, the
    caption composited into the picture. A moving clip's frames come from
    storybuild.motion through a pipe, the caption overlaid after the motion so the
    text stays still. The file appears at `out` only when complete.
    """
    if width % 2 or height % 2 or width <= 0 or height <= 0:
        raise ValueError(f"clip size must be positive and even, got {width}x{height}")
    if frames < 1 or fps < 1:
        raise ValueError(f"frames and fps must be >= 1, got {frames} and {fps}")
    out = Path(out)
    move = KenBurns.from_seed(motion_seed, motion_strength)
    with tempfile.TemporaryDirectory(prefix=f".{out.name}.", dir=out.parent) as tmp:
        picture = fit_image(Path(image), width, height)
        layer = caption_layer(caption, width, height) if caption else None
        feed = None
        if motion and move.moves:
            # The moving picture: raw I420 frames on stdin (see storybuild.motion).
            inputs, feed = rawvideo_input(width, height, fps), i420_frames(picture, move, width, height, frames)
            graph = "[0:v]setpts=N/FRAME_RATE/TB"
        else:
            if layer is not None:
                picture, layer = _flatten(picture, layer), None
            picture.save(Path(tmp, "background.png"), compress_level=1)
            inputs = ["-framerate", str(fps), "-i", str(Path(tmp, "background.png"))]
            graph = f"[0:v]format=yuv420p,loop=loop={frames - 1}:size=1:start=0,setpts=N/{fps}/TB"
        if layer is not None:
            layer.save(Path(tmp, "caption.png"), compress_level=1)
            inputs += ["-i", str(Path(tmp, "caption.png"))]
            # The caption is one frame; overlay repeats it (eof_action=repeat).
            graph += "[m];[m][1:v]overlay=0:0:format=yuv420"
        graph += ",setsar=1[v]"
        partial = Path(tmp, "clip.mp4")
        args = ["-y", *inputs, "-filter_complex", graph, "-map", "[v]", *encoder_args(fps, frames)]
        run_ffmpeg([*args, "-f", "mp4", str(partial)], f"rendering clip {out.name}", feed)
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


def _flatten(picture, layer):
    """The caption composited into an RGB picture."""
    merged = picture.convert("RGBA")
    merged.alpha_composite(layer)
    return merged.convert("RGB")


def caption_layer(text: str, width: int, height: int):
    """A transparent RGBA frame with `text` near the bottom: white letters with a dark
    outline over a soft translucent band, at most 3 lines within 80% of the width,
    6% above the bottom edge. The font shrinks until the text fits; text still too
    long at the smallest size ends with an ellipsis."""
    from PIL import Image, ImageDraw, ImageFilter

    lines, font, size = _fit_caption(" ".join(text.split()), int(width * 0.8), height)
    line_height = round(size * 1.25)
    stroke = max(2, size // 12)
    block_width = max(font.getlength(line) for line in lines)
    block_height = line_height * len(lines)
    bottom = height - round(height * 0.06)
    top = bottom - block_height
    pad_x, pad_y = size * 0.7, size * 0.35
    box = (
        (width - block_width) / 2 - pad_x, top - pad_y,
        (width + block_width) / 2 + pad_x, bottom + pad_y,
    )  # fmt: skip
    # Band alpha drawn on a mask and blurred: a soft edge looks less like a UI box.
    band = Image.new("L", (width, height), 0)
    ImageDraw.Draw(band).rounded_rectangle(box, radius=size * 0.5, fill=120)
    band = band.filter(ImageFilter.GaussianBlur(size / 4))
    layer = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    layer.putalpha(band)
    draw = ImageDraw.Draw(layer)
    for index, line in enumerate(lines):
        y = top + index * line_height + line_height / 2
        draw.text(
            (width / 2, y), line, font=font, anchor="mm", fill=(255, 255, 255, 255),
            stroke_width=stroke, stroke_fill=(0, 0, 0, 255),
        )  # fmt: skip
    return layer


def _fit_caption(text: str, max_width: int, height: int):
    """(lines, font, size): the largest font size from ~5.5% of the height down to
    ~3% whose greedy word wrap fits in 3 lines of max_width."""
    from PIL import ImageFont

    largest, smallest = max(12, round(height * 0.055)), max(10, round(height * 0.03))
    for size in range(largest, smallest - 1, -2):
        font = ImageFont.load_default(size=size)
        lines = _wrap(text, font, max_width)
        if len(lines) <= 3:
            return lines, font, size
    return _ellipsize(lines[:3], font, max_width), font, size


def _wrap(text: str, font, max_width: int) -> list[str]:
    """Greedy word wrap by rendered width; a single over-long word gets its own line."""
    lines: list[str] = []
    for word in text.split():
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and font.getlength(candidate) <= max_width:
            lines[-1] = candidate
        else:
            lines.append(word)
    return lines or [""]


def _ellipsize(lines: list[str], font, max_width: int) -> list[str]:
    last = lines[-1]
    while last and font.getlength(last + " …") > max_width:
        last = last.rsplit(" ", 1)[0] if " " in last else last[:-1]
    return lines[:-1] + [f"{last} …"]


def audio_sample_counts(frames: list[int], fps: int, sample_rate: int) -> list[int]:
    """Samples per scene so that scene i's audio starts exactly at its first frame:
    counts are differences of rounded cumulative frame boundaries, so rounding
    never accumulates and the total equals round(sum(frames) / fps * sample_rate)."""
    counts, first_frame, previous = [], 0, 0
    for count in frames:
        first_frame += count
        boundary = round(first_frame * sample_rate / fps)
        counts.append(boundary - previous)
        previous = boundary
    return counts


def narration_graph(count_per_scene: list[int], sample_rate: int, first_input: int) -> str:
    """filter_complex text joining the voices (inputs first_input...) into [a]: each
    resampled to mono at sample_rate, delayed LEAD_IN, padded/trimmed to its count."""
    delay = round(LEAD_IN * sample_rate)
    parts, labels = [], []
    for index, samples in enumerate(count_per_scene):
        label = f"a{index}"
        parts.append(
            f"[{first_input + index}:a]aresample={sample_rate},"
            f"aformat=sample_fmts=fltp:channel_layouts=mono,"
            f"adelay=delays={delay}S:all=1,apad=whole_len={samples},"
            f"atrim=end_sample={samples},asetpts=N/SR/TB[{label}]"
        )
        labels.append(f"[{label}]")
    parts.append(f"{''.join(labels)}concat=n={len(labels)}:v=0:a=1[a]")
    return ";".join(parts)


def music_graph(music_input: int, total_samples: int, sample_rate: int, volume: float) -> str:
    """filter_complex text that lays music (input `music_input`, looped by -stream_loop)
    under the narration [a] into [mix]: cut to the video's length,
    faded out over the last MUSIC_FADE seconds, and ducked by a sidechain compressor
    keyed on the narration so words stay clear. Narration itself is not changed."""
    fade = min(MUSIC_FADE, total_samples / sample_rate / 2)
    fade_start = total_samples / sample_rate - fade
    return (
        f";[a]asplit=2[voice][key];"
        f"[{music_input}:a]aresample={sample_rate},aformat=sample_fmts=fltp:channel_layouts=mono,"
        f"volume={volume!r},atrim=end_sample={total_samples},asetpts=N/SR/TB,"
        f"afade=t=out:st={fade_start:.6f}:d={fade:.6f}[bed];"
        f"[bed][key]sidechaincompress=threshold=0.02:ratio=6:attack=20:release=400[ducked];"
        f"[voice][ducked]amix=inputs=2:duration=first:normalize=0[mix]"
    )


def assemble_video(
    clips: list[Path], voices: list[Path], frames: list[int], out: Path, *, fps: int, sample_rate: int,
    music: Path | None = None, music_volume: float = 0.15,
) -> None:
    """Write the final MP4: the clips joined without re-encoding, plus one AAC track
    of the narration, scene i's voice starting at its first frame + LEAD_IN, with
    optional background music under it. The audio is exactly as long as the video
    (sum(frames) / fps), so no frame is cut. The file appears at `out` only when complete."""
    if not clips or not (len(clips) == len(voices) == len(frames)):
        raise ValueError("assemble_video needs one clip, voice and frame count per scene (at least one)")
    out = Path(out)
    with tempfile.TemporaryDirectory(prefix=f".{out.name}.", dir=out.parent) as tmp:
        listing = Path(tmp, "clips.ffconcat")
        listing.write_text(
            "ffconcat version 1.0\n" + "".join(f"file {_concat_quote(clip)}\n" for clip in clips), "utf-8"
        )
        args = ["-y", "-f", "concat", "-safe", "0", "-i", str(listing)]
        for voice in voices:
            args += ["-i", str(Path(voice).resolve())]
        counts = audio_sample_counts(frames, fps, sample_rate)
        graph, audio = narration_graph(counts, sample_rate, 1), "[a]"
        if music is not None:
            args += ["-stream_loop", "-1", "-i", str(Path(music).resolve())]
            graph, audio = graph + music_graph(1 + len(voices), sum(counts), sample_rate, music_volume), "[mix]"
        partial = Path(tmp, "video.mp4")
        args += ["-filter_complex", graph, "-map", "0:v", "-map", audio, "-c:v", "copy"]
        # The "fast" AAC coder halves the encode (0.26 s vs 0.48 s CPU for 36 s of speech),
        # which is most of a one-scene rebuild's final step; speech at 96k sounds the same.
        args += ["-c:a", "aac", "-aac_coder", "fast", "-b:a", AUDIO_BITRATE, "-ar", str(sample_rate), "-ac", "1"]
        args += ["-movflags", "+faststart", "-f", "mp4", str(partial)]
        run_ffmpeg(args, f"assembling {out.name}")
        os.replace(partial, out)


def _concat_quote(path: Path) -> str:
    """A path quoted for the concat demuxer: absolute, single quotes escaped as '\\''."""
    text = str(Path(path).resolve())
    return "'" + text.replace("'", "'\\''") + "'"
