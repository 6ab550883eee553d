"""Dialogue scenes: the checks, one cached voice step per line, lines placed
sample-exactly, speaker labels in every caption, distinct offline voices, and
narration scenes keyed exactly as before dialogue existed."""

from __future__ import annotations

import json
import wave
from pathlib import Path

import numpy as np
import pytest
import yaml

from conftest import ROOT, run_cli, write_story
from mediacheck import audio_rms_between
from storybuild import captions, timeline
from storybuild.errors import StoryValidationError
from storybuild.graph import build_graph
from storybuild.keys import digest_value
from storybuild.plan import key_parts
from storybuild.project import load_project

EXAMPLE = ROOT / "examples" / "puddle-talk" / "story.yaml"
GOLDEN = Path(__file__).parent / "golden" / "narration-keys.json"


def steps_of(root: Path) -> dict:
    return {step.id: step for step in build_graph(load_project(root))}


def example_keys(name: str) -> dict[str, str]:
    """Every step's key in an example, with a stand-in digest for each input."""
    steps = build_graph(load_project(ROOT / "examples" / name))
    return {s.id: digest_value(key_parts(s, {d: "0" * 64 for d in s.deps})) for s in steps}


def test_narration_scenes_keep_the_keys_they_had_before_dialogue():
    """Keys of both narration examples, recorded with the code before dialogue
    existed: an existing build stays fresh. A change that means to re-key them
    (a recipe bump) records them again: python tests/test_dialogue.py --record."""
    golden = json.loads(GOLDEN.read_text())
    for name, keys in golden.items():
        assert example_keys(name) == keys, name


STORY = """\
version: 1
title: Talk
style: pencil
characters:
  whiskers: {name: Whiskers, description: a cat}
  buster: {name: Buster, description: a dog%s}
scenes:
  - id: puddle
    image: a puddle
%s"""


def problems(tmp_path: Path, scene: str, buster: str = "") -> list[str]:
    (tmp_path / "story.yaml").write_text(STORY % (buster, scene))
    with pytest.raises(StoryValidationError) as caught:
        load_project(tmp_path)
    return [line.split("story.yaml:", 1)[1] for line in str(caught.value.message).splitlines()]


@pytest.mark.parametrize("scene, expected", [
    ("    lines: [{speaker: whiskrs, text: Hi.}]\n",
     ["10:23: scenes[0].lines[0].speaker: 'whiskrs' is not a declared character; did you mean 'whiskers'?"]),
    ("    lines: [{speaker: buster, text: '  '}]\n", ["10:37: scenes[0].lines[0].text: must not be empty"]),
    ("    lines: [{text: \"\\u200b\"}]\n", ["10:20: scenes[0].lines[0].text: must not be empty"]),
    ("    lines: []\n", ["10:12: scenes[0].lines: must not be empty"]),
    ("    narration: Hi.\n    lines: [{text: Hi.}]\n",
     ["11:5: scenes[0].lines: give either narration or lines, not both"]),
    ("", ["8:5: scenes[0]: missing required field 'narration' (or 'lines', for a dialogue)"]),
    ("    speaker: buster\n    lines: [{text: Hi.}]\n",
     ["10:5: scenes[0].speaker: a dialogue scene names the speaker on each line, not on the scene"]),
])
def test_dialogue_problems_are_one_line_each_with_their_place(tmp_path, monkeypatch, scene, expected):
    monkeypatch.chdir(tmp_path)
    assert problems(tmp_path, scene) == expected


def test_character_voice_shape_is_checked(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    got = problems(tmp_path, "    lines: [{text: Hi.}]\n", ", voice: {pitch: 13, name: jo}")
    assert got == [
        "6:61: characters.buster.voice.pitch: must be at most 12 (got 13)",
        "6:71: characters.buster.voice.name: 'jo' is not a piper voice; did you mean 'joe'? "
        "(piper voices: joe, en_US-joe-medium)",
    ]


def test_each_line_is_its_own_voice_step_in_its_speakers_voice():
    steps = steps_of(EXAMPLE.parent)
    lines = [steps[f"voice/puddle/{n}"].params for n in (1, 2, 3)]
    assert lines[0] == {"scene_id": "puddle", "text": "Look at that puddle, Buster. It is enormous!", "voice": None,
                        "direction": None, "pitch": 3.0, "pace": 0.95}  # whiskers' own settings
    assert (lines[1]["pitch"], lines[1]["pace"]) == (-4.0, 0.94)  # buster: the second character's default
    # The narrator's line is asked for exactly as a narration scene would be.
    assert lines[2] == {"scene_id": "puddle", "text": "And so they did, with the biggest splash of the day.",
                        "voice": None, "direction": None}
    assert steps["clip/puddle"].deps == ("image/puddle", "voice/puddle/1", "voice/puddle/2", "voice/puddle/3")
    assert "voice/puddle" not in steps
    assert steps["soundtrack"].deps == ("voice/rain", "voice/puddle/1", "voice/puddle/2", "voice/puddle/3")


def test_lines_follow_each_other_sample_exactly_with_a_gap():
    entry = {"role": "item", "step": "clip/x", "voices": ["v/1", "v/2"], "floor": None, "head": 0, "tail": 0}
    plan = [{"role": "seam", "step": None, "frames": 0}, entry, {"role": "seam", "step": None, "frames": 0}]
    cut = timeline.lay_out(plan, {"v/1": 1.00001, "v/2": 2.0}, 24, 48000)
    first, second = cut.voices
    assert first.start == round(timeline.LEAD_IN * 48000) == 14400
    assert second.start == first.start + 48000 + round(timeline.LINE_GAP * 48000)  # 1.00001 s is 48000 samples
    assert first.length == second.start - first.start  # never overlaps the next line
    assert second.start + second.length == cut.samples
    # Lead-in, 3.35 s of speech (1 s, the gap, 2 s), the tail: ceil(4.35 * 24) frames.
    assert cut.frames == 105


def test_a_dialogue_page_always_starts_with_its_speaker_and_fits_with_the_label():
    text = "Look at that puddle, Buster! It is bigger than the pond and deeper than the sea, I think."
    pages = captions.paginate(text, speaker="Whiskers")
    assert [page.speaker for page in pages] == ["Whiskers", "Whiskers"]
    assert all(len("Whiskers: " + line) <= captions.LINE_CHARS for page in pages for line in page.lines)
    assert captions.join([w for page in pages for w in page.words]) == text
    assert pages[1].lines == ("It is bigger than the pond and", "deeper than the sea, I think.")
    cues = captions.offset_cues([[0.0, 1.5, list(pages[1].lines), "Whiskers"], [1.5, 2.0, ["And so they did."]]], 10)
    assert captions.to_srt(cues) == (
        "1\n00:00:10,000 --> 00:00:11,500\nWhiskers: It is bigger than the pond and\ndeeper than the sea, I think.\n\n"
        "2\n00:00:11,500 --> 00:00:12,000\nAnd so they did.\n")
    assert captions.to_vtt(cues) == (
        "WEBVTT\n\n00:00:10.000 --> 00:00:11.500\n<v Whiskers>Whiskers: It is bigger than the pond and\n"
        "deeper than the sea, I think.</v>\n\n00:00:11.500 --> 00:00:12.000\nAnd so they did.\n")


def test_two_characters_without_settings_sound_different_offline(tmp_path):
    """The same words by the first two characters and the narrator, from the real
    piper voice: mean pitch at least 15% apart, length set by the pace alone (within
    10%: piper's own timing varies from take to take)."""
    pytest.importorskip("piper")
    from mediacheck import mean_pitch
    from storybuild.dialogue import speaker_voice
    from storybuild.providers.base import NarrationRequest
    from storybuild.providers.offline.narrator import PiperNarrator

    (tmp_path / "story.yaml").write_text(STORY % ("", "    lines: [{text: Hi.}]\n"))
    project = load_project(tmp_path)
    narrator = PiperNarrator(project.providers.voice)
    text = "The little boat sailed across the lake, and everyone waved hello from the shore."
    found = {}
    for speaker in (None, "whiskers", "buster"):
        voice, pitch, pace = speaker_voice(project, speaker)
        out = tmp_path / f"{speaker}.wav"
        narrator.narrate(NarrationRequest("s", text, voice, None, pitch, pace), out)
        with wave.open(str(out)) as handle:
            found[speaker] = (mean_pitch(out), handle.getnframes() / handle.getframerate())
    pitches = sorted(pitch for pitch, _ in found.values())
    assert all(higher / lower >= 1.15 for lower, higher in zip(pitches, pitches[1:])), found
    assert found["whiskers"][0] > found[None][0] > found["buster"][0], found  # +4 and -4 semitones
    narration_seconds = found[None][1]
    assert all(abs(seconds / narration_seconds - 1 / pace) < 0.1
               for (_, seconds), pace in zip(found.values(), (1.0, 1.0, 0.94))), found
    print(json.dumps({str(k): [round(v, 1) for v in values] for k, values in found.items()}))  # pytest -s


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """One offline render of the dialogue example, small and still."""
    pytest.importorskip("piper")
    document = yaml.safe_load(EXAMPLE.read_text())
    document["video"] = {"size": "320x180", "fps": 24, "captions": True, "motion": False}
    root = tmp_path_factory.mktemp("dialogue")
    write_story(root, document)
    run_cli("render", str(root), check=True)
    return root, document


def placed_lines(root: Path):
    """Where the soundtrack put each line of the dialogue (timeline.Voice, samples at 48 kHz)."""
    project = load_project(root)
    video = build_graph(project)[-1]
    scenes = root / "build" / "scenes"
    seconds = {"voice/rain": wav_seconds(scenes / "rain" / "voice.wav")}
    seconds.update({f"voice/puddle/{n}": wav_seconds(scenes / "puddle" / f"voice-{n}.wav") for n in (1, 2, 3)})
    cut = timeline.lay_out(video.params["timeline"], seconds, 24, project.video.sample_rate)
    return [voice for voice in cut.voices if voice.step.startswith("voice/puddle/")], seconds


def wav_seconds(path: Path) -> float:
    with wave.open(str(path)) as handle:
        return handle.getnframes() / handle.getframerate()


def test_lines_are_heard_in_order_with_quiet_between_them(rendered):
    root, _ = rendered
    lines, seconds = placed_lines(root)
    video = next((root / "build").glob("*.mp4"))
    gap = round(timeline.LINE_GAP * 48000)
    for line, following in zip(lines, lines[1:]):
        end = line.start + round(seconds[line.step] * 48000)
        assert following.start == end + gap
        speech = audio_rms_between(video, line.start / 48000 + 0.2, end / 48000 - 0.2)
        pause = audio_rms_between(video, end / 48000 + 0.06, following.start / 48000 - 0.06)
        assert pause < speech / 20, (line.step, speech, pause)


def test_captions_name_each_speaker_in_the_subtitles_and_the_picture(rendered):
    root, _ = rendered
    vtt = next((root / "build").glob("*.vtt")).read_text()
    srt = next((root / "build").glob("*.srt")).read_text()
    assert "<v Whiskers>Whiskers: Look at that puddle, Buster.</v>" in vtt or \
        "<v Whiskers>Whiskers: Look at that puddle," in vtt
    assert "\nBuster: Let's jump in it together!\n" in srt
    assert "\nAnd so they did," in srt  # the narrator's line has no label
    shown = json.loads((root / "build" / "scenes" / "puddle" / "captions.json").read_text())["pages"]
    assert [page[3] if len(page) > 3 else "" for page in shown] == ["Whiskers", "Buster", ""]
    # The label's colour is in the picture while Whiskers speaks, not while the narrator does.
    clip = root / "build" / "scenes" / "puddle" / "clip.mp4"
    middles = [(page[0] + page[1]) / 2 for page in shown]
    assert [label_pixels(clip, middle) > 20 for middle in middles] == [True, True, False]


def label_pixels(clip: Path, seconds: float) -> int:
    """Light blue pixels (the speaker label's colour: bright, much more blue than
    red; white words are neither) in the caption area, the frame's lowest quarter,
    of the clip's frame at `seconds`."""
    import av

    with av.open(str(clip)) as container:
        frames = [frame for frame in container.decode(video=0) if frame.time >= seconds]
        pixels = frames[0].to_ndarray(format="rgb24").astype(int)
    pixels = pixels[pixels.shape[0] * 3 // 4:]
    return int(((pixels.mean(axis=2) > 140) & (pixels[..., 2] - pixels[..., 0] > 30)).sum())


def test_editing_one_line_revoices_that_line_only(rendered, tmp_path):
    import shutil

    from test_render import built_steps

    source, document = rendered
    root = tmp_path / "copy"
    shutil.copytree(source, root)
    run_cli("render", str(root), check=True)  # the copies of the views become links into the store again
    document["scenes"][1]["lines"][1]["text"] = "Let's jump in it right now!"
    write_story(root, document)
    status = run_cli("status", "--explain", str(root))
    stale = [" ".join(line.split()) for line in status.stdout.splitlines() if not line.startswith("fresh")]
    assert stale == [
        "stale voice/puddle/2 params.text changed",
        "blocked clip/puddle waits for voice/puddle/2",
        "blocked soundtrack waits for voice/puddle/2",
        "blocked video waits for clip/puddle, voice/puddle/2, soundtrack",
        "4 of 17 steps would run (13 fresh, 1 stale, 3 blocked)",
    ]
    result = run_cli("render", str(root), check=True)
    assert built_steps(result) == ["clip/puddle", "soundtrack", "video", "voice/puddle/2"]
    # A line inserted above: the lines below it move to new ids but keep their keys.
    document["scenes"][1]["lines"].insert(0, {"text": "Then Buster saw something."})
    write_story(root, document)
    status = [line.split()[:2] for line in run_cli("status", str(root)).stdout.splitlines()]
    assert [words for words in status if words[1:] and words[1].startswith("voice/puddle")] == [
        ["stale", "voice/puddle/1"], ["restore", "voice/puddle/2"], ["restore", "voice/puddle/3"],
        ["restore", "voice/puddle/4"]]


def test_a_narrating_speaker_takes_only_its_own_pitch_and_pace(tmp_path):
    narration = "    narration: Hi.\n    speaker: buster\n"
    (tmp_path / "story.yaml").write_text(STORY % ("", narration))
    assert "pitch" not in steps_of(tmp_path)["voice/puddle"].params  # no default: the key it always had
    (tmp_path / "story.yaml").write_text(STORY % (", voice: {pitch: -2}", narration))
    assert (steps_of(tmp_path)["voice/puddle"].params["pitch"], "pace" in steps_of(tmp_path)["voice/puddle"].params) \
        == (-2.0, False)


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["--record"]:
        names = ("whiskers-and-buster", "moonlight-lantern-parade")
        GOLDEN.write_text(json.dumps({name: example_keys(name) for name in names}, indent=1) + "\n")
