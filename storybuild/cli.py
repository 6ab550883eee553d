"""Command-line wiring only: parse options, call the library API (storybuild.api), print results.

Heavy modules (Pillow, PyAV, google-genai, piper, jsonschema) are imported only by
the code paths that need them, so `status` and a no-op `render` stay instant.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import click

from storybuild import __version__
from storybuild.api import Session

PROJECT = click.argument("project", required=False, default=".", type=click.Path(path_type=Path))
REMOTE = click.option("--remote", metavar="URL", default=None,
                      help="Shared store (file://, s3://...) [default: $STORYBUILD_REMOTE or `remote:` in "
                           ".storybuild.yaml or ~/.config/storybuild/config.yaml]; '' for none.")


def _warn(message: str) -> None:
    click.echo(message, err=True)


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
    from storybuild.init_project import init_message, write_new_project

    click.echo(init_message(write_new_project(directory, theme, scene_count, writer, force), directory))


@main.command()
@PROJECT
def validate(project: Path) -> None:
    """Check story.yaml against the schema and report every problem at once; warn
    (without failing) about caption lines too wide to fit even at the smallest size.

    \b
    Example:
      storybuild validate examples/whiskers-and-buster
    """
    session = Session(project)
    checked = session.validate()
    for warning in checked.warnings:
        click.echo(warning, err=True)
    _refresh_schema(session.folder)
    click.echo(f"{session.story_file}: ok ({_count(checked.project.scenes, 'scene')}, "
               f"{_count(checked.project.characters, 'character')})")


@main.command()
@PROJECT
@click.option("--explain", is_flag=True, help="Show every step with the reason for its state.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--force", "force", multiple=True, metavar="STEP_OR_SCENE", help="Treat as if forced by render --force.")
@REMOTE
def status(project: Path, explain: bool, as_json: bool, force: tuple[str, ...], remote: str | None) -> None:
    """Show which steps a render would run, and why. Exits 1 when the build is not up to date.

    \b
    States: fresh (up to date), restore (an earlier build is stored: relinked, nothing
    generated), stale (will run), blocked (waits for a stale input), remote (the shared
    store has it: downloaded, nothing generated).
    Example:
      storybuild status --explain examples/whiskers-and-buster
    """
    from storybuild import report

    session = Session(project, remote=remote, warn=_warn)
    if as_json:
        planned = session.status(force)
        click.echo(report.status_json(planned.decisions, report.cost_estimate(planned.decisions, planned.project)))
        up_to_date = planned.up_to_date
    else:  # tallied step by step: memory flat in the story's length
        tally = session.status_tally(force, explain)
        click.echo(tally.text())
        _echo_cost(tally.running, tally.project)
        up_to_date = tally.up_to_date
    if not up_to_date:
        sys.exit(1)


@main.command()
@click.argument("projects", nargs=-1, type=click.Path(path_type=Path), metavar="[DIR]...")
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=None,
              help="Steps run at once [default: CPU count offline, 8 with a network provider].")
@click.option("-k", "--keep-going", is_flag=True, help="After a failure, still build every step that does not depend on it.")
@click.option("--force", "force", multiple=True, metavar="STEP_OR_SCENE",
              help="Run this step (voice/garden), scene (garden) or kind (image) even if stored; repeatable.")
@click.option("-n", "--dry-run", is_flag=True, help="Print what would run and stop; costs nothing.")
@click.option("--progress", "shown", type=click.Choice(["auto", "lines", "json"]), default="auto", show_default=True,
              help="Progress on stderr: a live bar on a terminal and lines elsewhere (auto), plain lines, "
                   "or one JSON object per step event (for tools).")
@click.option("-q", "--quiet", is_flag=True, help="No progress; only the summary line (and errors).")
@click.option("--max-cost", type=click.FloatRange(min=0), default=None, metavar="USD",
              help="Refuse to start when the paid calls would cost more than this many US dollars (estimated).")
@REMOTE
@click.option("--executor", default="local", metavar="local|dask|tcp://HOST:8786",
              help="Where steps run: here, a local Dask cluster, or a Dask scheduler (with --remote).")
def render(projects: tuple[Path, ...], jobs: int | None, keep_going: bool, force: tuple[str, ...], dry_run: bool,
           shown: str, quiet: bool, max_cost: float | None, remote: str | None, executor: str) -> None:
    """Build the video, running only the steps whose inputs changed. Several DIRs render
    together: one scheduler, one -j budget, a summary line per project.

    \b
    Example:
      storybuild render -j 4 examples/whiskers-and-buster
      storybuild render --force voice/garden      # a new take of one narration
      storybuild render --progress json 2> events.jsonl
      storybuild render stories/*/                # every story, one shared scheduler
      storybuild render --executor tcp://farm:8786 --remote s3://studio/cache my-story
    """
    from storybuild import report
    from storybuild.execute import RenderFailed

    if executor not in ("local", "dask") and "://" not in executor:
        raise click.BadParameter("local, dask, or a Dask scheduler address such as tcp://host:8786",
                                 param_hint="--executor")
    if len(projects) > 1:
        if executor != "local":
            raise click.BadParameter("several DIRs render with the local executor only", param_hint="--executor")
        _render_batch(projects, jobs, keep_going, force, dry_run, "none" if quiet else shown, remote, max_cost)
        return
    session = Session(projects[0] if projects else Path("."), remote=remote, warn=_warn)
    if dry_run:
        planned = session.plan(force)
        click.echo(report.status_text(planned.decisions, explain=True))
        _echo_cost(planned.decisions, planned.project)
        return
    with _progress("none" if quiet else shown) as listener:
        outcome = session.render(jobs=jobs, keep_going=keep_going, force=force, listener=listener,
                                 executor=executor, max_cost=max_cost)
    for view, aside in outcome.set_aside:
        click.echo(f"kept your file {view} as {aside}: that path is where storybuild puts its own", err=True)
    if outcome.failed:
        raise RenderFailed(outcome.message)
    click.echo(report.render_summary(outcome.result, outcome.video, outcome.seconds))


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

    session = Session(project)
    swept = session.clean(everything)
    if swept is None:
        click.echo(f"nothing to clean: {session.build_dir} does not exist")
        return
    click.echo(cleaning.message(swept, session.build_dir, everything))


@main.command()
@PROJECT
def gc(project: Path) -> None:
    """Delete stored artifacts that no step of the current story refers to.

    \b
    Example:
      storybuild gc examples/whiskers-and-buster
    """
    click.echo(Session(project).gc())


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
    session = Session(project)
    found = session.verify(repair)
    if found is None:
        click.echo(f"nothing to verify: {session.build_dir / '.storybuild'} does not exist (nothing was rendered yet)")
        return
    click.echo(found.text(repaired=repair))
    if found.damaged:
        sys.exit(1)


@main.command()
@PROJECT
@REMOTE
def push(project: Path, remote: str | None) -> None:
    """Upload this project's current build to the shared store, so teammates' renders
    download it instead of generating it again.

    \b
    Example:
      storybuild push --remote s3://studio-cache/storybuild examples/whiskers-and-buster
    """
    session = Session(project, remote=remote, warn=_warn)
    steps, sent = session.push()
    click.echo(f"pushed {steps} step(s) ({sent:,} bytes sent) to {session.require_remote().label}")


@main.command()
@PROJECT
@REMOTE
def pull(project: Path, remote: str | None) -> None:
    """Download every step of the story that the shared store has into the local store;
    the next render links them into build/ without generating anything.

    \b
    Example:
      storybuild pull --remote s3://studio-cache/storybuild examples/whiskers-and-buster
    """
    session = Session(project, remote=remote, warn=_warn)
    count = session.pull()
    click.echo(f"pulled {count} step(s) from {session.require_remote().label}; "
               "`storybuild render` links them into build/")


def _render_batch(projects: tuple[Path, ...], jobs: int | None, keep_going: bool, force: tuple[str, ...],
                  dry_run: bool, shown: str, remote: str | None, max_cost: float | None) -> None:
    from storybuild import report
    from storybuild.batch import render_batch
    from storybuild.execute import RenderFailed

    sessions = [Session(project, remote=remote, warn=_warn) for project in projects]
    if dry_run:
        for session in sessions:
            planned = session.plan(force)
            click.echo(f"{session.folder}:\n{report.status_text(planned.decisions, explain=True)}")
            _echo_cost(planned.decisions, planned.project)
        return
    with _progress(shown) as listener:  # max_cost: the whole batch's paid calls against one budget
        outcomes = render_batch(sessions, jobs=jobs, keep_going=keep_going, force=force, listener=listener,
                                max_cost=max_cost)
    failures = []
    for session, outcome in zip(sessions, outcomes):
        for view, aside in outcome.set_aside:
            click.echo(f"kept your file {view} as {aside}: that path is where storybuild puts its own", err=True)
        if outcome.message:  # failed, or stopped by another project's failure
            failures.append(f"{session.folder}: {outcome.message}")
        else:
            click.echo(report.render_summary(outcome.result, outcome.video, outcome.seconds))
    if failures:
        raise RenderFailed(f"{len(failures)} of {len(sessions)} projects did not finish:\n" + "\n".join(failures))


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

    watching(Session(project, keep_providers=True), port, open_page, lambda line: click.echo(line))


@main.command(name="providers")
@click.argument("project", required=False, default=None, type=click.Path(path_type=Path))
@click.option("--check", is_flag=True, help="Ask each paid service which models exist (needs its API key).")
def providers_command(project: Path | None, check: bool) -> None:
    """List the providers, their models, voices and prices. With PROJECT, mark the
    models its story uses; with --check, ask the services (ListModels) whether those
    models (or, without PROJECT, every known model) still exist. Exits 1 when one does not.

    \b
    Example:
      storybuild providers
      storybuild providers --check examples/whiskers-and-buster
    """
    from storybuild.providers import listing

    chosen = listing.chosen_models(Session(project).load()) if project is not None else {}
    click.echo(listing.listing(chosen))
    if check:
        missing = listing.missing_models(chosen)
        for line in missing:
            click.echo(line, err=True)
        if missing:
            sys.exit(1)
        click.echo("every checked model is offered")


def _echo_cost(decisions, project) -> None:
    """The paid calls a render would make and their estimated cost, if any."""
    from storybuild import pricing, report

    text = pricing.cost_text(report.cost_estimate(decisions, project))
    if text:
        click.echo(text)


# -- helpers ---------------------------------------------------------------------------
def _refresh_schema(folder: Path) -> None:
    """Keep the project's copy of the schema (its modeline's target) this version's."""
    from storybuild.init_project import VENDORED_SCHEMA, refresh_schema

    try:
        if refresh_schema(folder):
            click.echo(f"updated {folder / VENDORED_SCHEMA} to the schema of storybuild {__version__}", err=True)
    except OSError as error:
        click.echo(f"warning: could not update {folder / VENDORED_SCHEMA} (editors read it): "
                   f"{error.strerror or error}", err=True)


def _progress(shown: str):
    """The listener for `render --progress SHOWN` (none: --quiet), as a context manager.
    A live bar gets its ETA from the render's plan (Progress.planned)."""
    from contextlib import nullcontext

    from storybuild import events
    from storybuild.progress import JsonLines, Progress

    if shown == "none":
        return nullcontext(events.ignore)
    if shown == "json":
        return JsonLines()
    return Progress(interactive=shown != "lines" and sys.stderr.isatty())


def _count(items, noun: str) -> str:
    return f"{len(items)} {noun}{'' if len(items) == 1 else 's'}"


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
