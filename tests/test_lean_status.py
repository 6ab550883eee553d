"""What keeps `status` flat in memory says and does exactly what the plain forms did:
the tally prints what status_text printed, checked.json packed answers as its dict,
long values hash to the same keys, a long trace read lean keeps all but its key
parts, and a story whose positions are found only on a problem still reports
file:line:col. (How much memory it saves is measured in benchmarks/bench_scale.py.)"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import pytest
import yaml

from storybuild import report
from storybuild.api import Session
from storybuild.errors import InputError, StoryValidationError
from storybuild.graph import build_graph, iter_graph
from storybuild.keys import canonical_json, digest_value
from storybuild.project import load_project
from storybuild.store_records import LEAN_FROM, Signatures, read_signatures, read_trace_json
from storybuild.yaml_positions import parse
from test_plan import make_project, simulate_build

A, B, C = "a" * 64, "b" * 64, "c" * 64


# ---------------------------------------------------------------- the tally
def test_the_tally_prints_what_status_text_printed_for_every_state(tmp_path):
    project = make_project(tmp_path)
    store = simulate_build(project)
    (project.build_dir / "scenes" / "pool" / "image.png").unlink()  # restore
    scenes = list(project.scenes)
    scenes[0] = dataclasses.replace(scenes[0], narration="They ran.")  # stale, and blocked after it
    edited = dataclasses.replace(project, scenes=tuple(scenes))
    from storybuild.plan import iter_plan, plan

    decisions = plan(build_graph(edited), store)
    assert {d.state for d in decisions} == {"fresh", "restore", "stale", "blocked"}
    for explain in (False, True):
        tally = report.tally(iter_plan(iter_graph(edited), store), explain)
        assert tally.text() == report.status_text(decisions, explain)
        assert not tally.up_to_date
        assert [d.step.id for d in tally.running] == [d.step.id for d in decisions if d.runs]


def test_session_status_tally_matches_status_and_keeps_no_fresh_decision(tmp_path):
    document = yaml.safe_load((Path(__file__).parent.parent / "examples" / "whiskers-and-buster" /
                               "story.yaml").read_text(encoding="utf-8"))
    document["video"] = {"size": "320x180", "fps": 12, "captions": False, "motion": False}
    (tmp_path / "story.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    session = Session(tmp_path, remote="")
    planned = session.status()
    tally = session.status_tally()
    assert tally.text() == report.status_text(planned.decisions, False)
    assert tally.up_to_date is planned.up_to_date is False
    assert report.cost_estimate(tally.running, tally.project) == report.cost_estimate(planned.decisions,
                                                                                     planned.project)
    fresh = report.StatusTally(False)
    fresh.add(dataclasses.replace(planned.decisions[0], state="fresh", reasons=("up to date",)))
    assert (fresh.rows, fresh.running, fresh.up_to_date) == ([], [], True)


def test_force_reads_a_generator_once_and_names_the_closest_step(tmp_path):
    project = make_project(tmp_path)
    assert report.resolve_force(iter_graph(project), ["pool"]) == {"image/pool", "voice/pool", "clip/pool"}
    with pytest.raises(InputError) as caught:
        report.resolve_force(iter_graph(project), ["image/pol"])
    assert str(caught.value) == "--force image/pol: no step, scene or step kind has that name; did you mean 'image/pool'?"


# ---------------------------------------------------------------- checked.json
def test_checked_json_packed_answers_as_its_dict_and_is_saved_byte_for_byte(tmp_path):
    record = {C: [7, 100, -5], A: [1, 2, 3], B: [2**63, 0, 1795712150095682894]}
    file = tmp_path / "checked.json"
    file.write_bytes(json.dumps(record, sort_keys=True).encode())
    signatures = read_signatures(file)
    assert dict(signatures.items()) == record and len(signatures) == 3
    assert signatures.to_json() == file.read_bytes()
    signatures[A] = [9, 9, 9]  # replaced
    del signatures[C]
    signatures["not-a-digest"] = [1, 2, 3]  # kept as given
    signatures["d" * 64] = [2**64, 0, 0]  # beyond 64 bits: kept as given
    expected = {A: [9, 9, 9], B: record[B], "not-a-digest": [1, 2, 3], "d" * 64: [2**64, 0, 0]}
    assert dict(signatures.items()) == expected and len(signatures) == 4
    assert signatures.get(C) is None and signatures.pop(C, "gone") == "gone"
    assert signatures.to_json(leave_out={B}) == json.dumps({k: v for k, v in expected.items() if k != B},
                                                           sort_keys=True).encode()


@pytest.mark.parametrize("text, expected", [
    (json.dumps({B: [1, 2, 3], A: [4, 5, 6]}, indent=1), {A: [4, 5, 6], B: [1, 2, 3]}),  # another form: json reads it
    (f'{{"{A}": [1, 2, 3], "{A}": [4, 5, 6]}}', {A: [4, 5, 6]}),  # the last of a digest written twice
    (f'{{"{A}": [1, 2, 3], "x": "not a list"}}', {A: [1, 2, 3]}),
    (f'{{"{A}": [1, 2, 3]', {}),  # cut short: a cache, forgotten
    ("[1, 2]", {}),
])
def test_checked_json_in_any_other_form_reads_as_json_would(tmp_path, text, expected):
    file = tmp_path / "checked.json"
    file.write_text(text)
    assert dict(read_signatures(file).items()) == expected


def test_an_empty_record_answers_nothing():
    empty = Signatures()
    assert (len(empty), list(empty), empty.get(A)) == (0, [], None)


# ---------------------------------------------------------------- keys and traces
@pytest.mark.parametrize("value", [
    {"inputs": {f"clip/s{n}": A for n in range(600)}, "params": {"timeline": [{"step": f"clip/s{n}", "floor": None,
                                                                              "head": n % 7} for n in range(900)]}},
    [{"é": "ü\u2028", "n": n / 3} for n in range(300)],
    {"mixed": {1: [0] * 300}, "long": list(range(300))},  # a key that is not text: never split
])
def test_a_long_value_hashes_in_pieces_to_its_canonical_digest(value):
    assert digest_value(value) == hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()


def test_a_long_trace_read_lean_keeps_all_but_its_key_parts():
    trace = {"key": A, "outputs": {"video.mp4": B}, "seconds": 1.5, "step": "parts",
             "parts": {"params": {"timeline": [{"step": "a]\"}{", "n": n} for n in range(LEAN_FROM // 20)]}}}
    raw = canonical_json(trace).encode()
    assert len(raw) >= LEAN_FROM
    assert read_trace_json(raw, lean=True) == {**trace, "parts": {}}
    assert read_trace_json(raw, lean=False) == trace
    with pytest.raises(ValueError):
        read_trace_json(canonical_json({**trace, "parts": ["x" * LEAN_FROM]}).encode(), lean=True)


# ---------------------------------------------------------------- positions found only on a problem
def test_deferred_positions_are_the_positions_parse_records():
    text = "title: T\nscenes:\n  - id: a\n    image: x\n  - {id: b, narration: [1, 2]}\n"
    data, eager, _ = parse(text)
    again, deferred, _ = parse(text, deferred=True)
    assert again == data and not deferred.values
    for path in [(), ("scenes", 1, "narration", 1), ("scenes", 0, "image"), ("scenes", 9)]:
        assert deferred.of(path) == eager.of(path) and deferred.of(path, at_key=True) == eager.of(path, True)


def test_a_problem_deep_in_a_long_story_names_its_file_line_column_and_field(tmp_path):
    scenes = "".join(f"  - id: s{n}\n    image: a cat {n}\n    narration: The cat waited {n}.\n" for n in range(300))
    scenes = scenes.replace("    narration: The cat waited 250.", "    narraton: The cat waited 250.")
    (tmp_path / "story.yaml").write_text(f"version: 1\ntitle: Long\nstyle: crayon\nscenes:\n{scenes}")
    with pytest.raises(StoryValidationError) as caught:
        load_project(tmp_path / "story.yaml", cache_dir=tmp_path / "cache")
    line = 4 + 250 * 3 + 3  # the header, 250 scenes of 3 lines, then the 3rd line of scene 250
    assert caught.value.problems == [
        f"{tmp_path}/story.yaml:{line}:5: scenes[250].narraton: unknown field; did you mean 'narration'?",
        f"{tmp_path}/story.yaml:{line - 2}:5: scenes[250]: missing required field 'narration' (or 'lines', "
        "for a dialogue)"][::-1]
