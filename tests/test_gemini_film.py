"""The whole Gemini film at once, against the strict fake over real HTTP: pictures with
reference sheets, narration with a direction, a two-speaker dialogue in one call and an
animated scene, in one render; then a re-render that calls nothing."""

from __future__ import annotations

from conftest import write_story
from fakegemini import fake_gemini  # noqa: F401 - a fixture
from mediacheck import probe
from test_gemini_render import render, steps, story


def film() -> dict:
    document = story()
    document["providers"]["voice"]["dialogue"] = "conversation"
    document["providers"]["animation"] = {"provider": "gemini", "poll_seconds": 1, "seconds": 4}
    document["scenes"][0]["animate"] = True  # the pond moves
    hill = document["scenes"][1]
    del hill["narration"], hill["speaker"]
    hill["characters"] = ["pip", "mo"]
    hill["lines"] = [{"speaker": "pip", "text": "Mo, wait for me!"},
                     {"speaker": "mo", "text": "Come on up, Pip, the view is lovely."}]
    return document


def test_pictures_voices_a_dialogue_and_an_animation_in_one_render_then_nothing_to_pay(fake_gemini, tmp_path):
    write_story(tmp_path, film())
    result = render(tmp_path)
    assert result.returncode == 0, result.stderr
    assert fake_gemini.errors == []
    built = steps(result, "built")
    assert {"character/pip", "character/mo", "image/pond", "image/hill", "image/home", "voice/pond",
            "voice/hill/1-2", "voice/home", "animation/pond", "video"} <= set(built), built

    audio = fake_gemini.calls("audio")
    assert all(not call.system for call in audio)  # the direction rides on the part, never as an instruction
    conversation = [call for call in audio if call.config["speech_config"].get("multi_speaker_voice_config")]
    assert len(conversation) == 1 and len(audio) == 3
    assert [(p["text"], p["speech_metadata"]) for p in conversation[0].parts] == [
        ("Mo, wait for me!", {"speaker": "Pip", "style": "warm"}),
        ("Come on up, Pip, the view is lovely.", {"speaker": "Mo", "style": "warm"})]
    narration = [call for call in audio if call not in conversation]
    assert all(p["speech_metadata"] == {"style": "warm"} for call in narration for p in call.parts)
    assert [call.kind for call in fake_gemini.requests].count("video") == 1

    info = probe(tmp_path / "build" / "pip-and-mo.mp4")
    assert (info["width"], info["height"]) == (640, 360)
    assert abs(info["video_duration"] - info["audio_duration"]) < 0.05 and info["audio_rms"] > 0.01

    before = len(fake_gemini.requests)
    again = render(tmp_path)
    assert again.returncode == 0, again.stderr
    assert len(fake_gemini.requests) == before  # a re-render pays for nothing
