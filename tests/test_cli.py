"""The command line as a user meets it: help, init, validate, status, clean, gc."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import run_cli, write_story

GOLDEN = Path(__file__).parent / "golden"
HEAVY = ("PIL", "av", "numpy", "google.genai", "piper", "onnxruntime", "jsonschema", "moviepy")


@pytest.mark.parametrize("command", ["init", "validate", "status", "render", "clean", "gc", "verify"])
def test_every_command_has_help_with_an_example(command):
    result = run_cli(command, "--help", check=True)
    assert "Example:" in result.stdout
    assert "storybuild " + command in result.stdout


def heavy_modules_imported(*args: str) -> list[str]:
    """Run the CLI in-process in a fresh interpreter and list heavy modules it imported."""
    code = ("import sys\nfrom storybuild.cli import main\n"
            f"try:\n    main({list(args)!r}, standalone_mode=False)\nexcept SystemExit:\n    pass\n"
            f"print([m for m in {HEAVY!r} if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return eval(out.strip().splitlines()[-1])


def test_status_and_noop_render_import_nothing_heavy(tmp_path, small_story):
    write_story(tmp_path, small_story)
    # The first look validates against the schema; later ones find the validated marker.
    assert heavy_modules_imported("status", str(tmp_path)) == ["jsonschema"]
    run_cli("render", str(tmp_path), check=True)
    assert heavy_modules_imported("status", str(tmp_path)) == []
    assert heavy_modules_imported("render", str(tmp_path)) == []


def test_status_explain_matches_golden_after_an_edit(tmp_path, small_story):
    write_story(tmp_path, small_story)
    run_cli("render", str(tmp_path), check=True)
    small_story["scenes"][1]["narration"] = "Then the friends zoomed down a giant rainbow."
    small_story["scenes"][2]["image"] = "A pool of rubber ducks and beach balls."
    write_story(tmp_path, small_story)
    result = run_cli("status", "--explain", str(tmp_path))
    assert result.returncode == 1
    assert result.stdout == (GOLDEN / "status-explain-after-edit.txt").read_text()


def test_status_json_is_machine_readable(tmp_path, small_story):
    write_story(tmp_path, small_story)
    result = run_cli("status", "--json", str(tmp_path))
    data = json.loads(result.stdout)
    assert [row["step"] for row in data["steps"]][:3] == ["card/title", "transition/+card:title", "image/garden"]
    assert data["summary"] == "19 of 19 steps would run (8 stale, 11 blocked)"


def test_bad_story_exits_2_with_located_messages_and_writes_nothing(tmp_path, small_story):
    small_story["scenes"][0]["charcters"] = small_story["scenes"][0].pop("characters")
    small_story["scenes"][1]["narration"] = " "
    write_story(tmp_path, small_story)
    for command in ("validate", "status", "render"):
        result = run_cli(command, str(tmp_path))
        assert result.returncode == 2, command
        assert "Traceback" not in result.stderr
        assert "scenes[0].charcters: unknown field; did you mean 'characters'?" in result.stderr
        assert "scenes[1].narration: must not be empty" in result.stderr
    assert not (tmp_path / "build").exists()


def test_unknown_force_target_gets_a_hint(tmp_path, small_story):
    write_story(tmp_path, small_story)
    result = run_cli("render", "--force", "voice/gardn", str(tmp_path))
    assert result.returncode == 2
    assert "--force voice/gardn: no step, scene or step kind has that name; did you mean 'voice/garden'?" in result.stderr


def test_clean_keeps_the_store_and_gc_frees_old_objects(tmp_path, small_story):
    write_story(tmp_path, small_story)
    run_cli("render", str(tmp_path), check=True)
    assert "removed" in run_cli("clean", str(tmp_path), check=True).stdout
    assert not (tmp_path / "build" / "scenes").exists()
    status = run_cli("status", str(tmp_path))
    assert status.returncode == 1  # a render has work to do: relinking, though nothing is generated
    assert status.stdout.splitlines()[-1] == "0 of 19 steps would run; 12 would be restored from the store, 7 are fresh"
    result = run_cli("render", str(tmp_path), check=True)
    assert "built 0, restored 12" in result.stdout  # every step with a view; the seams have none

    small_story["scenes"][0]["narration"] = "A different first line."
    write_story(tmp_path, small_story)
    run_cli("render", str(tmp_path), check=True)
    result = run_cli("gc", str(tmp_path), check=True)
    # The old scene's voice.wav and words.json, clip.mp4 and pages.json, the old
    # soundtrack, and the old video.mp4, .srt and .vtt; and the review pages of the
    # first two renders (build/index.html is the third's).
    assert result.stdout.startswith("removed 10 stored object(s), freed ")
    assert run_cli("status", str(tmp_path)).returncode == 0
    assert "removed 0 stored object(s)" in run_cli("gc", str(tmp_path), check=True).stdout


def test_a_voice_the_voice_provider_lacks_is_a_validation_error(tmp_path, small_story):
    small_story["characters"]["buster"]["voice"] = "Puck"
    write_story(tmp_path, small_story)
    result = run_cli("validate", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.endswith(
        "characters.buster.voice: 'Puck' is not a piper voice (piper voices: joe, en_US-joe-medium)\n")


def test_the_registry_lists_exactly_the_piper_voices_the_narrator_has():
    from storybuild.providers import voices
    from storybuild.providers.offline.narrator import VOICES

    assert set(voices("piper")) == set(VOICES)


def test_views_of_removed_scenes_and_old_titles_are_pruned_but_user_files_kept(tmp_path, small_story):
    write_story(tmp_path, small_story)
    run_cli("render", str(tmp_path), check=True)
    build = tmp_path / "build"
    (build / "scenes" / "pool" / "my-notes.txt").write_text("mine")
    old_video = build / "whiskers-and-buster-s-rainbow-day.mp4"
    small_story["scenes"] = small_story["scenes"][:2]
    small_story["title"] = "Two Scenes"
    write_story(tmp_path, small_story)
    run_cli("render", str(tmp_path), check=True)
    assert not old_video.exists()
    assert (build / "two-scenes.mp4").is_file()
    assert sorted(p.name for p in (build / "scenes" / "pool").iterdir()) == ["my-notes.txt"]
    assert sorted(p.name for p in (build / "scenes").iterdir()) == ["garden", "pool", "rainbow"]
    assert sorted(p.name for p in (build / "scenes" / "rainbow").iterdir()) == [
        "captions.json", "clip.mp4", "image.png", "voice.wav"]
    recorded = json.loads((build / ".storybuild" / "views.json").read_text("utf-8"))
    assert not [path for path in recorded if "pool" in path or "rainbow-day" in path]  # no record outlives its file
    assert all((build / path).is_file() for path in recorded)
    # pool: image, voice + words.json, clip + pages.json; the old soundtrack, video, .srt,
    # .vtt; the old title card x2 and its two seams; the seams beside pool x2; the first
    # render's review page
    assert "removed 16 stored object(s)" in run_cli("gc", str(tmp_path), check=True).stdout


def test_a_missing_optional_package_stops_the_render_before_anything_runs(tmp_path):
    from storybuild.errors import MissingDependencyError
    from storybuild.graph import build_graph
    from storybuild.report import check_installed
    from test_plan import make_project

    steps = build_graph(make_project(tmp_path))
    check_installed(steps)  # everything the offline providers need is installed here
    with pytest.raises(MissingDependencyError) as caught:
        check_installed(steps, missing=lambda entry: ["piper"] if entry.name == "piper" else [])
    assert caught.value.format_message() == (
        "the 'piper' voice provider needs the optional package(s) piper: pip install 'storybuild[piper]'")
    check_installed([s for s in steps if s.kind != "voice"], missing=lambda entry: list(entry.requires))
