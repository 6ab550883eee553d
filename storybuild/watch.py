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

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from storybuild.review_server import Hub, ReviewServer

POLL_SECONDS = 0.05  # how often the watched files are stat'ed: a few syscalls per poll


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


def story_files(story: Path, project) -> list[Path]:
    """story.yaml and the files it names: what a save of which must trigger a render."""
    files = [story]
    if project is not None:
        if project.music is not None:
            files.append(project.music.file)
        files += [scene.picture for scene in project.scenes if scene.picture is not None]
        if project.video.caption_style.font is not None:
            files.append(project.video.caption_style.font)
    return files


class Watch:
    """One watch session of the project at `project_dir`: `render_once` is called for
    each render and returns (project or None, one-line outcome, state for the page)."""

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
        project, line, state = self.render_once()
        files = story_files(self.story, project) if project is not None else list(before.files)
        self.watched = Watched({path: before.files[path] if path in before.files else _signature(path)
                                for path in files})
        self.hub.announce(state, line)
        self.echo(line)

    def run(self, server: ReviewServer, on_first: Callable[[], None] = lambda: None) -> None:
        """Render, then render again after each save, until Ctrl-C (KeyboardInterrupt)."""
        server.start()
        try:
            self.cycle()
            on_first()
            while True:
                time.sleep(POLL_SECONDS)
                if self.watched.changed():
                    self.cycle()
        finally:
            server.stop()


class Renderer:
    """Renders one project again and again in this process, with its providers kept
    loaded between renders (a provider is made again only when story.yaml changes its
    settings). Call under the project lock."""

    def __init__(self, project_dir: Path):
        self.project_dir = project_dir
        self.pool = None

    def __call__(self):
        """(project or None, one line saying what happened, "rendered" | "error")."""
        from storybuild.errors import StorybuildError
        from storybuild.execute import Interrupted, RenderFailed

        started = time.monotonic()
        project = None
        try:
            project, steps, store = self._load()
            result = self._render(project, steps, store, started)
        except RenderFailed as failed:
            return project, failed.format_message(), "rendered"
        except Interrupted:
            raise  # Ctrl-C during a render ends the watch
        except StorybuildError as error:
            return project, f"Error: {error.format_message()}", "error"
        from storybuild.report import render_summary

        return project, render_summary(result, steps, project, time.monotonic() - started), "rendered"

    def _load(self):
        from storybuild import buildfs
        from storybuild.graph import build_graph
        from storybuild.project import load_project
        from storybuild.store import Store

        build_dir = self.project_dir / "build"
        project = load_project(self.project_dir / "story.yaml", cache_dir=buildfs.validation_cache(build_dir))
        return project, build_graph(project), Store(project.build_dir)

    def _render(self, project, steps, store, started: float):
        from storybuild import report, review_publish
        from storybuild.buildfs import check_views
        from storybuild.execute import Executor, RenderFailed
        from storybuild.maintenance import prune_stale_views
        from storybuild.plan import plan
        from storybuild.progress import Progress

        decisions = plan(steps, store)
        if all(not d.runs and d.state == "fresh" for d in decisions):
            from storybuild.execute import RenderResult

            result = RenderResult(fresh=[d.step.id for d in decisions])
            if not review_publish.page_is_current(project, steps, store):
                review_publish.publish(project, steps, store, result,
                                       review_publish.summary(result, time.monotonic() - started))
            return result
        report.check_credentials(decisions)
        report.check_installed([d.step for d in decisions if d.runs])
        check_views(store.build_dir, steps)
        executor = Executor(steps, store, self._pool(project), Progress(len(steps)),
                            jobs=max(2, os.cpu_count() or 2))
        try:
            result = executor.run()
        except RenderFailed:
            review_publish.publish(project, steps, store, executor.result,
                                   review_publish.summary(executor.result, time.monotonic() - started))
            raise
        prune_stale_views(store, steps)
        review_publish.publish(project, steps, store, result, review_publish.summary(result, time.monotonic() - started))
        return result

    def _pool(self, project):
        if self.pool is None:
            self.pool = KeptProviders(project)
        self.pool.use(project)
        return self.pool


class KeptProviders:
    """A provider pool that outlives a render: providers stay loaded until the story
    asks for different ones (another provider, model or options)."""

    def __init__(self, project):
        import threading

        self._project = project
        self._made: dict[str, tuple[object, object]] = {}  # kind -> (choice, provider)
        self._lock = threading.Lock()

    def use(self, project) -> None:
        """The story of the next render; providers whose settings changed are closed."""
        with self._lock:
            self._project = project
            stale = [kind for kind, (choice, _) in self._made.items()
                     if getattr(project.providers, kind) != choice]
            closing = [self._made.pop(kind)[1] for kind in stale]
        for provider in closing:
            _close(provider)

    def get(self, kind: str):
        from storybuild import providers

        with self._lock:
            if kind not in self._made:
                choice = getattr(self._project.providers, kind)
                self._made[kind] = (choice, providers.create(kind, choice))
            return self._made[kind][1]

    def release_unneeded(self, remaining) -> None:
        """Kept for the next render: the point of watching is not loading them again."""

    def close(self) -> None:
        with self._lock:
            made, self._made = list(self._made.values()), {}
        for _, provider in made:
            _close(provider)


def _close(provider) -> None:
    close = getattr(provider, "close", None)
    if close is not None:
        close()


def watch(project_dir: Path, port: int, open_page: bool, echo: Callable[[str], None]) -> None:
    """The `watch` command: hold the lock, serve, render on every save until Ctrl-C."""
    from storybuild import review_page
    from storybuild.errors import InputError
    from storybuild.execute import Interrupted
    from storybuild.lock import project_lock
    from storybuild.memory import limit_arenas

    if not project_dir.is_dir():
        raise InputError(f"{project_dir}: no such project folder")
    limit_arenas()
    renderer = Renderer(project_dir)
    session = Watch(project_dir / "story.yaml", renderer, echo)
    placeholder = review_page.render(review_page.ReviewPage(project_dir.name, 16, 9, "rendering…"))
    with project_lock(project_dir / "build" / ".storybuild"):
        try:
            server = ReviewServer(project_dir / "build", session.hub, port, placeholder.encode("utf-8"))
        except OSError as error:
            raise InputError(f"cannot serve on 127.0.0.1:{port}: {error.strerror}; choose another port with --port") from None
        echo(f"watching {project_dir / 'story.yaml'} and the files it names; "
             f"review page at {server.url} (Ctrl-C to stop)")
        try:
            session.run(server, on_first=lambda: _open(server.url) if open_page else None)
        except (KeyboardInterrupt, Interrupted):
            echo("stopped watching")
        finally:
            if renderer.pool is not None:
                renderer.pool.close()


def _open(url: str) -> None:
    import webbrowser

    webbrowser.open(url)
