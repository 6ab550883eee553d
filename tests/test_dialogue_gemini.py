"""Dialogue with Gemini, against tests/fakegemini.py over real HTTP: by default one
single-voice call per line; with `dialogue: conversation`, two speakers' lines in one
multi-speaker call of the documented shape, more speakers split into calls."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import run_cli, write_story
from fakegemini import DUMMY_KEY, Recorded, fake_gemini  # noqa: F401 - fake_gemini is a fixture
from storybuild.dialogue import conversation_parts, speaker_labels

KEY = {"GEMINI_API_KEY": DUMMY_KEY}


def story(dialogue: str) -> dict:
    return {
        "version": 1, "title": "Pip and Mo", "style": "crayon",
        "video": {"size": "320x180", "fps": 12, "motion": False, "transition": "cut", "fade": 0},
        "title_card": False, "end_card": False,
        "providers": {"voice": {"provider": "gemini", "voice": "Kore", "direction": "warm", "dialogue": dialogue}},
        "characters": {"pip": {"name": "Pip", "description": "a duckling", "voice": "Puck"},
                       "mo": {"name": "Mo", "description": "an elephant"},
                       "bo": {"name": "Bo", "description": "a frog"}},
        "scenes": [{"id": "pond", "image": "a pond", "characters": ["pip", "mo"], "lines": [
            {"speaker": "pip", "text": "Hello, Mo!"},
            {"speaker": "mo", "text": "Hello, Pip. Shall we swim?"},
            {"speaker": "pip", "text": "Yes, let's!"},
            {"speaker": "bo", "text": "Wait for me!"},
            {"text": "And the three friends swam all day."},
        ]}],
    }


def speech(record: Recorded) -> dict:
    return record.config.get("speech_config") or {}


def test_conversation_parts_keep_to_two_speakers_a_call():
    assert conversation_parts(["pip", "mo", "pip", "bo", None]) == [(0, 3), (3, 5)]
    assert conversation_parts(["pip", "pip", "mo", "bo", "bo", "bo"]) == [(0, 3), (3, 4), (4, 5), (5, 6)]
    assert conversation_parts([None]) == [(0, 1)]


def test_conversation_calls_use_the_multi_speaker_shape(fake_gemini, tmp_path):
    write_story(tmp_path, story("conversation"))
    result = run_cli("render", str(tmp_path), env=KEY)
    assert result.returncode == 0, result.stderr
    calls = fake_gemini.calls("audio")
    assert len(calls) == 2
    first, second = sorted(calls, key=lambda call: -len(call.parts))
    assert speech(first)["multi_speaker_voice_config"]["speaker_voice_configs"] == [
        {"speaker": "Pip", "voice_config": {"prebuilt_voice_config": {"voice_name": "Puck"}}},
        # Mo chose no voice: the second character gets the second spare voice (Kore is the story's).
        {"speaker": "Mo", "voice_config": {"prebuilt_voice_config": {"voice_name": "Aoede"}}},
    ]
    assert [(p["text"], p["speech_metadata"]) for p in first.parts] == [
        ("Hello, Mo!", {"speaker": "Pip", "style": "warm"}),
        ("Hello, Pip. Shall we swim?", {"speaker": "Mo", "style": "warm"}),
        ("Yes, let's!", {"speaker": "Pip", "style": "warm"})]
    assert [p["speech_metadata"]["speaker"] for p in second.parts] == ["Bo", "Narrator"]
    assert all(not call.system for call in calls)  # nothing in a system instruction
    shown = json.loads((tmp_path / "build" / "scenes" / "pond" / "captions.json").read_text())
    assert [page[3] if len(page) > 3 else "" for page in shown["pages"]] == ["Pip", "Mo", "Pip", "Bo", ""]
    assert run_cli("render", str(tmp_path), env=KEY).returncode == 0
    assert len(fake_gemini.calls("audio")) == 2  # nothing changed: no new call


def test_by_default_each_line_is_its_own_single_voice_call(fake_gemini, tmp_path):
    document = story("lines")
    write_story(tmp_path, document)
    assert run_cli("render", str(tmp_path), env=KEY).returncode == 0
    calls = fake_gemini.calls("audio")
    voices = {call.text: speech(call)["voice_config"]["prebuilt_voice_config"]["voice_name"] for call in calls}
    assert voices == {"Hello, Mo!": "Puck", "Hello, Pip. Shall we swim?": "Aoede", "Yes, let's!": "Puck",
                      "Wait for me!": "Charon", "And the three friends swam all day.": "Kore"}
    document["scenes"][0]["lines"][3]["text"] = "Wait for me, friends!"
    write_story(tmp_path, document)
    assert run_cli("render", str(tmp_path), env=KEY).returncode == 0
    assert [call.text for call in fake_gemini.calls("audio")[len(calls):]] == ["Wait for me, friends!"]


@pytest.mark.parametrize("change, problem", [
    (lambda c: c["speaker_voice_configs"].pop(), "exactly two speaker_voice_configs"),
    (lambda c: c["speaker_voice_configs"][1].update(speaker="Pip"), "distinct speakers"),
])
def test_the_fake_refuses_a_malformed_multi_speaker_request(fake_gemini, change, problem):
    import urllib.error
    import urllib.request

    configs = {"speaker_voice_configs": [
        {"speaker": name, "voice_config": {"prebuilt_voice_config": {"voice_name": "Puck"}}} for name in ("Pip", "Mo")]}
    change(configs)
    body = {"contents": [{"parts": [{"text": "Hi", "speech_metadata": {"speaker": "Pip"}}]}],
            "generationConfig": {"responseModalities": ["AUDIO"], "speechConfig": {"multiSpeakerVoiceConfig": configs}}}
    request = urllib.request.Request(f"{fake_gemini.url}/v1beta/models/gemini-3.8-flash-tts:generateContent",
                                     json.dumps(body).encode(), {"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request)
    assert caught.value.code == 400 and problem in json.loads(caught.value.read())["error"]["message"]


def test_choosing_conversation_calls_leaves_narration_alone_and_prices_every_line():
    """`dialogue` only groups dialogue lines into calls: it is no part of a narration's
    key, and a conversation part is priced by all the words it speaks."""
    import dataclasses

    from storybuild import pricing
    from storybuild.graph import build_graph
    from storybuild.model import Character, Line, Project, ProviderChoice, Providers, Scene, VideoSettings

    def project(dialogue: str) -> Project:
        voice = ProviderChoice("gemini", options={"voice": "Kore", "dialogue": dialogue})
        return Project(path=Path("/nowhere/story.yaml"), title="T", style="crayon", video=VideoSettings(),
                       providers=dataclasses.replace(Providers(), voice=voice),
                       characters=(Character("pip", "Pip", "a duckling"),), scenes=(
                           Scene("pond", "a pond", "Pip swam across the pond."),
                           Scene("talk", "a hill", "", lines=(Line("Hello there, how are you today?", "pip"),
                                                              Line("Very well, thank you, my friend.")))))

    lines, conversation = ({s.id: s for s in build_graph(project(mode))} for mode in ("lines", "conversation"))
    assert lines["voice/pond"].options == conversation["voice/pond"].options
    part = conversation["voice/talk/1-2"]
    assert pricing.quantity(part, "per_second") == pricing.speech_seconds(
        "Hello there, how are you today? Very well, thank you, my friend.")


def test_a_character_without_a_voice_never_gets_one_another_character_chose():
    import dataclasses

    from storybuild.dialogue import speaker_voice
    from storybuild.model import Character, Project, ProviderChoice, Providers, VideoSettings

    voice = ProviderChoice("gemini", options={"voice": "Kore"})
    project = Project(path=Path("/nowhere/story.yaml"), title="T", style="crayon", video=VideoSettings(),
                      providers=dataclasses.replace(Providers(), voice=voice), scenes=(),
                      characters=(Character("mo", "Mo", "an elephant"),
                                  Character("pip", "Pip", "a duckling", voice="Puck")))
    assert speaker_voice(project, "mo")[0] == "Aoede"  # Puck (Pip's) and Kore (the story's) are taken


def test_speakers_sharing_a_name_are_told_apart_in_a_conversation_call():
    """A call names its two speakers; two characters called "Sam" (or one called
    "Narrator" beside the narrator) would be one speaker to it."""
    import dataclasses

    from storybuild.graph import build_graph
    from storybuild.model import Character, Line, Project, ProviderChoice, Providers, Scene, VideoSettings

    voice = ProviderChoice("gemini", options={"voice": "Kore", "dialogue": "conversation"})
    project = Project(path=Path("/nowhere/story.yaml"), title="T", style="crayon", video=VideoSettings(),
                      providers=dataclasses.replace(Providers(), voice=voice),
                      characters=(Character("sam", "Sam", "a duckling"), Character("sam_2", "Sam", "a frog"),
                                  Character("teller", "Narrator", "an owl"), Character("mo", "Mo", "an elephant")),
                      scenes=(Scene("talk", "a hill", "", lines=(
                          Line("Hello, Sam!", "sam"), Line("Hello, Sam.", "sam_2"),
                          Line("Mo came too.", "mo"), Line("Said the owl.", "teller"), Line("The end."))),))
    steps = {s.id: s for s in build_graph(project)}
    calls = {name: [line["speaker"] for line in step.params["lines"]]
             for name, step in steps.items() if step.kind == "voice" and "lines" in step.params}
    assert calls == {"voice/talk/1-2": ["Sam (sam)", "Sam (sam_2)"], "voice/talk/3-4": ["Mo", "Narrator"]}
    assert speaker_labels(project, ["teller", None, "teller"]) == {"teller": "Narrator (teller)",
                                                                   None: "Narrator (the narrator)"}
    called = dataclasses.replace(project, characters=(
        Character("narrator", "Narrator", "an owl"), Character("sam", "Sam", "a duck"),
        Character("sam_2", "Sam", "a frog"), Character("sam_3", "Sam (sam_2)", "a newt")))
    assert speaker_labels(called, ["narrator", None]) == {"narrator": "Narrator (narrator)",
                                                          None: "Narrator (the narrator)"}
    assert speaker_labels(called, ["sam", "sam_2", "sam_3"]) == {  # a name like another's label: ids
        "sam": "sam", "sam_2": "sam_2", "sam_3": "sam_3"}
