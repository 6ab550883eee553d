"""GeminiVoice: scene narration from a Gemini TTS model, written as a PCM WAV file.

The request's contents are only the words to speak. Delivery guidance (the user's
direction, a speed) goes into the system instruction, where the model treats it as
how to read, not as a message to answer; prefixing the text with "Say cheerfully:"
risks the instruction being spoken or the text being answered instead of read.
"""

from __future__ import annotations

import io
import wave
from pathlib import Path
from typing import Any

from storybuild.model import ProviderChoice
from storybuild.providers.base import DialogueRequest, NarrationRequest
from storybuild.providers.gemini import response as responses
from storybuild.providers.gemini.client import GeminiSession
from storybuild.atomic import write_atomic

DEFAULT_VOICE = "Kore"
DEFAULT_RATE = 24000  # Gemini TTS sends 24 kHz s16le mono when the MIME type omits it
RAW_PCM_TYPES = ("audio/l16", "audio/pcm")


class GeminiVoice:
    """Narrates with a prebuilt Gemini voice.

    Invariant: `narrate` writes a 16-bit PCM WAV that the `wave` module reads, or raises
    ProviderError naming the scene and why there is no audio.
    """

    def __init__(self, choice: ProviderChoice):
        self._options = choice.options
        self._session = GeminiSession("voice", choice)

    def narrate(self, request: NarrationRequest, out: Path) -> None:
        from google.genai import types

        voice = request.voice or self._options.get("voice") or DEFAULT_VOICE
        config = types.GenerateContentConfig(
            response_modalities=["AUDIO"],
            speech_config=types.SpeechConfig(
                voice_config=types.VoiceConfig(
                    prebuilt_voice_config=types.PrebuiltVoiceConfig(voice_name=voice))),
            system_instruction=delivery_instruction(
                request.direction or self._options.get("direction"), self._options.get("speed")),
        )
        response = self._session.generate(request.text, config)
        audio = responses.inline_data(response, "audio/")
        if audio is None:
            raise self._session.error(f"scene {request.scene_id}: no audio returned: {responses.why_missing(response)}")
        try:
            write_atomic(out, as_wav(audio.data, audio.mime_type))
        except ValueError as exc:
            raise self._session.error(f"scene {request.scene_id}: {exc}") from exc


    def converse(self, request: DialogueRequest, out: Path) -> None:
        """Two speakers' consecutive lines in one multi-speaker call (see dialogue.py)."""
        from storybuild.providers.gemini import dialogue

        dialogue.converse(self._session, request, out, self._options.get("voice") or DEFAULT_VOICE)


def delivery_instruction(direction: str | None, speed: Any = None) -> str | None:
    """The system instruction carrying delivery guidance, or None when there is none
    (plain TTS needs no instruction, and sending none keeps old requests unchanged)."""
    guidance = [direction.strip()] if direction and direction.strip() else []
    if speed is not None and float(speed) != 1.0:
        guidance.append(f"at about {float(speed):g} times normal speaking speed")
    if not guidance:
        return None
    return ("Read the user's text aloud exactly as written, word for word, with this delivery: "
            + "; ".join(guidance) + ". Do not add, answer or comment.")


def as_wav(data: bytes, mime_type: str) -> bytes:
    """WAV bytes for Gemini audio: a RIFF body is checked and kept as is; raw s16le PCM
    (audio/L16 or audio/pcm, rate and channels from the MIME parameters) is wrapped.
    Raises ValueError for anything else."""
    if data[:4] == b"RIFF":
        try:
            with wave.open(io.BytesIO(data)) as reader:
                reader.getnframes()
        except (wave.Error, EOFError) as exc:
            raise ValueError(f"the returned WAV audio is unreadable: {exc}") from None
        return data
    base, params = _parse_mime(mime_type)
    if base not in RAW_PCM_TYPES and params.get("codec") != "pcm":
        raise ValueError(f"unsupported audio type {mime_type!r}")
    rate = int(params.get("rate", DEFAULT_RATE))
    channels = int(params.get("channels", 1))
    frame = 2 * channels
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(channels)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(data[: len(data) - len(data) % frame])  # drop a torn last frame
    return buffer.getvalue()


def _parse_mime(mime_type: str) -> tuple[str, dict[str, str]]:
    """"audio/L16;codec=pcm;rate=24000" -> ("audio/l16", {"codec": "pcm", "rate": "24000"})."""
    base, *rest = [piece.strip() for piece in mime_type.lower().split(";")]
    params = dict(p.split("=", 1) for p in rest if "=" in p)
    return base, {k.strip(): v.strip() for k, v in params.items()}
