"""ffmpeg command lines for scene clips and the final video.

A clip is video only and frame exact: the still image (fitted to the frame), an
optional slow Ken Burns move and burned-in caption pages, exactly `frames` frames long,
encoded with the same libx264 settings as every other clip so that the final video
can join them with the concat demuxer and `-c:v copy`. Audio is never stream-copied
across scenes (per-file AAC priming drifts): the final video encodes the joined
narration once, each scene's voice placed at its clip's first frame + LEAD_IN and
padded to the clip's exact length, sample counts derived from frame boundaries.

Measured on 2 cores at 1280x720, 24 fps (see GUIDE.md section 4 and tests): a 4 s still
clip takes ~0.4 s, a 4 s motion clip ~1.1 s (caption or not); joining 10 clips ~0.7 s.
Caption pages (CPU, 4 s still clip, 22 words, best of 5 under load): 0.33 s without
captions or with the old single burned caption, 0.39 s with two pages, 0.53 s with a
highlighted word per state (22 states).
"""

from __future__ import annotations

import hashlib
import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from storybuild.errors import ProviderError

if TYPE_CHECKING:
    from storybuild.caption_track import Overlay
from storybuild.media import run_ffmpeg

LEAD_IN = 0.3  # seconds of silence before the narration in each scene
TAIL = 0.7  # seconds after the narration before the next scene

# Ken Burns range: 8% zoom is visible but never crops a face in half.
ZOOM = 1.08
# Fraction of the largest pan that keeps the view inside the picture.
PAN = 0.9
AUDIO_BITRATE = "96k"
MUSIC_FADE = 1.5  # seconds of fade-out at the end of background music


def clip_frame_count(voice_seconds: float, floor: float | None, fps: int) -> int:
    """Frames in a scene's clip: lead-in + narration + tail, at least `floor` seconds.

    The small epsilon keeps float noise (3.0000000000000004 * 24) from adding a frame.
    """
    seconds = max(LEAD_IN + voice_seconds + TAIL, floor or 0.0)
    return max(1, math.ceil(seconds * fps - 1e-9))


@dataclass(frozen=True)
class KenBurns:
    """A linear zoom from zoom_start to zoom_end (both >= 1) while the view's centre
    moves towards (dx, dy) in [-1, 1]: +-1 reaches the picture's edge at the larger
    zoom. The visible rectangle always stays inside the picture."""

    zoom_start: float
    zoom_end: float
    dx: float
    dy: float

    @classmethod
    def from_seed(cls, seed: str) -> "KenBurns":
        """A deterministic choice among 8 pan directions x zoom in/out."""
        digest = hashlib.sha256(seed.encode("utf-8")).digest()
        angle = (digest[0] % 8) * math.pi / 4
        dx, dy = round(PAN * math.cos(angle), 4), round(PAN * math.sin(angle), 4)
        if digest[1] % 2:
            return cls(1.0, ZOOM, dx, dy)
        return cls(ZOOM, 1.0, dx, dy)

    def perspective(self, frames: int) -> str:
        """An ffmpeg `perspective` filter doing this move over `frames` frames.

        The source rectangle is W/z by H/z with its top-left corner at
        W/2 * (1+dx) * (1-1/z); perspective resamples with sub-pixel precision
        per frame (eval=frame), unlike zoompan, whose integer crop makes the
        picture shake. Expressions avoid commas so they need no escaping."""
        step = (self.zoom_end - self.zoom_start) / max(frames - 1, 1)
        zoom = f"({self.zoom_start!r}+{step!r}*(on-1))"
        x0 = f"(W/2*{1 + self.dx!r}*(1-1/{zoom}))"
        y0 = f"(H/2*{1 + self.dy!r}*(1-1/{zoom}))"
        x1, y2 = f"{x0}+W/{zoom}", f"{y0}+H/{zoom}"
        corners = {"x0": x0, "y0": y0, "x1": x1, "y1": y0, "x2": x0, "y2": y2, "x3": x1, "y3": y2}
        options = ":".join(f"{name}='{expr}'" for name, expr in corners.items())
        return f"perspective={options}:interpolation=linear:eval=frame"


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
    captions: Overlay | None,
    motion: bool,
    motion_seed: str,
) -> None:
    """Write a video-only H.264 MP4 of exactly `frames` frames at width x height.

    The image (any size) is cover-fitted with Pillow, decoded once by ffmpeg and
    repeated with the `loop` filter. The captions' states (see caption_track) come
    in as a second input, a concat list of small images, overlaid after the motion
    so the text stays still. The file appears at `out` only when complete.
    """
    if width % 2 or height % 2 or width <= 0 or height <= 0:
        raise ValueError(f"clip size must be positive and even, got {width}x{height}")
    if frames < 1 or fps < 1:
        raise ValueError(f"frames and fps must be >= 1, got {frames} and {fps}")
    out = Path(out)
    with tempfile.TemporaryDirectory(prefix=f".{out.name}.", dir=out.parent) as tmp:
        background = Path(tmp, "background.png")
        fit_image(Path(image), width, height).save(background, compress_level=1)
        repeat = f"loop=loop={frames - 1}:size=1:start=0,setpts=N/{fps}/TB"
        inputs = ["-framerate", str(fps), "-i", str(background)]
        graph = f"[0:v]format=yuv420p,{repeat}"
        if motion:
            graph += "," + KenBurns.from_seed(motion_seed).perspective(frames)
        if captions is not None and any(state.image is not None for state in captions.states):
            from storybuild.caption_track import write_concat

            inputs += ["-f", "concat", "-safe", "0", "-i", str(write_concat(captions, Path(tmp), fps))]
            graph += f"[m];[m][1:v]overlay={captions.x}:{captions.y}:format=yuv420:eof_action=repeat"
        graph += ",setsar=1[v]"
        partial = Path(tmp, "clip.mp4")
        args = ["-y", *inputs, "-filter_complex", graph, "-map", "[v]", *encoder_args(fps, frames)]
        run_ffmpeg([*args, "-f", "mp4", str(partial)], f"rendering clip {out.name}")
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
