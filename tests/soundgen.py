"""Test audio that behaves like the real thing, made in a few milliseconds (piper is
slow to load): speech-like voices at a chosen loudness, stereo music whose channels
differ, and sharp beeps to time. Plus exact decoding of what storybuild wrote.

Voices are syllables of a harmonic tone (f0 110-200 Hz, harmonics up to 3 kHz, a
formant-like boost) under a raised-cosine envelope, with short pauses between
syllables and longer ones between words: the crest factor and gating behaviour of
narration, with nothing above 3.2 kHz, so music placed at 5-6 kHz can be measured
separately under speech.
"""

from __future__ import annotations

import subprocess
import wave
from pathlib import Path

import numpy as np

from storybuild import media
from storybuild.soundtrack import measure_loudness

SPEECH_TOP_HZ = 3200.0
MUSIC_HZ = (5000.0, 6000.0)  # left and right tone of `stereo_music`


def speech_like(seconds: float, rate: int, seed: int) -> np.ndarray:
    """Mono float speech-like signal, RMS about 0.1 (before any level setting)."""
    rng = np.random.default_rng(seed)
    out = np.zeros(int(round(seconds * rate)))
    pos = 0.05
    while pos < seconds - 0.35:
        length = rng.uniform(0.12, 0.3)
        f0 = rng.uniform(110, 200)
        t = np.arange(int(length * rate)) / rate
        tone = sum(
            (1.6 if 3 <= k <= 5 else 1.0) / k * np.sin(2 * np.pi * f0 * k * t + rng.uniform(0, 6))
            for k in range(1, int(SPEECH_TOP_HZ // f0) + 1)
        )
        start = int(pos * rate)
        out[start : start + len(t)] += np.sin(np.pi * t / length) ** 2 * tone * rng.uniform(0.5, 1.0)
        pos += length + (rng.uniform(0.2, 0.4) if rng.random() < 0.25 else rng.uniform(0.02, 0.06))
    return out * 0.1 / np.sqrt(np.mean(out[out != 0] ** 2))


def write_wav(path: Path, samples: np.ndarray, rate: int, *, fmt: str = "s16") -> Path:
    """Write (n,) or (n, channels) float samples as a WAV: fmt "s16" (clipped to
    full scale) or "f32" (IEEE float, no clipping)."""
    data = samples.reshape(len(samples), -1)
    if fmt == "s16":
        with wave.open(str(path), "wb") as writer:
            writer.setnchannels(data.shape[1])
            writer.setsampwidth(2)
            writer.setframerate(rate)
            writer.writeframes((np.clip(data, -1, 1) * 32767).astype("<i2").tobytes())
        return path
    payload = data.astype("<f4").tobytes()
    channels = data.shape[1]
    header = b"RIFF" + (36 + len(payload)).to_bytes(4, "little") + b"WAVEfmt " + (16).to_bytes(4, "little")
    header += (3).to_bytes(2, "little") + channels.to_bytes(2, "little") + rate.to_bytes(4, "little")
    header += (rate * 4 * channels).to_bytes(4, "little") + (4 * channels).to_bytes(2, "little")
    header += (32).to_bytes(2, "little") + b"data" + len(payload).to_bytes(4, "little")
    path.write_bytes(header + payload)
    return path


def voice_at(path: Path, lufs: float, seconds: float, *, rate: int = 22050, seed: int = 0,
             fmt: str = "s16", channels: int = 1) -> Path:
    """A speech-like voice WAV whose integrated loudness is `lufs` (set by measuring
    with ebur128 and correcting once)."""
    mono = speech_like(seconds, rate, seed)
    samples = np.repeat(mono[:, None], channels, axis=1)
    write_wav(path, samples, rate, fmt=fmt)
    measured = measure_loudness(path)[0]
    return write_wav(path, samples * 10 ** ((lufs - measured) / 20), rate, fmt=fmt)


def stereo_music(path: Path, seconds: float = 3.0, rate: int = 44100, amplitude: float = 0.3) -> Path:
    """Stereo 'music': a steady MUSIC_HZ[0] tone left and MUSIC_HZ[1] right, so any
    change of level is the mix's doing. The tones complete whole cycles in `seconds`,
    so the loop has no click."""
    t = np.arange(int(seconds * rate)) / rate
    left = amplitude * np.sin(2 * np.pi * MUSIC_HZ[0] * t)
    right = amplitude * np.sin(2 * np.pi * MUSIC_HZ[1] * t)
    return write_wav(path, np.stack([left, right], axis=1), rate)


def beep(path: Path, rate: int, *, seconds: float = 0.08, freq: float = 1000.0, channels: int = 1,
         fmt: str = "s16") -> Path:
    """A tone at 0.5 of full scale that starts at its peak on sample 0 (a sharp onset)."""
    t = np.arange(int(round(seconds * rate))) / rate
    mono = 0.5 * np.cos(2 * np.pi * freq * t)
    return write_wav(path, np.repeat(mono[:, None], channels, axis=1), rate, fmt=fmt)


def decode(path: Path, channels: int = 2) -> np.ndarray:
    """The first audio stream decoded by the bundled ffmpeg to float (n, channels) at
    its own rate. ffmpeg applies the MP4 edit list and the last packet's duration, so
    n is the exact sample count a player (or a -c:a copy mux) sees."""
    raw = subprocess.run(
        [media.ffmpeg_exe(), "-v", "error", "-i", str(path), "-map", "0:a:0", "-f", "f32le", "-ac", str(channels), "-"],
        capture_output=True, check=True,
    ).stdout
    return np.frombuffer(raw, "<f4").reshape(-1, channels).astype(np.float64)


def tone_level_db(samples: np.ndarray, rate: int, freq: float, t0: float, t1: float) -> float:
    """Amplitude (dBFS) of the `freq` component of mono samples between t0 and t1 s,
    by correlation with a Hann-windowed complex tone (other components far away in
    frequency contribute nothing measurable)."""
    window = samples[int(t0 * rate) : int(t1 * rate)]
    t = np.arange(len(window)) / rate
    hann = np.hanning(len(window))
    amplitude = 2 * abs(np.sum(window * hann * np.exp(-2j * np.pi * freq * t))) / np.sum(hann)
    return 20 * np.log10(max(amplitude, 1e-12))
