"""Gemini multi-speaker speech: consecutive dialogue lines of two speakers in one call.

The documented shape: `speech_config.multi_speaker_voice_config` with exactly two
`speaker_voice_configs` ({speaker, voice_config.prebuilt_voice_config.voice_name}),
and one text part per line whose `speech_metadata.speaker` names one of the two.
Delivery guidance goes in each part's `speech_metadata.style`, never in a system
instruction (TTS models refuse those). More than two speakers are split into several
calls before this module is reached (dialogue.conversation_parts), one voice step each.

Why it is opt-in (`providers.voice: {provider: gemini, dialogue: conversation}`):
by default every line is its own step and call, so editing one line pays for one
line. A conversation call gives the model the turn-taking (replies sound like
replies), at the price that editing a line re-voices the lines that share its call.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from storybuild.atomic import write_atomic
from storybuild.providers.base import DialogueRequest
from storybuild.providers.gemini import response as responses


def speakers(request: DialogueRequest, default_voice: str) -> dict[str, str]:
    """Speaker name -> voice name, in order of first line; exactly two, as the API takes."""
    voices: dict[str, str] = {}
    for line in request.lines:
        voices.setdefault(line["speaker"], line.get("voice") or default_voice)
    if len(voices) != 2:
        raise ValueError(f"a conversation call takes exactly two speakers, got {len(voices)}: {', '.join(voices)}")
    return voices


def contents_and_config(request: DialogueRequest, default_voice: str) -> tuple[Any, Any]:
    """The SDK contents (one text part per line, its speaker in speech_metadata) and
    the generation config (the two speakers' prebuilt voices) of one conversation call."""
    from google.genai import types

    configs = [types.SpeakerVoiceConfig(speaker=name, voice_config=types.VoiceConfig(
        prebuilt_voice_config=types.PrebuiltVoiceConfig(voice_name=voice)))
        for name, voice in speakers(request, default_voice).items()]
    config = types.GenerateContentConfig(
        response_modalities=["AUDIO"],
        speech_config=types.SpeechConfig(
            multi_speaker_voice_config=types.MultiSpeakerVoiceConfig(speaker_voice_configs=configs)),
    )
    style = (request.direction or "").strip() or None
    parts = [types.Part(text=line["text"], speech_metadata=types.SpeechMetadata(speaker=line["speaker"], style=style))
             for line in request.lines]
    return [types.Content(role="user", parts=parts)], config


def converse(session: Any, request: DialogueRequest, out: Path, default_voice: str) -> None:
    """One multi-speaker call through `session` (a GeminiSession: retries, slots, one-line
    errors); writes the conversation as a PCM WAV to `out`."""
    from storybuild.providers.gemini.voice import as_wav

    try:
        contents, config = contents_and_config(request, default_voice)
    except ValueError as exc:
        raise session.error(f"scene {request.scene_id}: {exc}") from None
    answer = session.generate(contents, config)
    audio = responses.inline_data(answer, "audio/")
    if audio is None:
        raise session.error(f"scene {request.scene_id}: no audio returned: {responses.why_missing(answer)}")
    try:
        write_atomic(out, as_wav(audio.data, audio.mime_type))
    except ValueError as exc:
        raise session.error(f"scene {request.scene_id}: {exc}") from None
