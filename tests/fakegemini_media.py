"""The media the fake Gemini API answers with: real pictures, speech-length audio, MP4s.

Pictures are about 1 MP, as the real image models answer (1344x768 for 16:9), and are
PNGs of realistic weight (noise in the lower part keeps them from compressing to a
few kB). Speech lasts as long as a person takes to say the words (about 150 words a
minute). Videos are real H.264 MP4s made with the bundled ffmpeg.
"""

from __future__ import annotations

import hashlib
import io
import subprocess
import wave
from typing import Any

PCM_RATE = 24000
WORDS_PER_SECOND = 2.5  # about 150 words a minute, a calm reading pace
VIDEO_SIZES = {"16:9": (320, 180), "9:16": (180, 320)}  # small: the fake's clips only need to be real MP4s


def speech_seconds(text: str) -> float:
    """How long the fake speaks `text`: a short breath plus 2.5 words a second."""
    return round(0.3 + len(text.split()) / WORDS_PER_SECOND, 3)


def image_bytes(seed_text: str, size: tuple[int, int], fmt: str) -> tuple[str, bytes]:
    """A picture of `size` whose colours derive from `seed_text`, as (mime type, bytes)."""
    import numpy as np
    from PIL import Image

    width, height = size
    digest = hashlib.sha256(seed_text.encode()).digest()
    pixels = np.empty((height, width, 3), dtype=np.uint8)
    pixels[:] = np.array(list(digest[:3]), dtype=np.uint8)
    pixels[height // 4: height * 3 // 4, width // 4: width * 3 // 4] = np.array(list(digest[3:6]), dtype=np.uint8)
    rng = np.random.default_rng(int.from_bytes(digest[6:10], "big"))
    band = pixels[height * 3 // 4:]
    band[:] = np.clip(band.astype(np.int16) + rng.integers(-6, 7, band.shape), 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format={"png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}[fmt],
                                 **({"compress_level": 1} if fmt == "png" else {}))
    return f"image/{fmt}", buffer.getvalue()


def tone(seconds: float, pitch: float) -> bytes:
    """s16le mono PCM at 24 kHz: a sine of `pitch` Hz."""
    import numpy as np

    frames = round(seconds * PCM_RATE)
    return (0.3 * 32767 * np.sin(2 * np.pi * pitch * np.arange(frames) / PCM_RATE)).astype("<i2").tobytes()


def speech(lines: list[tuple[str, str]], fmt: str) -> tuple[str, bytes]:
    """(voice, words) lines spoken one after another, each voice at its own pitch, as
    raw PCM (audio/L16) or a WAV file (audio/wav)."""
    samples = b"".join(tone(speech_seconds(words), 140 + hashlib.sha256(voice.encode()).digest()[0])
                       for voice, words in lines)
    if fmt == "pcm":
        return f"audio/L16;codec=pcm;rate={PCM_RATE}", samples
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(PCM_RATE)
        writer.writeframes(samples)
    return "audio/wav", buffer.getvalue()


def video_bytes(aspect: str, seconds: int, fps: int = 24) -> bytes:
    """A real H.264 MP4 (yuv420p, video only) of `seconds`, a moving test pattern."""
    from imageio_ffmpeg import get_ffmpeg_exe

    width, height = VIDEO_SIZES.get(aspect, VIDEO_SIZES["16:9"])
    command = [get_ffmpeg_exe(), "-v", "error", "-f", "lavfi",
               "-i", f"testsrc2=size={width}x{height}:rate={fps}:duration={seconds}",
               "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
               "-movflags", "+faststart+frag_keyframe+empty_moov", "-f", "mp4", "pipe:1"]
    return subprocess.run(command, capture_output=True, check=True).stdout


def spoken_lines(parts: list[dict[str, Any]], config: dict[str, Any]) -> list[tuple[str, str]]:
    """(voice, words) of a TTS request: one line per part with its voice; with a
    multi-speaker config, "Speaker: words" lines (or parts tagged with a speaker)
    take that speaker's voice."""
    speech_config = config.get("speech_config") or {}
    multi = (speech_config.get("multi_speaker_voice_config") or {}).get("speaker_voice_configs")
    single = ((speech_config.get("voice_config") or {}).get("prebuilt_voice_config") or {}).get("voice_name")
    if not multi:
        return [(single or "Kore", p.get("text", "")) for p in parts]
    voices = {c["speaker"]: c["voice_config"]["prebuilt_voice_config"]["voice_name"] for c in multi}
    lines: list[tuple[str, str]] = []
    for part in parts:
        tagged = (part.get("speech_metadata") or {}).get("speaker")
        for line in part.get("text", "").splitlines() or [""]:
            speaker, _, words = line.partition(":")
            if tagged:
                lines.append((voices[tagged], line))
            elif speaker.strip() in voices:
                lines.append((voices[speaker.strip()], words))
            elif line.strip():
                lines.append((next(iter(voices.values())), line))
    return lines
