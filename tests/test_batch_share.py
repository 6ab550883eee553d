"""Identical work once per batch (batch_share): a step whose key another project of the
batch built is copied from its store, verified by digest. Real offline renders of the
3-scene example at a tiny size, through the CLI."""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from pathlib import Path

import pytest

from conftest import run_cli, write_story
from mediacheck import probe
from storybuild.keys import digest_file
from test_remote import tiny

pytestmark = pytest.mark.slow
VIDEO = "build/whiskers-and-buster-s-rainbow-day.mp4"


def events(stderr: str) -> list[dict]:
    return [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]


def outcomes(seen: list[dict], kind: str) -> Counter:
    """How many projects reached `kind` for each step (project prefix dropped)."""
    return Counter(event["step"].split(":", 1)[1] for event in seen if event["kind"] == kind)


def stored_outputs(project: Path, step_id: str) -> dict[str, str]:
    """The output digests of the trace `step_id` is linked to."""
    meta = project / "build" / ".storybuild"
    key = json.loads((meta / "current.json").read_text())[step_id]
    return json.loads((meta / "traces" / key[:2] / f"{key}.json").read_text())["outputs"]


def test_two_copies_build_each_step_once_and_give_the_same_video(tmp_path, small_story):
    one, two = tmp_path / "one", tmp_path / "two"
    write_story(one, tiny(small_story))
    write_story(two, tiny(small_story))
    result = run_cli("render", "--progress", "json", str(one), str(two), check=True)
    seen = events(result.stderr)
    built, shared = outcomes(seen, "built"), outcomes(seen, "shared")
    assert len(built) == 19 and set(built.values()) == {1}  # every key built once, in one project
    assert shared == built  # and copied into the other
    lines = result.stdout.splitlines()
    assert lines[0].startswith("built 19, restored 0, fresh 0 in ")
    assert lines[1].startswith("built 0, restored 0, shared 19, fresh 0 in ")
    first, second = probe(one / VIDEO), probe(two / VIDEO)
    assert first["frames"] == second["frames"] > 0
    assert first["duration"] == pytest.approx(second["duration"])
    assert digest_file(one / VIDEO) == digest_file(two / VIDEO)
    again = run_cli("render", str(two), check=True)  # the copies are the project's own now
    assert again.stdout.startswith("up to date (19 steps fresh) in ")


def test_a_damaged_object_in_a_sibling_store_is_not_copied_but_built_again(tmp_path, small_story):
    one, two = tmp_path / "one", tmp_path / "two"
    write_story(one, tiny(small_story))
    write_story(two, tiny(small_story))
    run_cli("render", str(one), check=True)
    digest = stored_outputs(one, "image/garden")["image.png"]
    rot(one / "build" / ".storybuild" / "objects" / digest[:2] / digest[2:])
    result = run_cli("render", "--progress", "json", str(one), str(two), check=True)
    lines = result.stdout.splitlines()
    assert lines[0].startswith("up to date (19 steps fresh) in ")  # the rot keeps the file's stat: unseen
    # The picture is drawn again, byte for byte as before: everything after it is shared.
    assert lines[1].startswith("built 1, restored 0, shared 18, fresh 0 in ")
    damaged = [event for event in events(result.stderr) if event["kind"] == "damaged"]
    assert [(event["step"], event["message"]) for event in damaged] == [
        ("two:image/garden", f"not taken from another project of the batch: the copy of image.png ({digest[:12]}) "
                             "in project one does not match its digest; building it here instead")]
    kept = two / "build" / ".storybuild" / "objects" / digest[:2] / digest[2:]
    assert digest_file(kept) == digest
    assert probe(two / VIDEO)["frames"] > 0


def rot(path: Path) -> None:
    """Flip a byte of `path` in place and put its mtime back: the disk rotted, so its
    inode, size and mtime are those recorded when it was last seen intact."""
    info = os.stat(path)
    os.chmod(path, 0o644)
    with open(path, "r+b") as handle:
        handle.seek(info.st_size // 2)
        byte = handle.read(1)
        handle.seek(info.st_size // 2)
        handle.write(bytes([byte[0] ^ 0xFF]))
    os.chmod(path, info.st_mode)
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))


def test_with_a_team_remote_the_batch_still_uploads_what_it_built(tmp_path, small_story):
    one, two, later = tmp_path / "one", tmp_path / "two", tmp_path / "later"
    for project in (one, two, later):
        write_story(project, tiny(small_story))
    team = (tmp_path / "team").as_uri()
    batch = run_cli("render", "--remote", team, str(one), str(two), check=True)
    assert [line.split(" in ")[0] for line in batch.stdout.splitlines()] == [
        "built 19, restored 0, fresh 0", "built 0, restored 0, shared 19, fresh 0"]
    alone = run_cli("render", "--remote", team, str(later), check=True)
    assert alone.stdout.startswith("built 0, restored 0, downloaded 19, fresh 0 in ")
    # A batch whose steps are all in the team remote downloads them, reported as such
    # (never as built); the second project copies from the first or downloads too.
    again = [tmp_path / "again-1", tmp_path / "again-2"]
    for project in again:
        write_story(project, tiny(small_story))
    first, second = run_cli("render", "--remote", team, *map(str, again), check=True).stdout.splitlines()
    assert first.startswith("built 0, restored 0, downloaded 19, fresh 0 in "), first
    assert re.match(r"built 0, restored 0, (downloaded \d+, )?(shared \d+, )?fresh 0 in ", second), second


def test_a_step_shared_into_a_project_with_its_own_team_remote_reaches_that_remote(tmp_path, small_story):
    """Only `two` has a team remote (its untracked .storybuild.yaml): what it copies from
    `one` must reach the team, as it would had `two` built it."""
    one, two, later = tmp_path / "one", tmp_path / "two", tmp_path / "later"
    team = (tmp_path / "team").as_uri()
    for project in (one, two, later):
        write_story(project, tiny(small_story))
    for project in (two, later):
        (project / ".storybuild.yaml").write_text(f"remote: {team}\n", "utf-8")
    assert "STORYBUILD_REMOTE" not in os.environ  # it would override the projects' own config
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config")}  # and no user-wide remote
    batch = run_cli("render", str(one), str(two), check=True, env=env)
    assert [line.split(" in ")[0] for line in batch.stdout.splitlines()] == [
        "built 19, restored 0, fresh 0", "built 0, restored 0, shared 19, fresh 0"]
    alone = run_cli("render", str(later), check=True, env=env)
    assert alone.stdout.startswith("built 0, restored 0, downloaded 19, fresh 0 in "), alone.stdout
