"""`storybuild watch`: render, serve the review page, and render again on every save.

One process holds the project's lock for the whole session (a second watch, or a
render from another terminal, is refused), keeps its providers loaded between renders
(the piper voice is loaded once, not once per edit), and polls the modification times
of story.yaml and of every file it names (music, pictures, caption font): polling is
cheap for a handful of files and needs no platform-specific dependency. A story that
does not validate is shown as a banner on the page and in the terminal; the watch goes
on, and the next save that fixes it renders.
"""

from __future__ import annotations

import faulthandler
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from storybuild.review_server import Hub, ReviewServer

# How often the watched files are stat'ed: a few syscalls per poll. A save is seen
# half a poll late on average and must then look the same for one more poll, so each
# edit waits 1.5 polls before its render (37 ms here).
POLL_SECONDS = 0.025
SETTLE_SECONDS = 2.0  # a file still changing after this long is rendered anyway
SETTLE_POLLS = round(SETTLE_SECONDS / POLL_SECONDS)
STOP_SECONDS = 15  # after Ctrl-C: the longest a watch may take to end (a step finishing, the server)


@dataclass
class Watched:
    """The files a render depends on, with the (mtime_ns, size) each had when read.
    Invariant: `changed()` is True exactly when one of them differs now (or appeared
    or vanished)."""

    files: dict[Path, tuple[int, int] | None] = field(default_factory=dict)

    @classmethod
    def of(cls, paths) -> "Watched":
        return cls({Path(p): _signature(Path(p)) for p in paths})

    def changed(self) -> bool:
        return any(_signature(path) != seen for path, seen in self.files.items())


def _signature(path: Path) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size


def story_files(story: Path, steps) -> list[Path]:
    """story.yaml and the files its steps read (music, pictures, the caption font):
    what a save of which must trigger a render."""
    named = {path for step in steps for path, _digest in step.sources.values()}
    return [story, *(Path(path) for path in sorted(named))]


class Watch:
    """The loop of one watch session on `story`: `render_once()` is called for each
    render and returns (the story's steps or None, one line saying what happened, "rendered" or
    "error" for the page)."""

    def __init__(self, story: Path, render_once: Callable, echo: Callable[[str], None]):
        self.story = story
        self.render_once = render_once
        self.echo = echo
        self.hub = Hub()
        self.watched = Watched.of([story])

    def cycle(self) -> None:
        """Render now, and remember what the render read."""
        before = Watched.of(self.watched.files)  # taken before reading: a save during the render counts
        self.hub.announce("rendering")
        steps, line, state = self.render_once()
        files = story_files(self.story, steps) if steps is not None else list(before.files)
        self.watched = Watched({path: before.files[path] if path in before.files else _signature(path)
                                for path in files})
        self.hub.announce(state, line)
        self.echo(line)

    def _settle(self) -> None:
        """Wait until a save is complete (an editor may truncate, then write): the
        files look the same for one poll, or at most SETTLE_POLLS polls have passed."""
        previous = Watched.of(self.watched.files)
        for _ in range(SETTLE_POLLS):
            time.sleep(POLL_SECONDS)
            now = Watched.of(previous.files)
            if now.files == previous.files:
                return
            previous = now

    def run(self, server: ReviewServer, on_first: Callable[[], None] = lambda: None) -> None:
        """Render, then render again after each save, until Ctrl-C (KeyboardInterrupt)."""
        server.start()
        try:
            self.cycle()
            on_first()
            while True:
                time.sleep(POLL_SECONDS)
                if self.watched.changed():
                    self._settle()
                    self.cycle()
        finally:
            # Stopping must end the process: once, after Ctrl-C, a watch was seen waiting
            # for something at exit (not reproduced since). If it is not gone in
            # STOP_SECONDS, every thread's traceback goes to stderr and it exits (status 1).
            faulthandler.dump_traceback_later(STOP_SECONDS, exit=True)
            server.stop()


def render_once(session, hub: Hub | None = None):
    """One render of a watch: (the story's steps or None, one line saying what happened,
    "rendered" | "error"). A story, credential or file-system problem is a line for the
    banner, not an exit; Ctrl-C (execute.Interrupted) is raised. With a `hub`, the open
    pages are told which steps run as they start and finish."""
    from storybuild import events, report
    from storybuild.errors import StorybuildError, file_system_error
    from storybuild.execute import Interrupted
    from storybuild.progress import Progress

    try:
        with Progress() as progress:
            listener = progress if hub is None else events.tee(progress, page_progress(hub, progress))
            outcome = session.render(listener=listener)
    except Interrupted:
        raise
    except StorybuildError as error:
        return None, f"Error: {error.format_message()}", "error"
    except OSError as error:  # the file system refused a write (full disk, read-only): one line
        return None, f"Error: {file_system_error(error, None).format_message()}", "error"
    line = outcome.message if outcome.failed else report.render_summary(outcome.result, outcome.video, outcome.seconds)
    return outcome.plan.steps, line, "rendered"


def page_progress(hub: Hub, progress):
    """A listener (after `progress`, a progress.Progress, in an events.tee) telling the
    open pages where a render is, as the "rendering" state's message: the terminal's
    count and running steps ("2/56 steps  running: clip/garden, soundtrack"), and why
    a step waits (a rate limit). Steps found fresh say nothing."""
    def listen(event) -> None:
        if event.kind != "fresh":
            text = progress.status()
            hub.announce("rendering", f"{text}  {event.message}" if event.kind == "waiting" else text)
    return listen


def watch(session, port: int, open_page: bool, echo: Callable[[str], None]) -> None:
    """The `watch` command: hold the lock, serve, render on every save until Ctrl-C.
    `session` is an api.Session keeping its providers loaded between renders."""
    from storybuild import review_page
    from storybuild.errors import InputError
    from storybuild.execute import Interrupted
    from storybuild.lock import project_lock

    if not session.folder.is_dir():
        raise InputError(f"{session.folder}: no such project folder")
    looping = Watch(session.story_file, lambda: render_once(session, looping.hub), echo)
    placeholder = review_page.render(review_page.ReviewPage(session.folder.name, 16, 9, "rendering…"))
    with project_lock(session.build_dir / ".storybuild"):
        try:
            server = ReviewServer(session.build_dir, looping.hub, port, placeholder.encode("utf-8"))
        except OSError as error:
            raise InputError(f"cannot serve on 127.0.0.1:{port}: {error.strerror}; "
                             "choose another port with --port") from None
        echo(f"watching {session.story_file} and the files it names; review page at {server.url} (Ctrl-C to stop)")
        try:
            looping.run(server, on_first=lambda: _after_first(session, server.url, open_page))
        except (KeyboardInterrupt, Interrupted):
            echo("stopped watching")
        finally:
            session.close()


def _after_first(session, url: str, open_page: bool) -> None:
    """Open the page, then load the narrator now (the first render may have had
    nothing to say), so the first edit does not wait for it."""
    if open_page:
        import webbrowser

        webbrowser.open(url)
    session.preload()
