"""Command-line wiring only: parse options, call the library, print results.

Heavy modules (Pillow, PyAV, google-genai, piper, jsonschema) are imported only by
the code paths that need them, so `status` and a no-op `render` stay instant.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import click

from storybuild import __version__

PROJECT = click.argument("project", required=False, default=".", type=click.Path(path_type=Path))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="storybuild")
def main() -> None:
    """Build narrated, animated story videos from story.yaml, rebuilding only what changed.

    \b
    Example:
      storybuild init my-story --theme "a cat and a dog playing" --scenes 5
      storybuild render my-story
    """


@main.command()
@click.argument("directory", required=False, default=".", type=click.Path(path_type=Path))
@click.option("--theme", required=True, help="What the story is about.")
@click.option("--scenes", "scene_count", type=click.IntRange(1, 30), default=5, show_default=True,
              help="How many scenes to write.")
@click.option("--writer", type=click.Choice(["template", "gemini"]), default="template", show_default=True,
              help="Who writes the story: the offline template writer or Gemini (needs GEMINI_API_KEY).")
@click.option("--force", is_flag=True, help="Overwrite an existing story.yaml.")
def init(directory: Path, theme: str, scene_count: int, writer: str, force: bool) -> None:
    """Write a new story.yaml about THEME in DIRECTORY.

    \b
    Example:
      storybuild init garden-friends --theme "a cat and a dog playing" --scenes 5
    """
    from storybuild.init_project import write_new_project

    path = write_new_project(directory, theme, scene_count, writer, force)
    click.echo(f"wrote {path}; render it with: storybuild render {directory}")


@main.command()
@PROJECT
def validate(project: Path) -> None:
    """Check story.yaml against the schema and report every problem at once; warn
    (without failing) about caption lines too wide to fit even at the smallest size.

    \b
    Example:
      storybuild validate examples/whiskers-and-buster
    """
    from storybuild.project import caption_warnings

    loaded = _load(project, use_cache=False)
    for warning in caption_warnings(loaded):
        click.echo(warning, err=True)
    click.echo(f"{_story_file(project)}: ok ({_count(loaded.scenes, 'scene')}, "
               f"{_count(loaded.characters, 'character')})")


@main.command()
@PROJECT
@click.option("--explain", is_flag=True, help="Show every step with the reason for its state.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--force", "force", multiple=True, metavar="STEP_OR_SCENE", help="Treat as if forced by render --force.")
def status(project: Path, explain: bool, as_json: bool, force: tuple[str, ...]) -> None:
    """Show which steps a render would run, and why. Exits 1 when the build is not up to date.

    \b
    States: fresh (up to date), restore (an earlier build is stored: relinked, nothing
    generated), stale (will run), blocked (waits for a stale input).
    Example:
      storybuild status --explain examples/whiskers-and-buster
    """
    from storybuild import report
    from storybuild.plan import FRESH

    loaded, steps, store = _prepare(project)
    _, decisions = _plan(steps, store, force)
    store.save_checked()  # objects hashed while planning (a copied store) need not be hashed again
    click.echo(report.status_json(decisions) if as_json else report.status_text(decisions, explain))
    if any(d.state != FRESH for d in decisions):
        sys.exit(1)


@main.command()
@PROJECT
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=None,
              help="Steps run at once [default: CPU count offline, 8 with a network provider].")
@click.option("-k", "--keep-going", is_flag=True, help="After a failure, still build every step that does not depend on it.")
@click.option("--force", "force", multiple=True, metavar="STEP_OR_SCENE",
              help="Run this step (voice/garden), scene (garden) or kind (image) even if stored; repeatable.")
@click.option("-n", "--dry-run", is_flag=True, help="Print what would run and stop; costs nothing.")
def render(project: Path, jobs: int | None, keep_going: bool, force: tuple[str, ...], dry_run: bool) -> None:
    """Build the video, running only the steps whose inputs changed.

    \b
    Example:
      storybuild render -j 4 examples/whiskers-and-buster
      storybuild render --force voice/garden      # a new take of one narration
    """
    from storybuild import report
    from storybuild.buildfs import check_views
    from storybuild.execute import RenderResult
    from storybuild import review_publish
    from storybuild.lock import project_lock
    from storybuild.plan import FRESH

    started = time.monotonic()
    loaded, steps, store = _prepare(project)
    forced, decisions = _plan(steps, store, force)
    if dry_run:
        click.echo(report.status_text(decisions, explain=True))
        return
    if all(d.state == FRESH for d in decisions):
        # Nothing to do: take no lock and write nothing (but the cache of objects found
        # intact, which a read-only checkout skips), so a read-only checkout can ask.
        store.save_checked()
        result = RenderResult(fresh=[d.step.id for d in decisions])
        review_publish.refresh(loaded, steps, store, result, time.monotonic() - started)
    else:
        report.check_credentials(decisions)
        report.check_installed([d.step for d in decisions if d.runs])
        check_views(store.build_dir, steps)
        try:
            with project_lock(store.meta):
                result = _execute(loaded, steps, store, jobs, keep_going, forced, started)
        finally:
            for view, aside in store.set_aside:
                click.echo(f"kept your file {view} as {aside}: that path is where storybuild puts its own", err=True)
    click.echo(report.render_summary(result, steps, loaded, time.monotonic() - started))


@main.command()
@PROJECT
@click.option("--all", "everything", is_flag=True, help="Also delete the store (every generated artifact).")
def clean(project: Path, everything: bool) -> None:
    """Remove the files storybuild made in build/ (the store is kept, so the next
    render restores them). Files you put in build/ are kept and listed; a build/
    storybuild did not make, or one that is a symbolic link, is refused.

    \b
    Example:
      storybuild clean examples/whiskers-and-buster
    """
    from storybuild import clean as cleaning
    from storybuild.lock import project_lock
    from storybuild.store import Store

    build_dir = _project_dir(project) / "build"
    if not cleaning.check_cleanable(_project_dir(project), build_dir):
        click.echo(f"nothing to clean: {build_dir} does not exist")
        return
    with project_lock(build_dir / ".storybuild"):
        result = cleaning.sweep(build_dir, everything)
        if not everything:
            Store(build_dir).forget_current()  # the next render relinks (restores) every view
    click.echo(cleaning.message(result, build_dir, everything))


@main.command()
@PROJECT
def gc(project: Path) -> None:
    """Delete stored artifacts that no step of the current story refers to.

    \b
    Example:
      storybuild gc examples/whiskers-and-buster
    """
    from storybuild import maintenance
    from storybuild.lock import project_lock

    loaded, steps, store = _prepare(project)
    with project_lock(store.meta):
        click.echo(maintenance.collect_garbage(store, _plan(steps, store, ())[1]))


@main.command()
@PROJECT
@click.option("--repair", is_flag=True, help="Remove the damaged files so the next render rebuilds those steps.")
def verify(project: Path, repair: bool) -> None:
    """Re-hash every stored artifact and check every trace; report what is damaged.

    Exits 1 when something was damaged (also after --repair removed it), 0 otherwise.

    \b
    Example:
      storybuild verify examples/whiskers-and-buster
      storybuild verify --repair examples/whiskers-and-buster
    """
    from storybuild import verify as verifying
    from storybuild.errors import InputError
    from storybuild.lock import project_lock
    from storybuild.store import Store

    folder = _project_dir(project)
    if not folder.is_dir():
        raise InputError(f"{folder}: no such project folder")
    store = Store(folder / "build")
    if not store.meta.is_dir():
        click.echo(f"nothing to verify: {store.meta} does not exist (nothing was rendered yet)")
        return
    if repair:
        with project_lock(store.meta):
            report = verifying.verify(store)
            verifying.repair(store, report)
    else:
        report = verifying.verify(store)
    click.echo(report.text(repaired=repair))
    if report.damaged:
        sys.exit(1)


@main.command()
@PROJECT
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True,
              help="Port of the review page on 127.0.0.1 (0: any free port).")
@click.option("--open", "open_page", is_flag=True, help="Open the review page in the web browser.")
def watch(project: Path, port: int, open_page: bool) -> None:
    """Render, serve the review page on 127.0.0.1, and render again each time story.yaml
    (or a file it names) is saved; the page updates itself. Ctrl-C stops.

    \b
    Example:
      storybuild watch examples/whiskers-and-buster --open
    """
    from storybuild.watch import watch as watching

    watching(_project_dir(project), port, open_page, lambda line: click.echo(line))


# -- helpers ---------------------------------------------------------------------------
def _count(items, noun: str) -> str:
    return f"{len(items)} {noun}{'' if len(items) == 1 else 's'}"


def _project_dir(project: Path) -> Path:
    return project.parent if project.name.endswith((".yaml", ".yml")) else project


def _story_file(project: Path) -> Path:
    return project if project.name.endswith((".yaml", ".yml")) else project / "story.yaml"


def _load(project: Path, use_cache: bool = True):
    from storybuild import buildfs
    from storybuild.project import load_project

    build_dir = _project_dir(project) / "build"
    cache = buildfs.validation_cache(build_dir) if use_cache else None
    loaded = load_project(_story_file(project), cache_dir=cache)
    if cache is not None:
        buildfs.mark_new(build_dir)
    return loaded


def _prepare(project: Path):
    from storybuild.graph import build_graph
    from storybuild.store import Store

    loaded = _load(project)
    return loaded, build_graph(loaded), Store(loaded.build_dir)


def _plan(steps, store, force: tuple[str, ...]):
    """(forced step ids, decisions): the one planning path of status, render and gc."""
    from storybuild.plan import plan
    from storybuild.report import resolve_force

    forced = resolve_force(steps, force)
    return forced, plan(steps, store, forced)


def _default_jobs(steps) -> int:
    # Network providers wait on I/O, so more workers help (each provider caps its own
    # concurrency); offline ones are CPU-bound, so more workers than cores only thrash.
    return 8 if any(step.cpu == "none" for step in steps) else max(2, os.cpu_count() or 2)


def _execute(loaded, steps, store, jobs, keep_going, forced, started):
    from storybuild import review_publish
    from storybuild.actions import ProviderPool
    from storybuild.execute import Executor, RenderFailed
    from storybuild.memory import limit_arenas

    limit_arenas()  # before the workers start: each thread would otherwise get an arena
    from storybuild.progress import Progress

    from storybuild.maintenance import prune_stale_views

    executor = Executor(steps, store, ProviderPool(loaded), Progress(len(steps)), jobs=jobs or _default_jobs(steps),
                        keep_going=keep_going, forced=forced)
    try:
        result = executor.run()  # raises when a step failed: then nothing is pruned
    except RenderFailed:
        review_publish.publish(loaded, steps, store, executor.result,
                               review_publish.summary(executor.result, time.monotonic() - started))
        raise
    prune_stale_views(store, steps)
    review_publish.publish(loaded, steps, store, result, review_publish.summary(result, time.monotonic() - started))
    return result


def _raise_interrupt(_signum, _frame):
    raise KeyboardInterrupt


def run() -> None:
    """Entry point with signal handling: SIGTERM behaves like Ctrl-C (clean abort)."""
    signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        main(prog_name="storybuild", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as error:
        error.show()
        sys.stdout.flush()
        sys.stderr.flush()
        if error.exit_code == 130:
            os._exit(130)  # worker threads may be blocked in a provider call: do not wait for them
        sys.exit(error.exit_code)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except OSError as error:  # a store, view or lock write the file system refused: one line
        from storybuild.errors import file_system_error

        file_system_error(error, None).show()
        sys.exit(1)
