"""The mastered soundtrack: narration placed sample-exactly, music ducked, loudness set.

`render_soundtrack` writes an .m4a (AAC-LC, stereo, 48 kHz by default) that decodes
to exactly `total_samples` samples: each voice starts at its placement's sample and is
cut to its allowance, so the file can be muxed with `-c:a copy` next to a `-c:v copy`
joined video and every seam stays in sync (the AAC priming is hidden by the MP4 edit
list; the last packet's duration trims the tail).

Two ffmpeg passes, and the voices and music are decoded and resampled only once:
  1. mix: voices placed (mono, centred in both channels), music (decoded once to raw
     PCM beforehand, so its loops join sample for sample) looped in stereo under
     them with a gain envelope built from the known speech spans (no sidechain
     compressor, so nothing pumps), written as raw float PCM while ebur128 measures
     its integrated loudness and sample peak;
  2. master: one linear gain to the target loudness, a lookahead limiter under the
     true-peak ceiling, the fades of the whole mix, and the AAC encode.
When the limiter has work to do (the gained sample peak is over its ceiling by more
than a dB), a cheap measuring run of pass 2 without the encoder (usually one, at most
MAX_MEASURES) corrects the gain for the loudness the limiter took away, so quiet and
loud inputs both land within a few tenths of a LU.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from storybuild import aac_parts
from storybuild.errors import ProviderError
from storybuild.media import run_ffmpeg, run_ffmpeg_log, wav_duration

# ffmpeg's AAC-LC in quality mode with the fast coder: about 115 kb/s for narration and
# 160 kb/s with music, in 0.5 s of CPU for 80 s of stereo. Measured on that soundtrack:
# `-b:a 160k` costs 1.0 s (fast coder) or 1.8-2.1 s (twoloop) for the same material.
ENCODER_OPTIONS = ["-aac_coder", "fast", "-q:a", "2"]
DUCK_RAMP = 0.4  # seconds the music takes to go down before speech and back up after it
DUCK_HOLD = 2.5  # speech spans closer than this (s) share one duck: no swell in between
MUSIC_FADE = 1.5  # seconds of music fade-out at the very end
# The music is kept decoded as 16-bit PCM at half its level: a decode's peaks over full
# scale (MP3 and AAC overshoot) are kept, and 16 bits at -6 dB are still far below what a
# bed under narration lets anyone hear. At most MUSIC_SECONDS of it (a longer film loops
# them): 20 minutes are 230 MB, and a film is rarely that long.
MUSIC_HEADROOM = 0.5
MUSIC_SECONDS = 20 * 60
ENVELOPE_STEP = 0.01  # seconds per music gain step (volume is evaluated per frame)
# The limiter works on samples; inter-sample peaks and the AAC encode add to them
# (measured +0.0 to +0.1 dB on narration, more is possible with sharp transients in
# music), so its ceiling sits this far under the true-peak target.
LIMITER_MARGIN_DB = 1.0
SILENCE_LUFS = -70.0  # ebur128's answer when everything is gated out
# Corrections smaller than this are not worth another measuring run.
LOUDNESS_TOLERANCE = 0.2
MAX_MEASURES = 3  # measuring runs of the limited mix at most (each ~0.13 s for 80 s)
SMALL_MISS = 1.0  # LU; a miss this small is corrected without measuring again
# dB of loudness per dB of gain once the limiter works: measured 0.71 on the piper
# narration of the 12-scene example at -16 LUFS; 0.3 when limiting ~6 dB.
LIMITED_SLOPE = 0.7


@dataclass(frozen=True)
class SoundtrackReport:
    """What render_soundtrack wrote and measured. Loudness and true peak are measured
    by ebur128 on the mastered PCM the encoder received (measuring the written file
    gave the same loudness and a true peak within 0.2 dB); `passes` counts ffmpeg runs
    (2, plus the measuring runs the limiter needed); `render_seconds` is wall time."""

    integrated_lufs: float | None  # None when render_soundtrack was asked not to measure
    true_peak_dbtp: float | None
    gain_db: float
    samples: int
    sample_rate: int
    render_seconds: float
    passes: int

    @property
    def duration(self) -> float:
        """Length of the soundtrack in seconds."""
        return self.samples / self.sample_rate


@dataclass(frozen=True)
class _Measure:
    """One ebur128 summary: integrated loudness (LUFS) and a peak (dBFS)."""

    integrated: float
    peak: float  # dBFS (sample peak or true peak, whichever was asked for)


Placement = tuple[Path | str, int, int]  # (voice WAV, start sample, max samples)


def render_soundtrack(
    placements: Iterable[Placement], total_samples: int, out: Path, *, sample_rate: int = 48000,
    music: Path | None = None, music_pcm: Path | None = None, music_volume: float = 0.15, duck_db: float = -12.0,
    speech_spans: Iterable[tuple[int, int]] | None = None, loudness: float = -16.0, true_peak: float = -1.5,
    fade_in: float = 0.0, fade_out: float = 0.0, measure: bool = True, encoders: int | None = None,
) -> SoundtrackReport:  # fmt: skip
    """Write `out` (.m4a, AAC-LC stereo at sample_rate) of exactly total_samples samples.

    placements: (wav_path, start_sample, max_samples) per voice, not overlapping
    (start + max_samples <= the next start); each voice (any rate, layout, sample
    format) starts at start_sample and is cut to max_samples; silence elsewhere.
    music (optional: any audio file, or music_pcm, one decode_music already wrote)
    loops under everything at music_volume, duck_db lower during
    speech_spans ((start, end) samples; by default each placed voice's extent), held
    down across gaps shorter than DUCK_HOLD, faded out over the last MUSIC_FADE s.
    The mix is normalised to `loudness` LUFS integrated with peaks limited under
    `true_peak` dBTP, then faded in and out over fade_in / fade_out seconds.
    With `measure` false, the finished sound's loudness and true peak are not measured
    (about 0.15 s sooner for 80 s: the render does not need them), and the AAC
    encode runs in `encoders` parts at once (None: aac_parts.MAX_PARTS), each part at
    least aac_parts.MIN_PART seconds long.
    The file appears at `out` only when complete.
    """
    started = time.perf_counter()
    voices = _check_placements(placements, total_samples, sample_rate)
    if speech_spans is None:
        speech_spans = _voice_spans(voices, sample_rate)
    out = Path(out)
    with tempfile.TemporaryDirectory(prefix=f".{out.name}.", dir=out.parent) as tmp:
        mix = Path(tmp, "mix.f32")
        if music is not None and music_pcm is None:
            decode_music(music, sample_rate, Path(tmp, "music.pcm"))
            music_pcm = Path(tmp, "music.pcm")
        raw = _mix_pass(voices, total_samples, sample_rate, music_pcm, music_volume, duck_db, speech_spans, mix)
        master = _Master(mix, total_samples, sample_rate, true_peak - LIMITER_MARGIN_DB, fade_in, fade_out, encoders)
        gain, measures = _fit_gain(master, raw, loudness)
        partial = Path(tmp, "soundtrack.m4a")
        final = master.encode(gain, partial, measure)
        os.replace(partial, out)
    return SoundtrackReport(
        integrated_lufs=final and final.integrated, true_peak_dbtp=final and final.peak, gain_db=round(gain, 2),
        samples=total_samples, sample_rate=sample_rate,
        render_seconds=time.perf_counter() - started, passes=2 + measures,
    )  # fmt: skip


def _loudness_gain(measured: _Measure, target: float) -> float:
    """dB to add to reach `target`; none for silence (there is nothing to normalise)."""
    if measured.integrated <= SILENCE_LUFS:
        return 0.0
    return target - measured.integrated


def _fit_gain(master: "_Master", raw: _Measure, target: float) -> tuple[float, int]:
    """(gain dB, measuring runs): the gain that brings the mastered mix to `target`.
    The plain answer is target - loudness; the limiter then takes some loudness away
    (more the harder it works), so while it has work to do, measure the limited mix
    and step along the gain-to-loudness slope (guessed, then secant). A miss of at
    most SMALL_MISS LU is corrected without measuring again: the step's error is the
    miss times the slope's error, a few tenths of a LU at worst."""
    gain = _loudness_gain(raw, target)
    # Limiting a few peaks by under a dB moves the loudness by hundredths of a LU.
    if raw.integrated <= SILENCE_LUFS or raw.peak + gain <= master.ceiling_db + 1.0:
        return gain, 0
    previous, slope = None, LIMITED_SLOPE
    for runs in range(1, MAX_MEASURES + 1):
        loudness = master.measure(gain).integrated
        miss = target - loudness
        if abs(miss) <= LOUDNESS_TOLERANCE:
            break
        if previous is not None and gain != previous[0]:
            slope = min(1.0, max(0.2, (loudness - previous[1]) / (gain - previous[0])))
        previous, gain = (gain, loudness), gain + miss / slope
        if abs(miss) <= SMALL_MISS:
            break
    return gain, runs


def _check_placements(placements, total_samples: int, sample_rate: int) -> list[tuple[Path, int, int]]:
    """The placements as (path, start, max_samples) sorted by start; ValueError when
    they overlap or are out of range, naming the offending voice."""
    if total_samples < 1 or sample_rate < 1:
        raise ValueError(f"total_samples and sample_rate must be >= 1, got {total_samples} and {sample_rate}")
    voices = sorted(((Path(path), int(start), int(length)) for path, start, length in placements), key=lambda v: v[1])
    previous_end, previous = 0, None
    for path, start, length in voices:
        if start < 0 or length < 1:
            raise ValueError(f"placement of {path.name} needs start >= 0 and max_samples >= 1, got {start}, {length}")
        if start < previous_end:
            raise ValueError(
                f"placements overlap: {path.name} starts at sample {start}, before {previous} ends at {previous_end}"
            )
        previous_end, previous = start + length, path.name
    return voices


def _voice_spans(voices, sample_rate: int) -> list[tuple[int, int]]:
    """Where speech is: each voice's placed extent (its length, cut to its allowance)."""
    return [(start, start + min(length, math.ceil(wav_duration(path) * sample_rate))) for path, start, length in voices]


def duck_regions(spans, sample_rate: int, hold: float = DUCK_HOLD) -> list[tuple[float, float]]:
    """Speech spans (samples) as sorted, merged (start, end) regions in seconds: spans
    that overlap or are less than `hold` seconds apart become one region, so the
    music stays down between one scene's words and the next scene's."""
    regions: list[list[float]] = []
    for start, end in sorted((int(a), int(b)) for a, b in spans if int(b) > int(a)):
        a, b = start / sample_rate, end / sample_rate
        if regions and a - regions[-1][1] < hold:
            regions[-1][1] = max(regions[-1][1], b)
        else:
            regions.append([a, b])
    return [(a, b) for a, b in regions]


def music_gain_expr(regions, duration: float, volume: float, duck_db: float, ramp: float = DUCK_RAMP) -> str:
    """An ffmpeg expression of t (seconds) for the music's gain: `volume`, lowered by
    duck_db inside each region with ramps linear in dB (down over the `ramp` seconds
    before the region starts, up over the `ramp` seconds after it ends), and a fade to
    silence over the last MUSIC_FADE seconds. Regions are at least 2*ramp apart
    (duck_regions), so their ramps never overlap and the sum of their terms is <= 1."""
    terms = [f"min(clip((t-{a - ramp:.4f})/{ramp},0,1),clip(({b + ramp:.4f}-t)/{ramp},0,1))" for a, b in regions]
    depth = "+".join(terms) if terms else "0"
    fade = min(MUSIC_FADE, duration / 2)
    return f"{volume!r}*pow(10,{duck_db!r}*({depth})/20)*clip(({duration:.6f}-t)/{fade:.6f},0,1)"


def _mix_pass(voices, total, rate, music, volume, duck_db, spans, mix: Path) -> _Measure:
    """Pass 1: the unmastered stereo mix as raw f32le at `rate`, exactly `total`
    samples long; returns its integrated loudness and sample peak."""
    args = ["-y"]
    for path, _, _ in voices:
        args += ["-i", str(path.resolve())]
    graph = _narration_graph(voices, total, rate) + ",pan=stereo|c0=c0|c1=c0"
    if music is not None:
        args += ["-stream_loop", "-1", *_raw_stereo(music, rate, "s16le")]
        gain = music_gain_expr(duck_regions(spans, rate), total / rate, volume / MUSIC_HEADROOM, duck_db)
        step = max(1, round(rate * ENVELOPE_STEP))
        graph += (
            f"[voice];[{len(voices)}:a]aformat=sample_fmts=fltp:channel_layouts=stereo,"
            f"atrim=end_sample={total},asetpts=N/SR/TB,asetnsamples=n={step}:p=0,"
            f"volume='{gain}':eval=frame[bed];[voice][bed]amix=inputs=2:duration=first:normalize=0"
        )
    graph += ",ebur128=peak=sample:framelog=quiet[mix]"
    args += ["-filter_complex", graph, "-map", "[mix]", "-c:a", "pcm_f32le", "-f", "f32le", str(mix)]
    return _parse_summary(run_ffmpeg_log(args, "mixing the soundtrack"), "Sample peak")


def decode_music(music: Path, rate: int, out: Path) -> None:
    """Write `out`: the music decoded once, as raw stereo s16le PCM at `rate`, at
    MUSIC_HEADROOM of its level and at most MUSIC_SECONDS long, for the mix to loop
    (render_soundtrack's `music_pcm`). A raw file loops sample for sample. Looping the
    coded file itself does not: ffmpeg's -stream_loop restarts the decoder at every
    loop, which then drops its priming again (measured on the AAC .m4a of an example:
    448 samples of silence, then a loop misaligned by a packet, at every loop point).
    ProviderError when the file holds no sound."""
    run_ffmpeg(["-y", "-i", str(Path(music).resolve()), "-map", "0:a:0", "-af",
                f"aresample={rate},aformat=sample_fmts=flt:channel_layouts=stereo,volume={MUSIC_HEADROOM},"
                f"atrim=end_sample={rate * MUSIC_SECONDS}", "-f", "s16le", str(out)],
               f"decoding the music {Path(music).name}")
    if out.stat().st_size < 4:  # and an empty raw file would loop forever
        raise ProviderError(f"the music file {Path(music).name} holds no sound")


def _raw_stereo(path: Path, rate: int, sample_format: str = "f32le") -> list[str]:
    """ffmpeg input arguments for a raw stereo file of `sample_format` at `rate`."""
    return ["-f", sample_format, "-ar", str(rate), "-ch_layout", "stereo", "-i", str(path)]


def _narration_graph(voices, total: int, rate: int) -> str:
    """filter_complex text (no output label) of the voices placed on one mono track of
    exactly `total` samples: voice i (input i) resampled once, cut to its allowance,
    delayed by the gap since the previous allowance ended; concat of the pieces."""
    if not voices:
        return f"anullsrc=r={rate}:cl=mono,atrim=end_sample={total}"
    parts, labels, previous_end = [], [], 0
    for index, (_, start, length) in enumerate(voices):
        piece = start + length - previous_end
        parts.append(
            f"[{index}:a]aresample={rate},aformat=sample_fmts=fltp:channel_layouts=mono,"
            f"atrim=end_sample={length},adelay=delays={start - previous_end}S:all=1,"
            f"apad=whole_len={piece},atrim=end_sample={piece},asetpts=N/SR/TB[p{index}]"
        )
        labels.append(f"[p{index}]")
        previous_end = start + length
    parts.append(
        f"{''.join(labels)}concat=n={len(labels)}:v=0:a=1,apad=whole_len={total},atrim=end_sample={total}"
    )
    return ";".join(parts)


@dataclass(frozen=True)
class _Master:
    """Pass 2 over the raw mix: gain, limiter, fades; measured, and encoded or not."""

    mix: Path
    total: int
    rate: int
    ceiling_db: float
    fade_in: float
    fade_out: float
    encoders: int | None = None  # AAC encoders at once (None: aac_parts.MAX_PARTS)

    def chain(self, gain_db: float, peak: str | None) -> str:
        """The mastering filter chain; the output is exactly `total` samples."""
        limit = min(1.0, 10 ** (self.ceiling_db / 20))
        chain = [
            f"volume={gain_db:.4f}dB",
            # level=0: no auto make-up gain; latency=1: no lookahead delay in the output.
            f"alimiter=limit={limit:.6f}:attack=5:release=80:level=0:latency=1",
        ]
        if self.fade_in > 0:
            chain.append(f"afade=t=in:ss=0:ns={min(self.total, round(self.fade_in * self.rate))}")
        if self.fade_out > 0:
            length = min(self.total, round(self.fade_out * self.rate))
            chain.append(f"afade=t=out:ss={self.total - length}:ns={length}")
        chain += [f"apad=whole_len={self.total}", f"atrim=end_sample={self.total}"]
        if peak is not None:  # ebur128 passes the samples through unchanged
            chain.append(f"ebur128=peak={peak}:framelog=quiet")
        return ",".join(chain)

    def _input(self) -> list[str]:
        return _raw_stereo(self.mix, self.rate)

    def measure(self, gain_db: float) -> _Measure:
        """Integrated loudness and sample peak of the mastered mix, nothing written."""
        args = [*self._input(), "-af", self.chain(gain_db, "sample"), "-f", "null", "-"]
        return _parse_summary(run_ffmpeg_log(args, "measuring the soundtrack"), "Sample peak")

    def encode(self, gain_db: float, out: Path, measure: bool = True) -> _Measure | None:
        """Write the mastered mix to `out` as AAC in MP4; its loudness and true peak
        (None without `measure`)."""
        parts = aac_parts.plan_parts(self.total, self.rate, self.encoders)
        if not measure and len(parts) > 1:  # a measured encode needs the whole sound in one ebur128
            aac_parts.encode_parts(parts, self.total, self.rate, ENCODER_OPTIONS, self._input(),
                                   self.chain(gain_db, None), out, out.parent)
            return None
        args = ["-y", *self._input(), "-af", self.chain(gain_db, "true" if measure else None)]
        args += ["-c:a", "aac", *ENCODER_OPTIONS, "-ar", str(self.rate), "-ac", "2"]
        args += ["-movflags", "+faststart", "-f", "mp4", str(out)]
        if not measure:
            run_ffmpeg(args, f"encoding {out.name}")
            return None
        return _parse_summary(run_ffmpeg_log(args, f"encoding {out.name}"), "True peak")


def mux(video: Path, sound: Path, out: Path) -> None:
    """Write `out` (MP4): the first video stream of `video` and the first audio stream
    of `sound` (a render_soundtrack .m4a), both copied, not re-encoded. The AAC edit
    list is kept, so the soundtrack's sample 0 plays with the first frame. The file
    appears at `out` only when complete."""
    out = Path(out)
    with tempfile.TemporaryDirectory(prefix=f".{out.name}.", dir=out.parent) as tmp:
        partial = Path(tmp, "muxed.mp4")
        args = ["-y", "-i", str(video), "-i", str(sound), "-map", "0:v:0", "-map", "1:a:0", "-c", "copy"]
        run_ffmpeg([*args, "-movflags", "+faststart", "-f", "mp4", str(partial)], f"muxing {out.name}")
        os.replace(partial, out)


def measure_loudness(path: Path | str) -> tuple[float, float, int, int]:
    """(integrated LUFS, true peak dBTP, sample rate, channels) of a media file's first
    audio stream, measured with the bundled ffmpeg's ebur128=peak=true (ITU-R BS.1770;
    -70.0 LUFS and -inf dBTP for silence)."""
    text = run_ffmpeg_log(
        ["-i", str(path), "-map", "0:a:0", "-af", "ebur128=peak=true:framelog=quiet", "-f", "null", "-"],
        f"measuring the loudness of {Path(path).name}",
    )
    found = re.search(r"Stream #0:\d+\S*: Audio: [^\n]*?(\d+) Hz, ([^,\n]+),", text)
    if not found:
        raise ValueError(f"no audio stream described in ffmpeg's output for {path}")
    measured = _parse_summary(text, "True peak")
    return measured.integrated, measured.peak, int(found.group(1)), _channel_count(found.group(2))


def _channel_count(layout: str) -> int:
    """Channels of an ffmpeg layout name as printed in a stream line ("stereo",
    "5.1(side)", "3 channels")."""
    name = layout.strip().split("(")[0]
    named = {"mono": 1, "stereo": 2, "2.1": 3, "3.0": 3, "quad": 4, "4.0": 4, "5.0": 5, "5.1": 6, "6.1": 7, "7.1": 8}
    if name in named:
        return named[name]
    count = re.match(r"(\d+) channels", name)
    if count:
        return int(count.group(1))
    raise ValueError(f"unknown channel layout {layout!r} in ffmpeg's output")


def _parse_summary(text: str, peak_block: str) -> _Measure:
    """Integrated loudness and the peak of `peak_block` ("Sample peak" or "True peak")
    from the last ebur128 summary in ffmpeg's log."""
    summary = text[text.rfind("Summary:") :]
    integrated = re.search(r"I:\s+(-?[\d.]+|-inf) LUFS", summary)
    peak = re.search(peak_block + r":\s+Peak:\s+(-?[\d.]+|-inf) dBFS", summary)
    if "Summary:" not in text or not integrated or not peak:
        raise ValueError("ebur128 printed no loudness summary")
    return _Measure(float(integrated.group(1)), float(peak.group(1)))
