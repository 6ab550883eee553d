"""Writes lullaby.m4a beside this file: a 16-second music-box lullaby in stereo
(melody a little left, chords a little right), made from sine tones so the example
ships music with no licence question. Run it to make the file again:

    python examples/moonlight-lantern-parade/music/make_lullaby.py
"""

from __future__ import annotations

import subprocess
import wave
from pathlib import Path

import imageio_ffmpeg
import numpy as np

RATE = 48000
BEAT = 0.5  # seconds: 120 beats a minute, 32 beats
MELODY = [76, 79, 81, 79, 76, 74, 72, 74, 76, 79, 76, 74, 72, 71, 72, -1,
          74, 76, 77, 76, 74, 72, 71, 72, 74, 76, 74, 72, 71, 69, 71, 72]  # MIDI notes, -1 a rest
CHORDS = [(48, 55, 64), (53, 57, 65), (55, 59, 62), (48, 55, 64)]  # C, F, G, C: 8 beats each


def tone(note: int, seconds: float, volume: float) -> np.ndarray:
    """A music-box note: a sine with a soft octave overtone and a bell-like decay."""
    t = np.arange(int(seconds * RATE)) / RATE
    freq = 440.0 * 2 ** ((note - 69) / 12)
    envelope = np.minimum(t / 0.01, 1.0) * np.exp(-3.0 * t)
    return volume * envelope * (np.sin(2 * np.pi * freq * t) + 0.3 * np.sin(4 * np.pi * freq * t))


def main() -> None:
    total = int(len(MELODY) * BEAT * RATE)
    left, right = np.zeros(total), np.zeros(total)
    for index, note in enumerate(MELODY):
        if note < 0:
            continue
        part = tone(note, BEAT * 2, 0.22)
        start = int(index * BEAT * RATE)
        end = min(total, start + len(part))
        left[start:end] += 0.7 * part[: end - start]
        right[start:end] += 0.3 * part[: end - start]
    for index, chord in enumerate(CHORDS):
        for beat in range(0, 8, 2):
            start = int((index * 8 + beat) * BEAT * RATE)
            for note in chord:
                part = tone(note, BEAT * 2, 0.08)
                end = min(total, start + len(part))
                left[start:end] += 0.35 * part[: end - start]
                right[start:end] += 0.65 * part[: end - start]
    stereo = np.stack([left, right], axis=1)
    stereo /= np.abs(stereo).max() / 0.7
    here = Path(__file__).resolve().parent
    pcm = here / "lullaby.wav"
    with wave.open(str(pcm), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes((stereo * 32767).astype("<i2").tobytes())
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", "-i", str(pcm), "-c:a", "aac",
                    "-b:a", "96k", "-fflags", "+bitexact", "-map_metadata", "-1", str(here / "lullaby.m4a")],
                   check=True)
    pcm.unlink()


if __name__ == "__main__":
    main()
