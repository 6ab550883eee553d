"""The Gemini providers through the real google-genai SDK, over HTTP, against tests/fakegemini.py.

The `fake_gemini` fixture sets a dummy GEMINI_API_KEY (GOOGLE_API_KEY cleared),
points STORYBUILD_GEMINI_BASE_URL at the fake server and makes retry waits tiny.
"""

from __future__ import annotations

import contextlib
import json
import wave
from pathlib import Path

import jsonschema
import pytest
from PIL import Image

from fakegemini import FakeGemini, fake_gemini, speech_seconds  # noqa: F401 - fake_gemini is a fixture
from storybuild import events
from storybuild.errors import ProviderError
from storybuild.model import ProviderChoice
from storybuild.providers.base import CharacterInfo, CharacterSheetRequest, NarrationRequest, SceneImageRequest
from storybuild.providers.gemini import client
from storybuild.providers.gemini.images import GeminiImages
from storybuild.providers.gemini.voice import GeminiVoice
from storybuild.providers.gemini.writer import VOICES, GeminiWriter

SCHEMA = json.loads((Path(__file__).parents[1] / "schemas" / "story.schema.json").read_text())
TEXT = "gemini text model gemini-3.8-flash"
IMAGE = "gemini image model gemini-3.1-flash-image"
VOICE = "gemini voice model gemini-3.8-flash-tts"
WHISKERS = CharacterInfo("whiskers", "Whiskers", "a small orange tabby cat with green eyes")
BUSTER = CharacterInfo("buster", "Buster", "a golden retriever puppy with a red collar")


def gemini(**options) -> ProviderChoice:
    return ProviderChoice("gemini", options=options)


def scene_request(scene_id="garden", prompt="they play in a sunny garden", characters=(WHISKERS, BUSTER), **kw):
    return SceneImageRequest(scene_id=scene_id, title="Playing", prompt=prompt, style="soft watercolor",
                             characters=characters, width=1280, height=720, aspect_ratio="16:9", **kw)


def sheet_request(character: CharacterInfo) -> CharacterSheetRequest:
    return CharacterSheetRequest(character=character, style="soft watercolor", width=1280, height=720,
                                 aspect_ratio="16:9")


def narration(text="Whiskers found a shiny red ball in the garden.", voice=None, direction=None):
    return NarrationRequest(scene_id="garden", text=text, voice=voice, direction=direction)


@contextlib.contextmanager
def waits(step_id="voice/garden"):
    """The waiting notices a provider gives while it runs as `step_id`, as (step, message)."""
    notices: list[tuple[str, str]] = []
    with events.step_scope(step_id, lambda step, message: notices.append((step, message))):
        yield notices


def provider_error(call) -> str:
    with pytest.raises(ProviderError) as caught:
        call()
    return str(caught.value)


# -- text ------------------------------------------------------------------------------

def test_writer_returns_a_valid_story_and_asks_for_json_with_the_schema(fake_gemini):
    story = GeminiWriter(gemini()).write_story("a duckling who is afraid of rain", 4)

    jsonschema.Draft202012Validator(SCHEMA).validate(story)
    assert len(story["scenes"]) == 4
    assert story["providers"] == {"text": {"provider": "gemini"}, "image": {"provider": "gemini"},
                                  "voice": {"provider": "gemini", "voice": "Kore"}}
    assert list(story["characters"]) == ["pip", "mo"]
    assert story["characters"]["pip"]["voice"] == "Puck"  # the fake wrote "puck"
    assert all(c["voice"] in VOICES for c in story["characters"].values())
    assert [s["id"] for s in story["scenes"]] == ["the-start", "scene-2", "scene-3", "scene-4"]
    assert [s["characters"] for s in story["scenes"]] == [["pip", "mo"], ["mo"], ["pip", "mo"], ["mo"]]

    (call,) = fake_gemini.requests
    assert call.path == "/v1/models/gemini-3.8-flash:generateContent"
    assert call.config["response_mime_type"] == "application/json"
    assert "response_schema" not in call.config  # deprecated in the SDK
    schema = call.config["response_json_schema"]
    scenes_schema = schema["properties"]["scenes"]
    assert (scenes_schema["min_items"], scenes_schema["max_items"]) == (4, 4)
    assert set(schema["$defs"]["scene_draft"]["properties"]) == {"id", "title", "image", "narration", "characters"}
    assert "a duckling who is afraid of rain" in call.text
    assert "No violence" in call.system and "exactly one sentence" in call.system


def test_writer_makes_ids_kebab_case_and_unique(fake_gemini):
    character = {"id": "Sam Bear", "name": "Sam", "description": "a brown bear", "voice": "Fenrir"}
    scene = {"id": "Big Day!", "title": "t", "image": "i", "narration": "n.", "characters": ["sam-bear", "Sam"]}
    fake_gemini.configure(story={"title": "T", "style": "S", "characters": [character, dict(character, voice="x")],
                                 "scenes": [scene, scene]})
    story = GeminiWriter(gemini(voice="Aoede")).write_story("bears", 2)

    assert list(story["characters"]) == ["sam-bear", "sam-bear-2"]
    assert story["characters"]["sam-bear-2"]["voice"] in VOICES
    assert [s["id"] for s in story["scenes"]] == ["big-day", "big-day-2"]
    assert story["scenes"][0]["characters"] == ["sam-bear"]
    assert story["providers"]["voice"]["voice"] == "Aoede"
    jsonschema.Draft202012Validator(SCHEMA).validate(story)


@pytest.mark.parametrize("fault, message", [
    ({"blockReason": "SAFETY"}, "no story returned: the prompt was blocked (block reason SAFETY)"),
    ({"finish_reason": "SAFETY"}, "no story returned: finish reason SAFETY"),
])
def test_writer_does_not_ask_again_when_blocked(fake_gemini, fault, message):
    fake_gemini.inject(fault)
    assert provider_error(lambda: GeminiWriter(gemini()).write_story("x", 3)) == f"{TEXT}: {message}"
    assert len(fake_gemini.requests) == 1  # the same story would be blocked again


@pytest.mark.parametrize("fault, message", [
    ({"finishReason": "MAX_TOKENS"}, "no story returned: finish reason MAX_TOKENS"),
    ({"text": '{"title": "T", "characters": [], "scenes": []}'},
     "the response did not match the story schema: style: Field required"),
    ({"text": json.dumps({"title": "T", "style": "S", "characters": [], "scenes": []})},
     "the response did not match the story schema: scenes: List should have at least 3 items after validation, not 0"),
])
def test_writer_asks_once_more_after_a_cut_off_or_off_schema_answer_then_says_why(fake_gemini, fault, message):
    fake_gemini.inject(fault, fault)
    assert provider_error(lambda: GeminiWriter(gemini()).write_story("x", 3)) == f"{TEXT}: {message} (asked twice)"
    first, second = fake_gemini.requests
    assert f"Your previous answer was unusable ({message})" in second.text


def test_writer_repairs_a_wrong_scene_count_by_asking_again(fake_gemini):
    from fakegemini_story import make_story

    fake_gemini.inject({"text": json.dumps(make_story(5))})
    story = GeminiWriter(gemini()).write_story("ducks", 3)
    assert len(story["scenes"]) == 3
    assert [r.status for r in fake_gemini.requests] == [200, 200]
    assert "List should have at most 3 items" in fake_gemini.requests[1].text


def test_writer_reports_malformed_json(fake_gemini):
    fake_gemini.inject({"text": "Once upon a time"}, {"text": "Once upon a time"})
    message = provider_error(lambda: GeminiWriter(gemini()).write_story("x", 3))
    assert message.startswith(f"{TEXT}: the response did not match the story schema: Invalid JSON")


# -- images ----------------------------------------------------------------------------

def test_scene_attaches_labelled_reference_sheets_and_sends_the_aspect_ratio(fake_gemini, tmp_path):
    images = GeminiImages(gemini())
    sheets = {c.id: tmp_path / f"{c.id}.png" for c in (WHISKERS, BUSTER)}
    for character in (WHISKERS, BUSTER):
        images.draw_character_sheet(sheet_request(character), sheets[character.id])
    images.draw_scene(scene_request(), sheets, tmp_path / "garden.png")

    sheet_call, _, scene_call = fake_gemini.requests
    assert "Full body, front view" in sheet_call.text and WHISKERS.description in sheet_call.text
    assert scene_call.config["image_config"] == {"aspect_ratio": "16:9"}
    assert scene_call.config["response_modalities"] == ["IMAGE"]
    assert "seed" not in scene_call.config and "take" not in scene_call.text
    assert scene_call.inline == [("image/png", sheets["whiskers"].read_bytes()),
                                 ("image/png", sheets["buster"].read_bytes())]
    labels = [p.get("text") for p in scene_call.parts]
    assert labels[1] == "Reference image of Whiskers:" and labels[3] == "Reference image of Buster:"
    assert "soft watercolor" in labels[0] and "they play in a sunny garden" in labels[0]
    with Image.open(tmp_path / "garden.png") as picture:
        assert (picture.format, picture.size) == ("PNG", (1344, 768))  # ~1 MP, as the real models answer
    assert sheets["whiskers"].read_bytes() != sheets["buster"].read_bytes()


def test_seed_and_take_are_sent_only_when_set(fake_gemini, tmp_path):
    GeminiImages(gemini()).draw_scene(scene_request(characters=(), seed=7, take=2), {}, tmp_path / "a.png")
    (call,) = fake_gemini.requests
    assert call.config["seed"] == 7
    assert "This is take 2" in call.text
    assert call.inline == []


@pytest.mark.parametrize("fault, reason", [
    ({"finishReason": "IMAGE_SAFETY"}, "finish reason IMAGE_SAFETY"),
    ({"finishReason": "PROHIBITED_CONTENT"}, "finish reason PROHIBITED_CONTENT"),
    ({"blockReason": "SAFETY"}, "the prompt was blocked (block reason SAFETY)"),
    ({"text": "I can't draw that."}, "finish reason STOP; the model answered with text: I can't draw that."),
])
def test_blocked_image_names_scene_and_reason_and_is_not_retried(fake_gemini, tmp_path, fault, reason):
    fake_gemini.inject(dict(fault, kind="image"))
    out = tmp_path / "garden.png"
    message = provider_error(lambda: GeminiImages(gemini()).draw_scene(scene_request(characters=()), {}, out))
    assert message == f"{IMAGE}: scene garden: no image returned: {reason}"
    assert len(fake_gemini.requests) == 1
    assert not out.exists()


@pytest.mark.parametrize("image_format", ["jpeg", "webp"])
def test_jpeg_and_webp_answers_are_stored_as_png(fake_gemini, tmp_path, image_format):
    fake_gemini.configure(image_format=image_format)
    out = tmp_path / "sheet.png"
    GeminiImages(gemini()).draw_character_sheet(sheet_request(WHISKERS), out)
    assert out.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(out) as picture:
        assert (picture.format, picture.size, picture.mode) == ("PNG", (1344, 768), "RGB")


# -- voice -----------------------------------------------------------------------------

def test_voice_name_is_sent_per_request(fake_gemini, tmp_path):
    GeminiVoice(gemini()).narrate(narration(voice="Puck"), tmp_path / "1.wav")
    GeminiVoice(gemini(voice="Aoede")).narrate(narration(), tmp_path / "2.wav")
    GeminiVoice(gemini()).narrate(narration(), tmp_path / "3.wav")
    names = [c.config["speech_config"]["voice_config"]["prebuilt_voice_config"]["voice_name"]
             for c in fake_gemini.requests]
    assert names == ["Puck", "Aoede", "Kore"]
    assert all(c.config["response_modalities"] == ["AUDIO"] for c in fake_gemini.requests)
    assert all(c.path == "/v1/models/gemini-3.8-flash-tts:generateContent" for c in fake_gemini.requests)


def test_direction_and_speed_go_in_the_parts_speech_metadata_never_in_a_system_instruction(fake_gemini, tmp_path):
    text = "Buster wagged his tail."
    GeminiVoice(gemini()).narrate(narration(text, direction="warm and playful"), tmp_path / "a.wav")
    GeminiVoice(gemini(speed=1.2)).narrate(narration(text), tmp_path / "b.wav")
    GeminiVoice(gemini()).narrate(narration(text), tmp_path / "c.wav")
    directed, faster, plain = fake_gemini.requests
    assert directed.parts == [{"text": text, "speech_metadata": {"style": "warm and playful"}}]
    assert faster.parts == [{"text": text, "speech_metadata": {"style": "about 1.2 times normal speed"}}]
    assert plain.parts == [{"text": text}]
    assert all("system_instruction" not in call.normalized for call in fake_gemini.requests)
    assert all(not set(call.config) & {"temperature", "top_p", "top_k"} for call in fake_gemini.requests)


@pytest.mark.parametrize("audio_format", ["pcm", "wav"])
def test_pcm_and_wav_answers_become_wavs_of_the_spoken_length(fake_gemini, tmp_path, audio_format):
    fake_gemini.configure(audio_format=audio_format)
    text = "Whiskers and Buster slid down a giant rainbow, laughing all the way."
    out = tmp_path / "voice.wav"
    GeminiVoice(gemini()).narrate(narration(text), out)
    with wave.open(str(out)) as reader:
        assert (reader.getnchannels(), reader.getsampwidth(), reader.getframerate()) == (1, 2, 24000)
        assert reader.getnframes() == round(speech_seconds(text) * 24000)


def test_an_empty_other_answer_is_asked_again_twice_then_reported(fake_gemini, tmp_path):
    fake_gemini.inject(*[{"kind": "audio", "finishReason": "OTHER", "emptyContent": True}] * 2)
    with waits() as notices:
        GeminiVoice(gemini()).narrate(narration(), tmp_path / "v.wav")
    assert [r.status for r in fake_gemini.requests] == [200, 200, 200]
    assert notices == [("voice/garden", "got an empty answer (finish reason OTHER), asking again, try 2 of 3"),
                       ("voice/garden", "got an empty answer (finish reason OTHER), asking again, try 3 of 3")]

    fake_gemini.inject(*[{"kind": "audio", "finishReason": "OTHER", "emptyContent": True}] * 3)
    message = provider_error(lambda: GeminiVoice(gemini()).narrate(narration(), tmp_path / "w.wav"))
    assert message == f"{VOICE}: scene garden: no audio returned: finish reason OTHER"
    assert len(fake_gemini.requests) == 6


def test_redact_replaces_every_key(monkeypatch):
    monkeypatch.setenv("GEMINI_API_KEY", "dummySECRET1")
    monkeypatch.setenv("GOOGLE_API_KEY", "dummySECRET2")
    assert client.redact("a dummySECRET1 b dummySECRET2") == "a [redacted] b [redacted]"


def test_fake_accepts_camel_and_snake_case_options():
    with FakeGemini(failRate=0.5, seed=3, audio_format="wav") as server:
        assert (server.fail_rate, server.audio_format) == (0.5, "wav")
        with pytest.raises(TypeError):
            server.configure(colour="red")


def test_fake_decide_and_seeded_fail_rate(fake_gemini, tmp_path, monkeypatch):
    monkeypatch.setenv("GOOGLE_GENAI_API_VERSION", "v1beta")
    fake_gemini.decide = lambda call: {"status": 500} if len(fake_gemini.requests) == 1 else None
    GeminiVoice(gemini()).narrate(narration(), tmp_path / "a.wav")
    assert [(r.path, r.status) for r in fake_gemini.requests] == [
        ("/v1beta/models/gemini-3.8-flash-tts:generateContent", 500),
        ("/v1beta/models/gemini-3.8-flash-tts:generateContent", 200)]

    fake_gemini.decide = None
    fake_gemini.configure(failRate=1.0, failStatus=502)
    message = provider_error(lambda: GeminiVoice(gemini(retries=1)).narrate(narration(), tmp_path / "b.wav"))
    assert message == f"{VOICE}: gave up after 2 attempts: 502 BAD_GATEWAY: fake 502"
