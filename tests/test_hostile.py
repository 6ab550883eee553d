"""Hostile and malformed story files (the table in hostile_cases.py): every one is
answered with its exact one-line problems, quickly and in little memory, and never a
traceback; a handful go through the real CLI, the worst through a fresh process whose
peak memory is measured."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import run_cli
from hostile_cases import BASE, CASES, Content
from storybuild.errors import InputError, StoryValidationError
from storybuild.project import load_project

NAMES = [name for name, _, _ in CASES]
EXPECTED = {name: expected for name, _, expected in CASES}
CONTENT = {name: content for name, content, _ in CASES}


def make_project(root: Path, content: Content) -> Path:
    """The project folder for one case (story.yaml and whatever it names)."""
    root.mkdir(parents=True)
    if callable(content):
        content(root)
    elif isinstance(content, bytes):
        (root / "story.yaml").write_bytes(content)
    else:
        (root / "story.yaml").write_text(content, encoding="utf-8")
    return root


def answer(story: Path) -> list[str]:
    """The problem lines load_project reports ([] when the story is valid)."""
    try:
        load_project(story)
    except StoryValidationError as error:
        return error.problems
    except InputError as error:
        return [error.message]
    return []


def test_the_table_is_large_and_names_are_unique():
    assert len(CASES) >= 100
    assert len(set(NAMES)) == len(NAMES)
    assert sum(1 for expected in EXPECTED.values() if not expected) >= 15  # positive controls


@pytest.mark.parametrize("name", NAMES)
def test_hostile_story_is_answered_exactly_and_quickly(name, tmp_path, monkeypatch):
    make_project(tmp_path / "proj", CONTENT[name])
    monkeypatch.chdir(tmp_path / "proj")
    started = time.perf_counter()
    got = answer(Path("story.yaml"))
    elapsed = time.perf_counter() - started
    assert got == EXPECTED[name]
    assert all("\n" not in line and "Traceback" not in line for line in got)
    assert elapsed < 1.0, f"{name} took {elapsed:.2f} s"


CLI_CASES = ["alias-bomb-9", "seed-4301-digits", "duration-nan", "id-trailing-newline",
             "raw-control-char", "music-link-to-passwd", "nested-10000-flow", "story-fifo", "file-over-1mb"]


@pytest.mark.parametrize("name", CLI_CASES)
def test_cli_validate_exits_2_with_the_same_lines_and_no_traceback(name, tmp_path):
    project = make_project(tmp_path / "proj", CONTENT[name])
    result = run_cli("validate", "proj", cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and result.stdout == ""
    lines = [line.replace("proj/story.yaml", "story.yaml", 1) for line in result.stderr.splitlines()]
    expected = EXPECTED[name]
    if len(lines) == 1:  # not a problem inside the story: the file itself is refused
        assert lines == ["Error: " + expected[0]]
    else:
        count = len(expected)
        assert lines == [f"Error: {count} problem{'s' if count > 1 else ''} in the story file:", *expected]
    assert project.exists() and not (project / "build").exists()


def test_cli_validate_accepts_a_good_story_with_unicode_and_music(tmp_path):
    make_project(tmp_path / "proj", CONTENT["music-link-inside-is-fine"])
    result = run_cli("validate", "proj", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "proj/story.yaml: ok (1 scene, 0 characters)\n")


# VmHWM, not ru_maxrss: Linux carries ru_maxrss across exec, so a child started by a
# big pytest process would report the parent's peak.
MEASURE = """\
import os, sys, time
from pathlib import Path
from storybuild.errors import InputError
from storybuild.project import load_project
import jsonschema  # imported before measuring, as a normal validate would

def peak_kb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])

os.chdir(sys.argv[1])
before = peak_kb()
started = time.perf_counter()
try:
    load_project(Path("story.yaml"))
except InputError:
    pass
print(time.perf_counter() - started, before, peak_kb())
"""
WORST = ["alias-bomb-9", "alias-bomb-20-wide", "many-values", "seed-100000-digits", "nested-10000-flow",
         "narration-long-is-fine", "file-over-1mb", "references-among-1000-characters",
         "explicit-key-200k-chars"]


def test_worst_cases_need_little_memory_and_time(tmp_path):
    """Each worst case in a fresh process: peak RSS (the process's high-water mark,
    with Python and jsonschema loaded) stays under 100 MB, the load under 1 s."""
    report = {}
    for name in WORST:
        project = make_project(tmp_path / name, CONTENT[name])
        out = subprocess.run([sys.executable, "-c", MEASURE, str(project)], capture_output=True, text=True,
                             check=True, timeout=60).stdout.split()
        seconds, before_kb, peak_kb = float(out[0]), int(out[1]), int(out[2])
        report[name] = {"seconds": round(seconds, 3), "peak_mb": round(peak_kb / 1024, 1),
                        "grew_mb": round((peak_kb - before_kb) / 1024, 1)}
        assert peak_kb < 100 * 1024, (name, report[name])
        assert seconds < 1.0, (name, report[name])
    print(json.dumps(report, indent=1))  # shown with pytest -s: the figures in the report


def test_a_story_of_many_problems_is_reported_quickly(tmp_path, monkeypatch):
    """10,000 unknown fields: every one reported, one line each, in under a second."""
    text = BASE.replace("    narration: A tree.\n", "    narration: A tree.\n" +
                        "".join(f"    k{n}: 1\n" for n in range(10_000)))
    make_project(tmp_path / "proj", text)
    monkeypatch.chdir(tmp_path / "proj")
    started = time.perf_counter()
    got = answer(Path("story.yaml"))
    assert time.perf_counter() - started < 1.0
    assert len(got) == 10_000
    assert got[0] == ("story.yaml:8:5: scenes[0].k0: unknown field (expected one of: id, title, image, "
                      "narration, lines, characters, speaker, duration, transition, seed, take)")


PURE_PYTHON_CASES = ["raw-control-char", "raw-del", "alias-bomb-9", "alias-101", "nested-40-block",
                     "seed-4301-digits", "duration-nan", "title-exponent", "quoted-exponent-is-text",
                     "python-object-mapping", "equals-is-text"]


@pytest.mark.parametrize("name", PURE_PYTHON_CASES)
def test_same_answers_without_libyaml(name, tmp_path, monkeypatch):
    """PyYAML without its C extension counts reader positions in characters, not
    bytes, and words errors differently: the limits and positions must not change."""
    import yaml

    from storybuild import yaml_positions

    monkeypatch.setattr(yaml_positions, "_Loader", yaml.SafeLoader)
    make_project(tmp_path / "proj", CONTENT[name])
    monkeypatch.chdir(tmp_path / "proj")
    started = time.perf_counter()
    assert answer(Path("story.yaml")) == EXPECTED[name]
    assert time.perf_counter() - started < 1.0
