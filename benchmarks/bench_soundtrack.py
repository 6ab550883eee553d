"""Benchmark the mastered soundtrack against today's audio path of the final join.

An 80 s, 12-voice timeline laid out as the 12-scene example's (each voice 0.3 s into
its clip, clip lengths from timeline.scene_timing at 24 fps), rendered:
  - the old way (the code before the soundtrack, kept below): one ffmpeg run, mono
    24 kHz, sidechain ducking, AAC 96k with the fast coder (audio only, no video);
  - storybuild.soundtrack.render_soundtrack: 48 kHz stereo, mastered to -16 LUFS;
    and as the render step calls it (no loudness report), with one AAC encoder and
    with the parallel parts it uses (storybuild.aac_parts),
with and without music, each ONCE, side by side in this run (these machines are
noisy: figures from different runs do not compare). Times are wall seconds and the
CPU seconds of the ffmpeg processes; the loudness of each output is measured with
ebur128.

    python benchmarks/bench_soundtrack.py                  # synthetic speech
    python benchmarks/bench_soundtrack.py --voices DIR     # WAVs in DIR (sorted),
        e.g. the piper voices of a rendered example: examples/x/build/scenes/*/voice.wav
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from soundgen import speech_like, write_wav  # noqa: E402 - test helpers live in tests/

from storybuild import timeline  # noqa: E402
from storybuild.aac_parts import MAX_PARTS  # noqa: E402
from storybuild.media import run_ffmpeg, wav_duration  # noqa: E402
from storybuild.soundtrack import measure_loudness, render_soundtrack  # noqa: E402

FPS, RATE, OLD_RATE = 24, 48000, 24000


def child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(work) -> tuple[float, float]:
    """(wall s, child CPU s) of work()."""
    cpu, wall = child_cpu(), time.perf_counter()
    work()
    return time.perf_counter() - wall, child_cpu() - cpu


def make_inputs(folder: Path, voices_dir: Path | None) -> tuple[list[Path], Path]:
    """12 voices (given, or synthetic speech of 5-6 s at 22050 Hz) and 30 s of stereo
    'music' (a chord per channel plus a pink-noise shaker) as MP3."""
    if voices_dir:
        voices = sorted(Path(voices_dir).glob("**/*.wav"))
    else:
        voices = [write_wav(folder / f"voice{i:02d}.wav", speech_like(5.0 + (i % 3) * 0.4, 22050, i), 22050)
                  for i in range(12)]  # fmt: skip
    music = folder / "music.mp3"
    chord = "0.2*sin(2*PI*220*t)*(0.6+0.4*sin(2*PI*2*t))+0.1*sin(2*PI*330*t)|0.2*sin(2*PI*277*t)+0.1*sin(2*PI*415*t)"
    noise = "anoisesrc=c=pink:a=0.05:r=44100:d=30"
    shaker = "[1]volume='0.3+0.7*gt(mod(t,0.5),0.4)':eval=frame,aformat=channel_layouts=stereo[n];[0][n]amix=normalize=0"
    run_ffmpeg(
        ["-y", "-f", "lavfi", "-i", f"aevalsrc={chord}:s=44100:d=30", "-f", "lavfi", "-i", noise,
         "-filter_complex", shaker, "-c:a", "libmp3lame", "-b:a", "192k", str(music)], "making music",
    )  # fmt: skip
    return voices, music


# -- the baseline: the audio half of the final join before the mastered soundtrack ---------
# (storybuild/compose.py at 3e2222c, kept here verbatim so the comparison stays runnable)
LEAD_IN, MUSIC_FADE = 0.3, 1.5


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


def old_way(voices, frames, music, out: Path) -> None:
    """The audio half of compose.assemble_video as it was before the soundtrack."""
    counts = audio_sample_counts(frames, FPS, OLD_RATE)
    args = ["-y"] + [arg for voice in voices for arg in ("-i", str(voice))]
    graph, label = narration_graph(counts, OLD_RATE, 0), "[a]"
    if music:
        args += ["-stream_loop", "-1", "-i", str(music)]
        graph, label = graph + music_graph(len(voices), sum(counts), OLD_RATE, 0.15), "[mix]"
    args += ["-filter_complex", graph, "-map", label, "-c:a", "aac", "-aac_coder", "fast", "-b:a", "96k"]
    run_ffmpeg([*args, "-ar", str(OLD_RATE), "-ac", "1", "-f", "mp4", str(out)], "old audio")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--voices", type=Path, help="folder of voice WAVs (default: synthetic speech)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-soundtrack-") as tmp:
        voices, music = make_inputs(Path(tmp), options.voices)
        frames = [timeline.scene_timing(wav_duration(voice), None, 0, 0, FPS).frames for voice in voices]
        placements, first = [], 0
        for voice, count in zip(voices, frames):
            start = first * RATE // FPS + round(timeline.LEAD_IN * RATE)
            placements.append((voice, start, (first + count) * RATE // FPS - start))
            first += count
        total = first * RATE // FPS
        print(f"load average at start: {os.getloadavg()[0]:.2f}; {len(voices)} voices, {total / RATE:.1f} s")
        print("| audio of the final video | music | wall s | ffmpeg CPU s | LUFS | dBTP | rate, channels |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        for with_music in (False, True):
            old, new = Path(tmp, f"old{with_music}.m4a"), Path(tmp, f"new{with_music}.m4a")
            song = music if with_music else None
            rows = [
                ("before: mono 24 kHz, sidechain duck", old, timed(lambda: old_way(voices, frames, song, old))),
                ("render_soundtrack: 48 kHz stereo, mastered", new,
                 timed(lambda: render_soundtrack(placements, total, new, music=song, fade_in=0.5, fade_out=1.0))),
            ]  # fmt: skip
            # As the render calls it (no report measured), with one AAC encoder and with
            # the parts it uses (storybuild.aac_parts): the step's latency on an idle machine.
            for encoders in (1, MAX_PARTS):
                out = Path(tmp, f"render{with_music}{encoders}.m4a")
                rows.append((f"  as the render step, {encoders} AAC encoder(s)", out, timed(
                    lambda: render_soundtrack(placements, total, out, music=song, fade_in=0.5, fade_out=1.0,
                                              measure=False, encoders=encoders))))
            for name, path, (wall, cpu) in rows:
                lufs, peak, rate, channels = measure_loudness(path)
                cells = [name, "yes" if with_music else "no", f"{wall:.2f}", f"{cpu:.2f}", lufs, peak, f"{rate}, {channels}"]
                print("| " + " | ".join(str(cell) for cell in cells) + " |")
        print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
