"""The fake Gemini API refuses what the real one refuses, through the real google-genai SDK.

A fake that accepts anything proves nothing: these tests pin the refusals the
providers must never trigger, with the real status and wording.
"""

from __future__ import annotations

import io
import wave

import pytest
from google import genai
from google.genai import errors, types

from fakegemini import DUMMY_KEY, fake_gemini  # noqa: F401 - fake_gemini is a fixture
from fakegemini_media import speech_seconds


@pytest.fixture
def sdk(fake_gemini):
    return genai.Client(api_key=DUMMY_KEY, vertexai=False, http_options=types.HttpOptions(base_url=fake_gemini.url))


def refusal(call) -> tuple[int, str, str]:
    with pytest.raises(errors.APIError) as caught:
        call()
    return caught.value.code, caught.value.status, caught.value.message


def tts(sdk, contents, model="gemini-3.8-flash-tts", **config):
    config.setdefault("speech_config", types.SpeechConfig(voice_config=types.VoiceConfig(
        prebuilt_voice_config=types.PrebuiltVoiceConfig(voice_name="Kore"))))
    return sdk.models.generate_content(model=model, contents=contents,
                                       config=types.GenerateContentConfig(response_modalities=["AUDIO"], **config))


@pytest.mark.parametrize("config, message", [
    ({"system_instruction": "Read warmly."}, "Developer instruction is not enabled for models/gemini-3.8-flash-tts"),
    ({"temperature": 0.5}, "temperature is not supported for models/gemini-3.8-flash-tts."),
    ({"top_p": 0.9}, "top_p is not supported for models/gemini-3.8-flash-tts."),
    ({"top_k": 20}, "top_k is not supported for models/gemini-3.8-flash-tts."),
    ({"speech_config": types.SpeechConfig(voice_config=types.VoiceConfig(
        prebuilt_voice_config=types.PrebuiltVoiceConfig(voice_name="Bob")))},
     "Voice name Bob is not supported. Please use one of the prebuilt voices."),
])
def test_tts_models_refuse_instructions_sampling_and_unknown_voices(sdk, config, message):
    assert refusal(lambda: tts(sdk, "Hello there.", **config)) == (400, "INVALID_ARGUMENT", message)


def test_unknown_models_are_not_found_and_bad_aspect_ratios_refused(sdk):
    code, status, message = refusal(lambda: tts(sdk, "Hi.", model="gemini-3.8-flash-tts-pro"))
    assert (code, status) == (404, "NOT_FOUND")
    assert message.startswith("models/gemini-3.8-flash-tts-pro is not found for API version v1,")
    image = types.GenerateContentConfig(response_modalities=["IMAGE"], image_config=types.ImageConfig(aspect_ratio="7:3"))
    assert refusal(lambda: sdk.models.generate_content(model="gemini-3.1-flash-image", contents="a cat", config=image))[:2] \
        == (400, "INVALID_ARGUMENT")


def test_two_speaker_config_is_answered_with_both_voices(sdk):
    speakers = [types.SpeakerVoiceConfig(speaker=name, voice_config=types.VoiceConfig(
        prebuilt_voice_config=types.PrebuiltVoiceConfig(voice_name=voice))) for name, voice in (("Pip", "Puck"),
                                                                                                 ("Mo", "Charon"))]
    config = {"speech_config": types.SpeechConfig(
        multi_speaker_voice_config=types.MultiSpeakerVoiceConfig(speaker_voice_configs=speakers))}
    response = tts(sdk, "Pip: Hello, Mo!\nMo: Hello, little Pip.", **config)
    audio = response.candidates[0].content.parts[0].inline_data
    with wave.open(io.BytesIO(audio.data)) as reader:
        assert reader.getframerate() == 24000
        assert reader.getnframes() == sum(round(speech_seconds(t) * 24000) for t in (" Hello, Mo!", " Hello, little Pip."))

    one = {"speech_config": types.SpeechConfig(
        multi_speaker_voice_config=types.MultiSpeakerVoiceConfig(speaker_voice_configs=speakers[:1]))}
    assert refusal(lambda: tts(sdk, "Pip: Hi.", **one)) == (
        400, "INVALID_ARGUMENT",
        "multi_speaker_voice_config needs exactly two speaker_voice_configs with distinct speakers, got 1.")
    assert refusal(lambda: tts(sdk, "Nobody speaks here.", **config))[2] == "The text must name every configured speaker."


def test_speech_lasts_as_long_as_a_person_takes_to_say_it():
    assert speech_seconds("one two three four five six seven eight nine ten") == 4.3  # 150 words a minute


def test_a_per_day_quota_error_has_the_real_details(sdk, fake_gemini):
    fake_gemini.inject({"status": 429, "quota": "day", "retryDelay": "40s"})
    with pytest.raises(errors.ClientError) as caught:
        tts(sdk, "Hello.")
    details = {d["@type"].rsplit(".", 1)[1]: d for d in caught.value.details["error"]["details"]}
    assert set(details) == {"QuotaFailure", "Help", "RetryInfo"}
    assert details["QuotaFailure"]["violations"][0]["quotaId"] == "GenerateRequestsPerDayPerProjectPerModel-FreeTier"
    assert "\n" in caught.value.message  # the real message spans lines: storybuild must fold it
