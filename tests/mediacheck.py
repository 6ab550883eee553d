"""Decode-based checks of rendered media, with PyAV and numpy (test-only helpers).

Everything here decodes the actual streams instead of trusting container headers,
because the bugs worth catching (a missing frame, audio drifting at a seam, a
silent track) are exactly the ones headers hide.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np


def probe(path: Path | str) -> dict:
    """Facts about a media file. Keys: duration (container, s), width, height,
    pix_fmt, fps (float), frames (decoded video frames), video_duration (frames/fps),
    sample_rate, channels, audio_duration (decoded samples / rate), audio_rms
    (0..1 over all samples). Video or audio keys are None when the stream is absent."""
    facts: dict = dict.fromkeys(
        ["width", "height", "pix_fmt", "fps", "frames", "video_duration", "codec",
         "sample_rate", "channels", "audio_duration", "audio_rms", "audio_codec"]
    )  # fmt: skip
    with av.open(str(path)) as container:
        facts["duration"] = container.duration / 1_000_000 if container.duration else None
        if container.streams.video:
            stream = container.streams.video[0]
            ctx = stream.codec_context
            facts.update(width=ctx.width, height=ctx.height, pix_fmt=ctx.format.name, codec=ctx.name)
            facts["fps"] = float(stream.average_rate) if stream.average_rate else None
            facts["frames"] = sum(1 for _ in container.decode(stream))
            if facts["fps"]:
                facts["video_duration"] = facts["frames"] / facts["fps"]
    samples, rate = audio_samples(path)
    if samples is not None:
        with av.open(str(path)) as container:
            ctx = container.streams.audio[0].codec_context
            facts.update(channels=ctx.channels, audio_codec=ctx.name)
        facts.update(sample_rate=rate, audio_duration=len(samples) / rate)
        facts["audio_rms"] = float(np.sqrt(np.mean(samples**2))) if len(samples) else 0.0
    return facts


def audio_samples(path: Path | str) -> tuple[np.ndarray | None, int | None]:
    """The first audio stream decoded to mono float32 in [-1, 1], and its rate.
    Sample 0 is the stream's first presented sample (encoder priming removed)."""
    with av.open(str(path)) as container:
        if not container.streams.audio:
            return None, None
        stream = container.streams.audio[0]
        rate = stream.codec_context.sample_rate
        resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
        chunks = []
        for frame in container.decode(stream):
            for converted in resampler.resample(frame):
                chunks.append(converted.to_ndarray().reshape(-1))
        for converted in resampler.resample(None):
            chunks.append(converted.to_ndarray().reshape(-1))
    samples = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
    return samples.astype(np.float64), rate


def audio_rms_between(path: Path | str, t0: float, t1: float) -> float:
    """RMS (0..1) of the decoded audio between t0 and t1 seconds."""
    samples, rate = audio_samples(path)
    if samples is None:
        raise ValueError(f"{path} has no audio stream")
    window = samples[int(round(t0 * rate)) : int(round(t1 * rate))]
    return float(np.sqrt(np.mean(window**2))) if len(window) else 0.0


def frame_means(path: Path | str) -> np.ndarray:
    """Mean RGB (0..255) of every decoded video frame, shape (frames, 3)."""
    means = []
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            means.append(frame.to_ndarray(format="rgb24").reshape(-1, 3).mean(axis=0))
    return np.array(means)


def video_cuts(path: Path | str, min_jump: float = 30.0) -> list[int]:
    """Frame indexes where the picture changes abruptly (mean colour distance to the
    previous frame > min_jump), plus frame 0: the first frames of scenes whose
    pictures are distinct flat colours."""
    means = frame_means(path)
    jumps = np.linalg.norm(np.diff(means, axis=0), axis=1)
    return [0] + [int(i) + 1 for i in np.flatnonzero(jumps > min_jump)]


def audio_onsets(path: Path | str, threshold: float = 0.1, min_gap: float = 0.1) -> list[float]:
    """Times (s) where |audio| first exceeds threshold after at least min_gap
    seconds below it: the starts of clicks or tone bursts."""
    samples, rate = audio_samples(path)
    loud = np.flatnonzero(np.abs(samples) > threshold)
    if not len(loud):
        return []
    starts = [loud[0]] + [b for a, b in zip(loud[:-1], loud[1:]) if b - a > min_gap * rate]
    return [float(s) / rate for s in starts]


@dataclass(frozen=True)
class Seam:
    """One scene start: the video cut time, the first audio onset after it, and
    offset = onset - cut - lead_in (0 means perfectly in sync)."""

    cut: float
    onset: float | None
    offset: float | None


def seam_offsets(path: Path | str, *, lead_in: float, fps: float | None = None, threshold: float = 0.1) -> list[Seam]:
    """A/V sync at each scene start, for test videos whose scenes are flat, distinct
    colours and whose voices start with a loud onset at their first sample: the onset
    should come lead_in seconds after the cut."""
    if fps is None:
        fps = probe(path)["fps"]
    cuts = [index / fps for index in video_cuts(path)]
    onsets = audio_onsets(path, threshold)
    seams = []
    for index, cut in enumerate(cuts):
        limit = cuts[index + 1] if index + 1 < len(cuts) else float("inf")
        after = [t for t in onsets if cut <= t < limit]
        onset = after[0] if after else None
        seams.append(Seam(cut, onset, None if onset is None else onset - cut - lead_in))
    return seams


def blob_track(path: Path | str, start: tuple[float, float], radius: int = 40, floor: float = 60.0) -> np.ndarray:
    """Sub-pixel position (x, y) of a bright blob in every frame, shape (frames, 2):
    the brightness-weighted centroid in a window that follows the blob. Used to
    check that motion is smooth (no integer-rounding shake)."""
    cx, cy = start
    track = []
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            gray = frame.to_ndarray(format="gray").astype(np.float64)
            x0, y0 = int(round(cx)) - radius, int(round(cy)) - radius
            window = np.clip(gray[y0 : y0 + 2 * radius, x0 : x0 + 2 * radius] - floor, 0, None)
            ys, xs = np.mgrid[0 : window.shape[0], 0 : window.shape[1]]
            cx = float((window * xs).sum() / window.sum()) + x0
            cy = float((window * ys).sum() / window.sum()) + y0
            track.append((cx, cy))
    return np.array(track)


def mean_pitch(path: Path | str, low: float = 60.0, high: float = 500.0) -> float:
    """The median fundamental frequency (Hz) of the voiced 30 ms frames of a WAV, by
    YIN (de Cheveigne and Kawahara, 2002): the first lag whose cumulative-mean-
    normalised difference falls under 0.15, taken at its local minimum. Unlike a
    plain autocorrelation peak, it does not jump an octave on low voices."""
    import wave

    with wave.open(str(path)) as handle:
        rate = handle.getframerate()
        data = np.frombuffer(handle.readframes(handle.getnframes()), "<i2")[::handle.getnchannels()]
    samples = data.astype(np.float64) / 32768.0
    window, longest, shortest = int(0.03 * rate), int(rate / low), int(rate / high)
    floor = 0.3 * np.sqrt(np.mean(samples**2))
    found = []
    for start in range(0, len(samples) - window - longest, window // 2):
        frame = samples[start:start + window + longest]
        if np.sqrt(np.mean(frame[:window] ** 2)) < floor:
            continue  # a pause or a breath, not a voiced sound
        lag = _yin_lag(frame, window, shortest, longest)
        if lag:
            found.append(rate / lag)
    if not found:
        raise ValueError(f"{path}: no voiced frames")
    return float(np.median(found))


def _yin_lag(frame: np.ndarray, window: int, shortest: int, longest: int) -> int | None:
    """The period in samples of `frame[:window]` (YIN), or None when it is not voiced."""
    squares = np.concatenate([[0.0], np.cumsum(frame**2)])
    lags = np.arange(1, longest + 1)
    cross = np.correlate(frame, frame[:window], "valid")[1:longest + 1]
    difference = squares[window] + squares[lags + window] - squares[lags] - 2 * cross
    normalised = difference * lags / np.maximum(np.cumsum(difference), 1e-12)
    below = np.flatnonzero(normalised[shortest - 1:] < 0.15)
    if not len(below):
        return None
    index = shortest - 1 + int(below[0])
    while index + 1 < len(normalised) and normalised[index + 1] < normalised[index]:
        index += 1
    return index + 1
