"""Many stories in one run: one scheduler, one -j budget, a summary per project, -k
across projects. Real offline renders of tiny projects through the CLI."""

from __future__ import annotations

from pathlib import Path

from conftest import run_cli, write_story
from mediacheck import probe
from test_remote import tiny


def broken_picture(project: Path, document: dict) -> dict:
    """The story with its first scene drawn from a PNG cut short: it passes validation
    (it starts like a PNG) and fails when the image step reads it."""
    (project / "art").mkdir(parents=True)
    (project / "art" / "cut.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    scenes = [dict(scene) for scene in document["scenes"]]
    scenes[0]["image"] = {"file": "art/cut.png"}
    return {**document, "scenes": scenes}


def test_two_projects_render_together_with_a_summary_each(tmp_path, small_story):
    one, two = tmp_path / "one", tmp_path / "two"
    write_story(one, tiny(small_story))
    write_story(two, {**tiny(small_story), "title": "A second story"})
    result = run_cli("render", "-j", "2", str(one), str(two), check=True)
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("built 19, restored 0, fresh 0 in ") and lines[0].endswith(
        f"{one}/build/whiskers-and-buster-s-rainbow-day.mp4")
    # Only the title differs: its card, the two transitions touching it and the video are
    # built; the voices, pictures and clips are the first story's (batch_share).
    assert lines[1].startswith("built 4, restored 0, shared 15, fresh 0 in ") and lines[1].endswith(
        f"{two}/build/a-second-story.mp4")
    assert "[38/38]" in result.stderr and " one:video" in result.stderr and " two:video" in result.stderr
    assert probe(one / "build" / "whiskers-and-buster-s-rainbow-day.mp4")["frames"] > 0
    assert probe(two / "build" / "a-second-story.mp4")["frames"] > 0
    again = run_cli("render", str(one), str(two), check=True)
    assert [line.split(" in ")[0] for line in again.stdout.splitlines()] == ["up to date (19 steps fresh)"] * 2


def test_keep_going_builds_the_other_projects_after_a_failure(tmp_path, small_story):
    good, bad = tmp_path / "good", tmp_path / "bad"
    write_story(good, tiny(small_story))
    write_story(bad, broken_picture(bad, tiny(small_story)))
    result = run_cli("render", "-k", str(bad), str(good))
    assert result.returncode == 1
    # The failing project came first and built everything but its first scene's picture
    # and what depends on it: the other project took those steps from it (batch_share).
    assert result.stdout.startswith("built 5, restored 0, shared 14, fresh 0 in ")
    message = result.stderr[result.stderr.index("Error: "):].splitlines()
    assert message[:3] == ["Error: 1 of 2 projects did not finish:", f"{bad}: 1 step(s) failed:",
                           "  image/garden (scene garden): cannot read the picture cut.png: cannot identify "
                           f"image file '{bad}/art/cut.png'"]
    assert run_cli("status", str(good)).returncode == 0


def test_without_keep_going_a_failure_stops_every_project(tmp_path, small_story):
    good, bad = tmp_path / "good", tmp_path / "bad"
    write_story(good, tiny(small_story))
    write_story(bad, broken_picture(bad, tiny(small_story)))
    result = run_cli("render", "-j", "1", str(bad), str(good))
    assert result.returncode == 1
    message = result.stderr[result.stderr.index("Error: "):].splitlines()
    assert message[0] == "Error: 2 of 2 projects did not finish:"
    stopped = [line for line in message if line.startswith(f"{good}: ")]
    assert len(stopped) == 1 and stopped[0].endswith(" step(s) not started because another project failed; "
                                                     "use -k to build everything that does not depend on a failure")
    assert run_cli("status", str(good)).returncode == 1  # it did not run to the end
