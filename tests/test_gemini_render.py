"""End to end with Gemini: real CLI renders whose image and voice steps call the real
google-genai SDK over HTTP, against tests/fakegemini.py running in the test process.

The `fake_gemini` fixture points storybuild at the fake (STORYBUILD_GEMINI_BASE_URL,
fast retries) through os.environ, which run_cli passes on; run_cli strips API keys, so
every render that should have one gets it explicitly through `KEY`.
"""

from __future__ import annotations

import json
import math
import re
import wave
from pathlib import Path

from conftest import run_cli, write_story
from fakegemini import DUMMY_KEY, Recorded, fake_gemini, speech_seconds  # noqa: F401 - fake_gemini is a fixture
from mediacheck import audio_rms_between, probe

KEY = {"GEMINI_API_KEY": DUMMY_KEY}
FPS = 24
LEAD_IN, TAIL = 0.3, 0.7  # silence before and after each narration (compose.py's clip timing)
SHEET_STEPS = ["character/pip", "character/mo"]
BLOCKED_LINE = ("  image/hill (scene hill): gemini image model gemini-3.1-flash-image: "
                "scene hill: no image returned: finish reason IMAGE_SAFETY")


def story() -> dict:
    """3 scenes, 2 characters. Pip has a voice of his own (Puck) and speaks the hill
    scene, where only Mo is shown; in the pond scene Pip is shown but does not speak."""
    return {
        "version": 1,
        "title": "Pip and Mo",
        "style": "bright flat crayon drawing",
        # Hard cuts and no cards: these tests count provider calls and steps, not the film.
        "video": {"size": "640x360", "fps": FPS, "captions": True, "motion": False, "transition": "cut", "fade": 0},
        "title_card": False,
        "end_card": False,
        "providers": {"image": {"provider": "gemini"},
                      "voice": {"provider": "gemini", "voice": "Kore", "direction": "warm"}},
        "characters": {
            "pip": {"name": "Pip", "description": "a small round yellow duckling with a blue scarf", "voice": "Puck"},
            "mo": {"name": "Mo", "description": "a tall gentle grey elephant with a green hat"},
        },
        "scenes": [
            {"id": "pond", "image": "Pip paddles across a lily pond at sunrise",
             "narration": "Pip paddled across the pond as the sun came up.", "characters": ["pip"]},
            {"id": "hill", "image": "Mo climbs a grassy hill under a kite",
             "narration": "Far away, Mo was climbing the big green hill.", "characters": ["mo"], "speaker": "pip"},
            {"id": "home", "image": "Pip rides home on Mo's back at dusk",
             "narration": "At dusk the two friends walked home together.", "characters": ["pip", "mo"]},
        ],
    }


def scenes() -> dict[str, dict]:
    return {s["id"]: s for s in story()["scenes"]}


def render(root: Path, *args: str, env: dict | None = KEY):
    return run_cli("render", *args, str(root), env=env)


def steps(result, verb: str) -> list[str]:
    """Step ids the render's progress lines (stderr) report with `verb` (built, restored, FAILED, skipped)."""
    found = re.findall(rf"^\[\d+/\d+\] +[\d.]+s {verb} +([^\s:]+)", result.stderr, flags=re.MULTILINE)
    return sorted(found)


def every_step() -> list[str]:
    ids = [f"{kind}/{s}" for s in scenes() for kind in ("image", "voice", "clip")]
    return sorted(SHEET_STEPS + ids + ["soundtrack", "video"])


def sheet_for(call: Recorded) -> str | None:
    """The character whose reference sheet `call` asks for; None for a scene request."""
    if call.kind != "image" or scene_for(call):
        return None
    (character,) = [c for c, v in story()["characters"].items() if v["description"] in call.text]
    return character


def scene_for(call: Recorded) -> str | None:
    """The scene an image or voice request is for, found by its unique prompt text."""
    field = "image" if call.kind == "image" else "narration"
    matches = [sid for sid, s in scenes().items() if s[field] in call.text]
    assert len(matches) <= 1, call.text
    return matches[0] if matches else None


def voice_name(call: Recorded) -> str:
    return call.config["speech_config"]["voice_config"]["prebuilt_voice_config"]["voice_name"]


def wav_seconds(path: Path) -> float:
    with wave.open(str(path)) as reader:
        return reader.getnframes() / reader.getframerate()


def build_files(root: Path) -> list[Path]:
    return [p for p in (root / "build").rglob("*") if p.is_file()]


def rendered_project(tmp_path: Path, server) -> Path:
    write_story(tmp_path, story())
    result = render(tmp_path)
    assert result.returncode == 0, result.stderr
    assert steps(result, "built") == every_step()
    assert server.errors == []
    return tmp_path


# -- a first render --------------------------------------------------------------------

def test_first_render_builds_everything_and_the_video_decodes(fake_gemini, tmp_path):
    root = rendered_project(tmp_path, fake_gemini)
    video = root / "build" / "pip-and-mo.mp4"
    info = probe(video)
    voices = {sid: wav_seconds(root / "build" / "scenes" / sid / "voice.wav") for sid in scenes()}
    assert voices == {sid: speech_seconds(s["narration"]) for sid, s in scenes().items()}  # the fake's tone lengths
    frames = [math.ceil((LEAD_IN + v + TAIL) * FPS - 1e-9) for v in voices.values()]
    assert (info["width"], info["height"], info["pix_fmt"]) == (640, 360, "yuv420p")
    assert info["frames"] == sum(frames)
    assert abs(info["duration"] - sum(frames) / FPS) <= 1 / FPS
    assert abs(info["audio_duration"] - sum(frames) / FPS) <= 1 / FPS
    assert info["audio_rms"] > 0.05
    start = 0.0
    for seconds, count in zip(voices.values(), frames):  # each scene's narration is where its clip is
        assert audio_rms_between(video, start + LEAD_IN + 0.05, start + LEAD_IN + seconds - 0.05) > 0.1
        start += count / FPS
    # Gemini reports no word times: the captions are aligned on its audio instead.
    from storybuild.store import Store

    store = Store(root / "build")
    for sid in scenes():
        assert sorted(store.current_trace(f"voice/{sid}").outputs) == ["voice.wav"]
        shown = json.loads((root / "build" / "scenes" / sid / "captions.json").read_text(encoding="utf-8"))
        assert shown["timing"] == "aligner"
        assert [w for _, _, lines in shown["pages"] for line in lines for w in line.split()] == \
            scenes()[sid]["narration"].split()


def test_sheets_then_scenes_with_exactly_their_references_and_one_tts_per_scene(fake_gemini, tmp_path):
    root = rendered_project(tmp_path, fake_gemini)
    images, audio = fake_gemini.calls("image"), fake_gemini.calls("audio")
    assert len(fake_gemini.requests) == len(images) + len(audio) == 8
    assert all(call.status == 200 and call.api_key_sent for call in fake_gemini.requests)

    sheets = [sheet_for(call) for call in images if sheet_for(call)]
    assert sorted(sheets) == ["mo", "pip"]
    for call in images:
        assert call.config["image_config"] == {"aspect_ratio": "16:9"}
        assert call.config["response_modalities"] == ["IMAGE"]
        assert call.model == "gemini-3.1-flash-image"

    scene_calls = {scene_for(call): call for call in images if scene_for(call)}
    assert sorted(scene_calls) == sorted(scenes())
    sheet_bytes = {c: (root / "build" / "characters" / f"{c}.png").read_bytes() for c in ("pip", "mo")}
    for sid, scene in scenes().items():
        expected = [("image/png", sheet_bytes[c]) for c in scene["characters"]]
        assert scene_calls[sid].inline == expected, sid
    first_scene = min(fake_gemini.requests.index(c) for c in scene_calls.values())
    assert all(fake_gemini.requests.index(c) < first_scene for c in images if sheet_for(c))

    tts = {scene_for(call): call for call in audio}
    assert sorted(tts) == sorted(scenes())
    assert {sid: voice_name(call) for sid, call in tts.items()} == {"pond": "Kore", "hill": "Puck", "home": "Kore"}
    for sid, call in tts.items():
        # the words only, the direction as the part's style, no system instruction
        assert call.parts == [{"text": scenes()[sid]["narration"], "speech_metadata": {"style": "warm"}}]
        assert "system_instruction" not in call.normalized
        assert call.model == "gemini-3.8-flash-tts"


def test_a_noop_rerender_makes_no_requests(fake_gemini, tmp_path):
    root = rendered_project(tmp_path, fake_gemini)
    before = len(fake_gemini.requests)
    result = render(root)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("up to date (13 steps fresh)")
    assert steps(result, "built") == steps(result, "restored") == []
    assert len(fake_gemini.requests) == before == 8


def test_editing_a_character_redraws_its_sheet_and_only_its_scenes(fake_gemini, tmp_path):
    root = rendered_project(tmp_path, fake_gemini)
    old_sheet = (root / "build" / "characters" / "mo.png").read_bytes()
    document = story()
    document["characters"]["mo"]["description"] = "a tall gentle grey elephant with a red umbrella"
    write_story(root, document)
    before = len(fake_gemini.requests)

    result = render(root)
    assert result.returncode == 0, result.stderr
    assert steps(result, "built") == ["character/mo", "clip/hill", "clip/home", "image/hill", "image/home", "video"]
    new = fake_gemini.requests[before:]
    assert len(new) == 3 and all(call.kind == "image" for call in new)
    (sheet,) = [call for call in new if not scene_for(call)]
    assert "a red umbrella" in sheet.text and "a green hat" not in sheet.text
    assert sorted(scene_for(call) for call in new if scene_for(call)) == ["hill", "home"]
    mo_sheet = (root / "build" / "characters" / "mo.png").read_bytes()
    pip_sheet = (root / "build" / "characters" / "pip.png").read_bytes()
    assert mo_sheet != old_sheet
    for call in new:
        if scene_for(call) == "hill":
            assert call.inline == [("image/png", mo_sheet)]
        elif scene_for(call) == "home":
            assert call.inline == [("image/png", pip_sheet), ("image/png", mo_sheet)]


# -- failures ------------------------------------------------------------------------------

def test_a_safety_blocked_scene_fails_alone_and_the_next_render_asks_only_for_it(fake_gemini, tmp_path):
    write_story(tmp_path, story())
    hill = scenes()["hill"]["image"]
    fake_gemini.decide = lambda call: {"finish_reason": "IMAGE_SAFETY"} if hill in call.text else None

    result = render(tmp_path, "-k")
    assert result.returncode == 1
    assert BLOCKED_LINE in result.stderr.splitlines()
    assert "Traceback" not in result.stderr
    assert steps(result, "FAILED") == ["image/hill"]
    assert steps(result, "skipped") == ["clip/hill", "video"]
    assert steps(result, "built") == sorted(set(every_step()) - {"image/hill", "clip/hill", "video"})
    assert len([call for call in fake_gemini.calls("image") if scene_for(call) == "hill"]) == 1  # not retried
    assert (tmp_path / "build" / "scenes" / "pond" / "clip.mp4").is_file()
    status = run_cli("status", "--json", str(tmp_path))
    states = {row["step"]: row["state"] for row in json.loads(status.stdout)["steps"] if row["state"] != "fresh"}
    assert states == {"image/hill": "stale", "clip/hill": "blocked", "video": "blocked"}

    fake_gemini.decide = None
    before = len(fake_gemini.requests)
    result = render(tmp_path)
    assert result.returncode == 0, result.stderr
    assert steps(result, "built") == ["clip/hill", "image/hill", "video"]
    (call,) = fake_gemini.requests[before:]
    assert scene_for(call) == "hill" and call.status == 200
    assert call.inline == [("image/png", (tmp_path / "build" / "characters" / "mo.png").read_bytes())]
    assert probe(tmp_path / "build" / "pip-and-mo.mp4")["frames"] > 0


def test_without_a_key_render_refuses_before_any_request_and_status_shows_paid_steps(fake_gemini, tmp_path):
    write_story(tmp_path, story())
    result = render(tmp_path, env=None)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "Error: 8 step(s) call the Gemini API but no API key is set: character/pip, character/mo, "
        "image/pond, voice/pond, image/hill, voice/hill and 2 more. "
        "Set GEMINI_API_KEY (or GOOGLE_API_KEY), or choose offline providers in story.yaml")
    assert fake_gemini.requests == []
    assert not list((tmp_path / "build").rglob("*.png")) and not list((tmp_path / "build").rglob("*.wav"))

    status = run_cli("status", str(tmp_path))
    assert status.returncode == 1
    *plan_lines, summary, images, voices, total = status.stdout.splitlines()
    lines = {line.split()[1]: line for line in plan_lines}
    assert sorted(lines) == every_step()
    for step_id, line in lines.items():
        model = {"character": "gemini-3.1-flash-image", "image": "gemini-3.1-flash-image",
                 "voice": "gemini-3.8-flash-tts"}.get(step_id.split("/")[0])
        assert line.endswith(f"[calls gemini {model}]") if model else "[calls" not in line, line
    assert summary == "13 of 13 steps would run (5 stale, 8 blocked); 8 would call a paid API (gemini)"
    seconds = sum(0.3 + len(s["narration"].split()) / 2.5 for s in scenes().values())  # 150 words a minute
    assert images == "paid: 5 calls to gemini gemini-3.1-flash-image: 5 images at $0.039/image = $0.20"
    assert voices == f"paid: 3 calls to gemini gemini-3.8-flash-tts: {seconds:.1f} s at $0.00025/s = $0.0029"
    assert total == "estimated cost: $0.20"
    cost = json.loads(run_cli("status", "--json", str(tmp_path)).stdout)["cost"]
    assert cost["estimated_usd"] == round(5 * 0.039 + seconds * 0.00025, 6)
    assert [(m["model"], m["calls"], m["unit"]) for m in cost["models"]] == [
        ("gemini-3.1-flash-image", 5, "per_image"), ("gemini-3.8-flash-tts", 3, "per_second")]
    assert fake_gemini.requests == []


def test_the_key_never_reaches_build_files_or_output(fake_gemini, tmp_path):
    """Errors that quote the key (as some servers do) are shown redacted; nothing stored holds it."""
    write_story(tmp_path, story())
    fake_gemini.inject({"kind": "image", "status": 429, "echo_key": True},
                       {"kind": "audio", "status": 400, "echo_key": True})
    failed = render(tmp_path, "-k")
    assert failed.returncode == 1
    assert "400 INVALID_ARGUMENT: fake 400 (key [redacted])" in failed.stderr  # the key was echoed, and caught
    assert [call.status for call in fake_gemini.requests].count(429) == 1
    finished = render(tmp_path)
    assert finished.returncode == 0, finished.stderr
    for result in (failed, finished):
        assert DUMMY_KEY not in result.stdout + result.stderr
    files = build_files(tmp_path)
    assert len(files) > 20
    for path in files:
        assert DUMMY_KEY.encode() not in path.read_bytes(), path


# -- rate limits -------------------------------------------------------------------------

def test_with_30_percent_of_calls_failing_the_render_completes_without_paying_twice(fake_gemini, tmp_path):
    """Seeded 429s (RetryInfo, QuotaFailure per minute) and 503s: each paid request
    succeeds exactly once, and the waits are shown on the progress lines."""
    write_story(tmp_path, story())
    fake_gemini.configure(fail_rate=0.3, seed=5)
    result = render(tmp_path)
    assert result.returncode == 0, result.stderr
    failures = [call for call in fake_gemini.requests if call.status != 200]
    assert {call.status for call in failures} == {429, 503}
    paid = [(call.kind, call.text, tuple(call.inline)) for call in fake_gemini.requests if call.paid]
    assert len(paid) == len(set(paid)) == 8
    waits = re.findall(r"^\[\d+/\d+\] +[\d.]+s waiting +(\S+) (.*)$", result.stderr, flags=re.MULTILINE)
    assert len(waits) == len(failures)
    assert all(re.fullmatch(r"(rate limited|overloaded), retrying in [\d.]+ s, try [2-6] of 6", why)
               for _, why in waits), waits


def test_a_per_day_quota_fails_the_step_at_once_with_one_line(fake_gemini, tmp_path):
    write_story(tmp_path, story())
    fake_gemini.inject({"kind": "audio", "status": 429, "quota": "day", "retryDelay": "40s"})
    result = render(tmp_path, "-k")
    assert result.returncode == 1
    (line,) = [line for line in result.stderr.splitlines() if "FAILED" in line]
    assert re.fullmatch(r"\[\d+/13\] +[\d.]+s FAILED +voice/\w+: gemini voice model gemini-3.8-flash-tts: the daily "
                        r"quota GenerateRequestsPerDayPerProjectPerModel-FreeTier is used up; it resets at midnight "
                        r"Pacific time \(\d\d:00 UTC, in \d+ h \d+ min\)", line), line
    assert len([call for call in fake_gemini.calls("audio") if call.status == 429]) == 1  # not retried
    assert "waiting" not in result.stderr


# -- cost ----------------------------------------------------------------------------------

def test_max_cost_refuses_before_any_call_and_story_prices_override_the_table(fake_gemini, tmp_path):
    document = story()
    document["pricing"] = {"gemini-3.1-flash-image": {"per_image": 0.5}}
    write_story(tmp_path, document)
    refused = render(tmp_path, "--max-cost", "2.00")
    assert refused.returncode == 2
    assert refused.stderr.strip() == ("Error: this render would cost about $2.50 (8 paid calls), more than --max-cost "
                                      "2.00; nothing was called (`storybuild status` lists the calls)")
    assert fake_gemini.requests == [] and not (tmp_path / "build" / ".storybuild" / "objects").exists()
    dry = render(tmp_path, "-n")
    assert dry.stdout.splitlines()[-1] == "estimated cost: $2.50"
    assert "paid: 5 calls to gemini gemini-3.1-flash-image: 5 images at $0.5/image = $2.50" in dry.stdout
    assert fake_gemini.requests == []

    # Two copies in one batch: a step whose key is known (the sheets) is paid for once,
    # as the batch shares it; the pictures wait for the sheets, so their keys are not
    # known yet and each copy counts them (an upper bound: $4.00, not 2 x $2.50).
    copy = tmp_path / "copy"
    write_story(copy, document)
    refused = render(tmp_path, str(copy), "--max-cost", "2.00")
    assert refused.stderr.strip() == ("Error: this render would cost about $4.00 (11 paid calls), more than --max-cost "
                                      "2.00; nothing was called (`storybuild status` lists the calls)")
    assert fake_gemini.requests == []

    document["pricing"] = {"gemini-3.1-flash-image": {"per_image": 0.1}}
    write_story(tmp_path, document)
    assert render(tmp_path, "--max-cost", "2.00").returncode == 0
    assert render(tmp_path, "-n").stdout.splitlines()[-1] == "up to date: all 13 steps are fresh"  # nothing to pay
