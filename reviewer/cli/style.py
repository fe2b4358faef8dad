"""`reviewer style show [PATH]` and `reviewer style learn OWNER/REPO --reviewer LOGIN`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..diff.files import language_of
from ..config import load_settings
from ..errors import InputError
from ..style import DEFAULT_SOURCE, STYLE_SHARE, StyleGuide, load_style, render
from .. import hosts
from ..style.learn import draft_style
from ..app.wiring import make_templates
from ..style.roots import make_style_root
from .common import EXIT_CODES_HELP, guarded, setup_logging


@click.group("style")
def style_cmd() -> None:
    """The rules a review enforces: where they come from, and a draft learnt from past reviews.

    \b
    Rules come from --style files or `style = [...]` in the config; else from the repository's
    own files (.reviewer/style.md, CONTRIBUTING.md's coding/naming/style sections, AGENTS.md,
    CLAUDE.md, .github/copilot-instructions.md, .github/instructions/*.instructions.md with
    their applyTo globs, .pi/**/SYSTEM.md); else from the default guide.
    """


def describe(guide: StyleGuide, path: str | None, context: int, origin: str) -> str:
    """The effective rules, for people: sources, general rules, rules for ``path``, PR rules."""
    if path is not None:
        guide = guide.fitted(context // STYLE_SHARE, [language_of(path)])
    out = [f"Style sources ({origin}):"]
    out += [f"  {s}" for s in guide.report_sources()] or ["  none"]
    out += ["", "General rules (the system prompt of every chunk):", "", guide.text or "(none)", ""]
    if path is not None:
        rules = guide.path_text(path, context // (2 * STYLE_SHARE))
        out += [f"Rules for {path} (the prompt of its chunks):", "", rules or "(none)", ""]
    others = [r for r in guide.path_rules if path is None or not r.matches(path)]
    if others:
        out.append("Path-specific rules" + (" for other files:" if path is not None else ":"))
        out += [f"  {r.source}: {', '.join(r.globs)}" for r in others]
        out.append("")
    if guide.pr_sections:
        out += ["Pull request rules (checked once per pull request, not sent with the code):", "",
                render(guide.pr_sections), ""]
    return "\n".join(out).rstrip() + "\n"


@style_cmd.command("show", epilog=EXIT_CODES_HELP)
@click.argument("path", required=False)
@click.option("--style", "style", multiple=True, metavar="FILE", help="Style file (repeatable), as `review --style`.")
@click.option("--ref", metavar="REF", help="Read the repository's files from this git ref (e.g. origin/main), "
              "not from the work tree.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), help="Config file.")
@click.option("-v", "--verbose", is_flag=True, help="Tracebacks.")
@guarded
def show_cmd(path, style, ref, config_path, verbose):
    """Print the effective rules: for PATH (a repository path such as src/llama.cpp), the general
    rules as a change to that file gets them (fitted to the style budget for its language) and
    the path-specific rules that match it.

    \b
    Examples:
      reviewer style show
      reviewer style show src/llama-vocab.cpp
      reviewer style show --ref origin/main ggml/src/ggml.c
    """
    setup_logging(verbose)
    settings = load_settings({"style": style}, config_path=config_path)
    templates = make_templates(settings)
    root = make_style_root(settings, Path.cwd(), ref=ref)
    guide = load_style(settings.style, templates, root=root)
    if settings.style:
        origin = "configured files; nothing is discovered"
    elif root is None:
        origin = "discovery is off (discover_style = false)"
    elif guide.sources and guide.sources[-1] == DEFAULT_SOURCE:
        origin = f"nothing found in {root.describe()}: the default guide"
    else:
        origin = f"discovered in {root.describe()}"
    path = path.strip().removeprefix("./") if path else None
    click.echo(describe(guide, path, settings.context, origin), nl=False)


@style_cmd.command("learn", epilog=EXIT_CODES_HELP)
@click.argument("repo", metavar="OWNER/REPO")
@click.option("--reviewer", "login", required=True, metavar="LOGIN", help="Whose review comments to learn from.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write the draft here "
              "(default: stdout).")
@click.option("--force", is_flag=True, help="Overwrite --output if it exists.")
@click.option("--limit", type=click.IntRange(1), default=500, show_default=True,
              help="Use at most N of the reviewer's comments (the newest).")
@click.option("--max-pages", type=click.IntRange(1), default=100, show_default=True,
              help="Read at most N pages of 100 review comments of the repository.")
@click.option("--min-count", type=click.IntRange(2), default=3, show_default=True,
              help="A point is a rule when it recurs in at least N comments.")
@click.option("--github-url", metavar="URL", help="GitHub API URL (default: GITHUB_API_URL or https://api.github.com).")
@click.option("-v", "--verbose", is_flag=True, help="Details: GitHub requests, tracebacks.")
@guarded
def learn_cmd(repo, login, output, force, limit, max_pages, min_count, github_url, verbose):
    """Draft a style file from LOGIN's past review comments on OWNER/REPO: the recurring points,
    one rule each in the reviewer's own words, with quoted examples linked to the comments.
    Edit the draft, then keep it as .reviewer/style.md.

    \b
    Examples:
      reviewer style learn ggml-org/llama.cpp --reviewer ggerganov -o style.draft.md
    """
    setup_logging(verbose)
    host = hosts.get(hosts.DEFAULT_HOST)
    if not isinstance(host, hosts.ReadsReviewComments):
        raise InputError(f"{host.title} cannot read past review comments")
    host.check_names(repo, login)
    if output is not None and output.exists() and not force:
        raise InputError(f"{output} exists", hint="choose another --output, or add --force")
    settings = load_settings({})
    client = host.connect(settings, None, post=False, url=github_url)

    def progress(page: int, scanned: int, matched: int) -> None:
        if page % 10 == 0:
            click.echo(f"read {scanned} comments ({page} pages), {matched} by {login}", err=True)

    fetched = host.review_comments(client, repo, login, limit=limit, max_pages=max_pages, on_page=progress)
    if not fetched.comments:
        raise InputError(f"no review comments by {login} in the {fetched.scanned} comments read from {repo}",
                         hint="check the login, or read more with --max-pages")
    text, clusters = draft_style(repo, login, fetched, min_count=min_count)
    if output is None:
        sys.stdout.write(text)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    click.echo(f"{len(fetched.comments)} comments by {login} (of {fetched.scanned} read, {fetched.pages} pages): "
               f"{len(clusters)} recurring points" + (f", draft written to {output}" if output else ""), err=True)
