"""SIDE EFFECTS: write the review page (build/index.html) after a render.

The page is stored like any step output: its bytes go into the store, a trace named
`page` records them, and build/index.html is a hard link of that object. So `clean`
recognises it as storybuild's (a view path holding a stored object) and removes it,
`gc` keeps the current one, and a file of the user's at build/index.html is moved
aside to index.yours.html (as for every view), never overwritten.

A render that did nothing writes the page only when it is missing or stale (built
from other outputs, or by an older page recipe), and never on a read-only checkout.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

from storybuild import review_page
from storybuild.buildfs import PAGE_VIEWS
from storybuild.keys import digest_value
from storybuild.step import Step
from storybuild.store import Store, Trace

PAGE = PAGE_VIEWS[0]  # relative to build/
PAGE_STEP = "page"  # the id its trace and its entry in current.json carry
VIEWS = {PAGE: PAGE}


def current_traces(steps: Sequence[Step], store: Store) -> dict[str, Trace]:
    """step id -> the trace of the output build/ shows for it now (the store's record of
    what it linked: no planning again); a step with nothing linked yet is left out."""
    linked = store.current()
    found = {}
    for step in steps:
        trace = store.trace(linked[step.id]) if step.id in linked else None
        if trace is not None:
            found[step.id] = trace
    return found


def page_state(project, traces: dict[str, Trace]) -> str:
    """What the page depends on besides the render's outcome: the page recipe, the
    story's text and the current output of every step."""
    return digest_value({"recipe": review_page.RECIPE, "title": project.title,
                         "scenes": [[s.id, s.title, s.narration, s.image] for s in project.scenes],
                         "current": {step_id: trace.key for step_id, trace in traces.items()}})


def page_is_current(project, steps: Sequence[Step], store: Store) -> bool:
    """True when build/index.html is the stored page made from the current outputs."""
    trace = store.current_trace(PAGE_STEP)
    return (trace is not None and trace.parts.get("state") == page_state(project, current_traces(steps, store))
            and store.output_problem(trace) is None and store.views_match(trace, VIEWS))


def publish(project, steps: Sequence[Step], store: Store, result, summary: str) -> Path:
    """Write build/index.html for `result` (a RenderResult) and return its path. Call
    under the project lock, after the render's views are linked."""
    traces = current_traces(steps, store)
    video = next(s for s in steps if s.kind == "video")
    page = review_page.build(project, steps, review_page.outcomes(result),
                             {step_id: trace.seconds for step_id, trace in traces.items()},
                             _media(project, steps, video, store, traces), _video(video, store, traces), summary)
    workdir = store.new_workdir()
    source = workdir / PAGE
    source.write_bytes(review_page.render(page).encode("utf-8"))
    digest = store.put_file(source)
    workdir.rmdir()
    parts = {"kind": PAGE_STEP, "recipe": review_page.RECIPE, "state": page_state(project, traces)}
    trace = Trace(digest_value({"page": digest}), PAGE_STEP, parts, {PAGE: digest})
    store.record(trace)
    store.link_views(PAGE_STEP, trace, VIEWS)
    store.save_checked()  # the page's object is known intact: the next no-op need not hash it
    return store.build_dir / PAGE


def _url(step: Step, store: Store, traces: dict[str, Trace], name: str) -> str | None:
    """The versioned URL of `step`'s view `name`, when that view shows its current output."""
    trace = traces.get(step.id)
    if trace is None or name not in trace.outputs or not (store.build_dir / step.views[name]).is_file():
        return None
    return review_page.media_url(step.views[name], trace.outputs[name])


def _video(video: Step, store: Store, traces: dict[str, Trace]) -> tuple[str | None, str | None]:
    return _url(video, store, traces, "video.mp4"), _url(video, store, traces, "captions.vtt")


def _media(project, steps: Sequence[Step], video: Step, store: Store,
           traces: dict[str, Trace]) -> dict[str, review_page.SceneMedia]:
    by_id = {s.id: s for s in steps}
    times = _film_times(video, store, traces)
    media = {}
    for scene in project.scenes:
        image, clip = by_id.get(f"image/{scene.id}"), by_id.get(f"clip/{scene.id}")
        start, duration = times.get(scene.id, (None, None))
        media[scene.id] = review_page.SceneMedia(
            _url(image, store, traces, "image.png") if image else None,
            _url(clip, store, traces, "clip.mp4") if clip else None,
            _pages(traces.get(f"clip/{scene.id}"), store), duration, start)
    return media


def _pages(trace: Trace | None, store: Store) -> tuple:
    """The caption pages of a clip from its stored captions.json; empty when not built."""
    if trace is None or "pages.json" not in trace.outputs:
        return ()
    try:
        data = json.loads(store.object_path(trace.outputs["pages.json"]).read_text("utf-8"))
        return tuple((float(page[0]), float(page[1]), tuple(map(str, page[2]))) for page in data["pages"])
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return ()


def _film_times(video: Step, store: Store, traces: dict[str, Trace]) -> dict[str, tuple]:
    """scene id -> (where it starts in the film, how long it lasts there), in seconds,
    laid out from the video step's timeline and the voices' built lengths as the video
    step lays it out. A scene whose voices are not built has no length; when any voice
    is missing, no scene has a start."""
    from storybuild import media, timeline
    from storybuild.kinds.soundtrack import voices

    p = video.params
    every = voices(p["timeline"])
    seconds: dict[str, float] = {}
    for voice in every:
        trace = traces.get(voice)
        if trace is not None and "voice.wav" in trace.outputs:
            try:
                seconds[voice] = media.wav_duration(store.object_path(trace.outputs["voice.wav"]))
            except (OSError, ValueError):
                pass
    cut = timeline.lay_out(p["timeline"], dict.fromkeys(every, 0.0) | seconds, p["fps"], p["sample_rate"])
    items = [entry for entry in p["timeline"] if entry["role"] == "item"]
    whole = len(seconds) == len(every)
    times = {}
    for entry, start, timing in zip(items, cut.item_starts, cut.timings):
        spoken = voices([entry])
        if entry["step"].startswith("clip/") and spoken:
            times[entry["step"].split("/", 1)[1]] = (start / p["fps"] if whole else None,
                                                     timing.frames / p["fps"] if set(spoken) <= seconds.keys() else None)
    return times


def summary(result, seconds: float) -> str:
    """One line on what the render did, for the top of the page."""
    done = ", ".join(f"{len(ids)} {state}" for state, ids in result.by_state() if ids or state in ("built", "fresh"))
    return f"{done} in {seconds:.1f} s"


def refresh(project, steps: Sequence[Step], store: Store, result, seconds: float) -> None:
    """After a render that had nothing to do: write the page when it is missing or
    stale. Best effort and silent: a read-only checkout or a project another process
    holds simply keeps the page it has."""
    from storybuild.errors import StorybuildError
    from storybuild.lock import project_lock

    if page_is_current(project, steps, store):
        store.save_checked()  # the page's object was hashed to say so: remember it is intact
        return
    try:
        with project_lock(store.meta):
            publish(project, steps, store, result, summary(result, seconds))
    except (StorybuildError, OSError):
        pass
