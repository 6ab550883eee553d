"""The library API: a render driven in-process, with its events, outcome and providers."""

from __future__ import annotations

import threading

from conftest import write_story

from storybuild import Session, StepEvent, events
from storybuild.events import KINDS


def test_a_render_reports_each_step_once_and_counts_up_to_the_total(tmp_path, small_story):
    write_story(tmp_path, small_story)
    seen: list[StepEvent] = []
    outcome = Session(tmp_path, listener=seen.append).render(jobs=2)

    assert not outcome.failed and outcome.video.is_file()
    total = len(outcome.plan.steps)
    finished = [e for e in seen if e.kind in ("built", "restored", "fresh")]
    assert sorted(e.step for e in finished) == sorted(s.id for s in outcome.plan.steps)
    assert sorted(e.step for e in seen if e.kind == "start") == sorted(outcome.result.built)
    assert [e.done for e in finished] == list(range(1, total + 1))
    assert all(e.total == total and e.kind in KINDS for e in seen)
    assert all(e.seconds is not None and e.seconds > 0 for e in seen if e.kind == "built")
    assert [e.elapsed for e in seen] == sorted(e.elapsed for e in seen)

    again = Session(tmp_path).render()
    assert again.result.fresh == [s.id for s in outcome.plan.steps] and not again.result.built
    assert Session(tmp_path).status().up_to_date


def test_a_session_keeping_providers_reuses_the_loaded_narrator(tmp_path, small_story):
    write_story(tmp_path, small_story)
    session = Session(tmp_path, keep_providers=True)
    session.render(jobs=2)
    narrator = session._pool.get("voice")
    small_story["scenes"][0]["narration"] = "Whiskers and Buster ran to the garden gate."
    write_story(tmp_path, small_story)
    outcome = session.render(jobs=2)
    assert "voice/garden" in outcome.result.built
    assert session._pool.get("voice") is narrator
    session.close()


def test_failed_steps_are_values_of_the_outcome(tmp_path, small_story):
    small_story["scenes"][2]["narration"] = "..."  # valid text, but nothing to speak
    write_story(tmp_path, small_story)
    outcome = Session(tmp_path).render(keep_going=True)
    assert outcome.failed == {
        "voice/pool": "piper produced no audio for scene 'pool': is the narration only punctuation? ('...')"}
    assert outcome.message.startswith("1 step(s) failed:\n  voice/pool (scene pool): piper produced no audio")
    assert "clip/garden" in outcome.result.built and "video" in outcome.result.skipped


def test_a_provider_can_say_it_waits_from_inside_a_worker():
    heard: list[tuple[str, str]] = []
    events.waiting("ignored: no step is running here")

    def worker():
        with events.step_scope("voice/garden", lambda step, message: heard.append((step, message))):
            events.waiting("rate limited, retrying in 36 s, try 2 of 6")
        events.waiting("ignored: the step is over")

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert heard == [("voice/garden", "rate limited, retrying in 36 s, try 2 of 6")]
