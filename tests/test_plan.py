"""Planning: which steps an edit makes stale, decided without running anything.

A simulated build records a trace for every step (its output bytes derived from its
key, so outputs are deterministic) through the real Store; then each edit is planned
and the set of steps that would run is compared with the expected table.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from storybuild.graph import build_graph
from storybuild.model import Character, Project, ProviderChoice, Providers, Scene, Transition, VideoSettings
from storybuild.plan import BLOCKED, FRESH, RESTORE, STALE, decide, key_parts, plan
from storybuild.store import Store, Trace


def make_project(tmp_path: Path, image_provider: str = "storyboard", **changes) -> Project:
    project = Project(
        path=tmp_path / "story.yaml",
        title="Garden Friends",
        style="watercolor",
        video=VideoSettings(),
        providers=Providers(image=ProviderChoice(image_provider)),
        characters=(Character("whiskers", "Whiskers", "an orange cat"), Character("buster", "Buster", "a puppy")),
        scenes=(
            Scene("garden", "cat and dog in a garden", "They played in the garden.", characters=("whiskers", "buster")),
            Scene("rainbow", "a rainbow slide", "They slid down a rainbow.", characters=("whiskers",)),
            Scene("pool", "a pool of toys", "Splash went the pool.", characters=("buster",)),
        ),
    )
    return dataclasses.replace(project, **changes)


def simulate_build(project: Project) -> Store:
    """Record every step as built, with output bytes that depend only on the key."""
    store = Store(project.build_dir)
    digests: dict[str, str] = {}
    for step in build_graph(project):
        decision = decide(step, store, digests)
        if decision.state in (STALE,):
            workdir = store.new_workdir()
            outputs = {}
            for name in step.views or ("segment.mp4",):  # a transition has an output but no view
                path = workdir / name
                path.write_text(f"{name} for {decision.key}")
                outputs[name] = store.put_file(path)
            trace = Trace(decision.key, step.id, key_parts(step, digests), outputs)
            store.record(trace)
        else:
            trace = store.trace(decision.key)
        store.link_views(step.id, trace, step.views)
        digests[step.id] = trace.digest
    store.save_checked()  # writes the record of what the views show, as a render does at its end
    return store


def runs(project: Project) -> dict[str, str]:
    """step id -> state, for the steps a render of `project` would run or restore."""
    store = Store(project.build_dir)
    return {d.step.id: d.state for d in plan(build_graph(project), store) if d.state != FRESH}


def edit_scene(project: Project, index: int, **changes) -> Project:
    scenes = list(project.scenes)
    scenes[index] = dataclasses.replace(scenes[index], **changes)
    return dataclasses.replace(project, scenes=tuple(scenes))


EDITS = [
    ("nothing", lambda p: p, {}),
    ("one narration", lambda p: edit_scene(p, 1, narration="They zoomed down a rainbow."),
     {"voice/rainbow": STALE, "clip/rainbow": BLOCKED, "soundtrack": BLOCKED, "video": BLOCKED}),
    # A picture reaches its clip and the transitions on the scene's two seams.
    ("one image prompt", lambda p: edit_scene(p, 2, image="a pool full of ducks"),
     {"image/pool": STALE, "clip/pool": BLOCKED, "transition/rainbow+pool": BLOCKED, "transition/pool+": BLOCKED,
      "video": BLOCKED}),
    ("a new take", lambda p: edit_scene(p, 0, take=2),
     {"image/garden": STALE, "clip/garden": BLOCKED, "transition/+garden": BLOCKED,
      "transition/garden+rainbow": BLOCKED, "video": BLOCKED}),
    ("the style", lambda p: dataclasses.replace(p, style="crayon"),
     {"image/garden": STALE, "image/rainbow": STALE, "image/pool": STALE,
      "clip/garden": BLOCKED, "clip/rainbow": BLOCKED, "clip/pool": BLOCKED, "transition/+garden": BLOCKED,
      "transition/garden+rainbow": BLOCKED, "transition/rainbow+pool": BLOCKED, "transition/pool+": BLOCKED,
      "video": BLOCKED}),
    # Clips keep their keys wherever a scene stands; only seams between new neighbours run.
    ("scene order", lambda p: dataclasses.replace(p, scenes=(p.scenes[2], p.scenes[0], p.scenes[1])),
     {"transition/+pool": STALE, "transition/pool+garden": STALE, "transition/rainbow+": STALE, "soundtrack": STALE,
      "video": BLOCKED}),
    ("one scene's transition", lambda p: edit_scene(p, 1, transition=Transition("slide", 0.5)),
     {"transition/garden+rainbow": STALE, "video": BLOCKED}),
    ("cuts between scenes", lambda p: dataclasses.replace(p, video=dataclasses.replace(p.video, transition=Transition("cut"))),
     {"clip/garden": STALE, "clip/rainbow": STALE, "clip/pool": STALE, "soundtrack": STALE, "video": BLOCKED}),
    ("a duration floor", lambda p: edit_scene(p, 2, duration=9.0),
     {"clip/pool": STALE, "soundtrack": STALE, "video": BLOCKED}),
    ("captions off", lambda p: dataclasses.replace(p, video=dataclasses.replace(p.video, captions=False)),
     {"clip/garden": STALE, "clip/rainbow": STALE, "clip/pool": STALE, "video": BLOCKED}),
    # The seams show the ends of the moves, so they follow the strength too.
    ("motion strength", lambda p: dataclasses.replace(p, video=dataclasses.replace(p.video, motion_strength=0.5)),
     {"clip/garden": STALE, "clip/rainbow": STALE, "clip/pool": STALE, "transition/+garden": STALE,
      "transition/garden+rainbow": STALE, "transition/rainbow+pool": STALE, "transition/pool+": STALE,
      "video": BLOCKED}),
    ("concurrency only", lambda p: dataclasses.replace(
        p, providers=dataclasses.replace(p.providers, voice=ProviderChoice("piper", options={"concurrency": 9}))), {}),
    ("narration speed", lambda p: dataclasses.replace(
        p, providers=dataclasses.replace(p.providers, voice=ProviderChoice("piper", options={"speed": 1.2}))),
     {"voice/garden": STALE, "voice/rainbow": STALE, "voice/pool": STALE,
      "clip/garden": BLOCKED, "clip/rainbow": BLOCKED, "clip/pool": BLOCKED, "soundtrack": BLOCKED, "video": BLOCKED}),
]


@pytest.mark.parametrize("name,edit,expected", EDITS, ids=[e[0] for e in EDITS])
def test_edit_makes_exactly_these_steps_run(tmp_path, name, edit, expected):
    simulate_build(make_project(tmp_path))
    assert runs(edit(make_project(tmp_path))) == expected


def test_character_description_with_reference_sheets_reaches_only_its_scenes(tmp_path):
    simulate_build(make_project(tmp_path, image_provider="gemini"))
    project = make_project(tmp_path, image_provider="gemini")
    edited = dataclasses.replace(project, characters=(
        project.characters[0], Character("buster", "Buster", "a golden retriever puppy")))
    assert runs(edited) == {"character/buster": STALE, "image/garden": BLOCKED, "image/pool": BLOCKED,
                            "clip/garden": BLOCKED, "clip/pool": BLOCKED, "transition/+garden": BLOCKED,
                            "transition/garden+rainbow": BLOCKED, "transition/rainbow+pool": BLOCKED,
                            "transition/pool+": BLOCKED, "video": BLOCKED}


def test_reverting_an_edit_restores_without_running(tmp_path):
    original = make_project(tmp_path)
    simulate_build(original)
    edited = edit_scene(original, 1, narration="Something else.")
    simulate_build(edited)
    assert runs(original) == {"voice/rainbow": RESTORE, "clip/rainbow": RESTORE, "video": RESTORE}


def test_explanation_names_the_changed_field(tmp_path):
    simulate_build(make_project(tmp_path))
    edited = edit_scene(make_project(tmp_path), 1, narration="They zoomed down a rainbow.")
    decisions = {d.step.id: d for d in plan(build_graph(edited), Store(edited.build_dir))}
    assert decisions["voice/rainbow"].reasons == ("params.text changed",)
    assert decisions["clip/rainbow"].reasons == ("waits for voice/rainbow",)
    assert decisions["image/rainbow"].reasons == ("up to date",)


def test_first_plan_runs_everything_and_blocks_dependents(tmp_path):
    decisions = plan(build_graph(make_project(tmp_path)), Store(tmp_path / "build"))
    states = {d.step.id: d.state for d in decisions}
    assert states["image/garden"] == STALE and states["voice/garden"] == STALE
    assert states["clip/garden"] == BLOCKED and states["video"] == BLOCKED
    assert all(d.reasons in (("never built",),) or d.state == BLOCKED for d in decisions)


def test_missing_view_is_relinked_not_regenerated(tmp_path):
    project = make_project(tmp_path)
    simulate_build(project)
    (project.build_dir / "scenes" / "pool" / "image.png").unlink()
    assert runs(project) == {"image/pool": RESTORE}


def test_deleted_object_makes_the_step_stale(tmp_path):
    project = make_project(tmp_path)
    store = simulate_build(project)
    trace = store.current_trace("voice/pool")
    store.object_path(trace.outputs["voice.wav"]).unlink()
    assert runs(project)["voice/pool"] == STALE


def test_forced_step_is_stale_with_reason(tmp_path):
    project = make_project(tmp_path)
    simulate_build(project)
    decisions = plan(build_graph(project), Store(project.build_dir), frozenset({"voice/pool"}))
    forced = next(d for d in decisions if d.step.id == "voice/pool")
    assert (forced.state, forced.reasons) == (STALE, ("forced with --force",))


def test_changing_the_sample_rate_keeps_every_narration(tmp_path):
    simulate_build(make_project(tmp_path))
    edited = dataclasses.replace(make_project(tmp_path),
                                 video=dataclasses.replace(VideoSettings(), sample_rate=44100))
    assert runs(edited) == {"soundtrack": STALE, "video": BLOCKED}


def test_music_edits_remaster_only_the_sound_and_rejoin(tmp_path):
    from storybuild.model import Music

    music = Music(file=tmp_path / "tune.mp3", digest="a" * 64, volume=0.15)
    simulate_build(make_project(tmp_path, music=music))
    quieter = make_project(tmp_path, music=dataclasses.replace(music, volume=0.1))
    new_tune = make_project(tmp_path, music=dataclasses.replace(music, digest="b" * 64))
    moved = make_project(tmp_path, music=dataclasses.replace(music, file=tmp_path / "elsewhere" / "tune.mp3"))
    assert runs(quieter) == {"soundtrack": STALE, "video": BLOCKED}
    # Another tune is decoded again (the music step); the sound waits for it.
    assert runs(new_tune) == {"music": STALE, "soundtrack": BLOCKED, "video": BLOCKED}
    assert runs(moved) == {}  # where the file lives is not what goes into the video
