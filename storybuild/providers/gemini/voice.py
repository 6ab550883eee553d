"""GeminiVoice: scene narration from a Gemini TTS model, written as a PCM WAV file.

The documented contract of the TTS models: the request's one text part holds only
the words to speak; delivery guidance (the user's direction, a speed) goes in that
part's `speech_metadata.style`; the voice in `speech_config.voice_config.
prebuilt_voice_config`. Nothing goes in `system_instruction` (the TTS models answer it
with 400 "Developer instruction is not enabled"), and no temperature, top-p or top-k
(400 too). Prefixing the text with "Say cheerfully:" would risk the guidance being
spoken.
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
        )
        style = delivery_style(request.direction or self._options.get("direction"), self._options.get("speed"))
        metadata = types.SpeechMetadata(style=style) if style else None
        contents = [types.Content(role="user", parts=[types.Part(text=request.text, speech_metadata=metadata)])]
        response = self._session.generate(contents, config)
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


def delivery_style(direction: str | None, speed: Any = None) -> str | None:
    """The speech_metadata.style for the delivery guidance ("warm and playful, about
    1.2 times normal speed"), or None when there is none (plain TTS needs none)."""
    guidance = [direction.strip()] if direction and direction.strip() else []
    if speed is not None and float(speed) != 1.0:
        guidance.append(f"about {float(speed):g} times normal speed")
    return ", ".join(guidance) or None


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
